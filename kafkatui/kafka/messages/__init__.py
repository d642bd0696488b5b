"""Kafka message classes that kafka-python does not ship, generated from schemas kept here.

kafka-python builds each request/response class from a JSON message spec; `load_json=`
points it at this package, which holds our own minimal specs (only what kafkatui sends,
and every field of what it must decode, in wire order).

Only read-only requests belong here.
"""

from __future__ import annotations

from kafka.protocol.api_message import ApiMessage


class ConsumerGroupDescribeRequest(ApiMessage, load_json=__name__):
    """KIP-848 groups (api key 69): members and their assignments; reads only."""


class ConsumerGroupDescribeResponse(ApiMessage, load_json=__name__):
    """The answer to ConsumerGroupDescribeRequest, one entry per group asked about."""


__all__ = ["ConsumerGroupDescribeRequest", "ConsumerGroupDescribeResponse"]
