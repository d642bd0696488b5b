"""`kafkatui snapshot --json`: one full refresh of every source as one JSON document."""
