"""The Kafka and ZooKeeper JVMs on this host (psutil): roles, properties, heap flags, disk use, and
which broker id each one is."""
