"""kafkatui: a read-only terminal monitor for a running Apache Kafka cluster."""

__version__ = "0.1.0"
