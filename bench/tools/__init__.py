"""Helpers for benchmarks that compare kafkatui with Kafka's own command-line tools."""
