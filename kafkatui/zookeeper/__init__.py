"""The ZooKeeper source behind a read-only facade, its server stats, znode paths and what Kafka's
well-known znodes mean."""
