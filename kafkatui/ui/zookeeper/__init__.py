"""View 5: the ZooKeeper tree and node detail, or the KRaft quorum view."""
