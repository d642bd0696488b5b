"""The live tail's data side: a consumer with no group (assign + seek, no commits), its reader
thread and bounded channel, the ring buffer, records, start positions and the JSONL export."""
