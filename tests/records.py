"""Record-building helpers shared by the tail tests."""

from __future__ import annotations


class RawName(str):
    """A header name kafka-python writes as these exact bytes: its record builder calls
    `name.encode("utf-8")`, so this is the one way to produce a name that is not UTF-8 from Python."""

    raw: bytes

    def __new__(cls, raw: bytes) -> RawName:
        name = super().__new__(cls, raw.decode("utf-8", "surrogateescape"))
        name.raw = raw
        return name

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.raw
