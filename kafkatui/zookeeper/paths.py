"""Znode path arithmetic, shared by the ZooKeeper source and the tree widget so both agree on
what the path of a child is (the root's children are `/name`, never `//name`)."""

from __future__ import annotations


def child_path(parent: str, name: str) -> str:
    return f"{parent.rstrip('/')}/{name}"


def split_path(path: str) -> list[str]:
    """The names along a path: `/brokers/ids` -> ["brokers", "ids"]; the root is []."""
    return [s for s in path.split("/") if s]
