"""Which metadata broker a local Kafka JVM is: matching processes to `Broker`s.

Why it is its own module: the config's broker.id alone is wrong as soon as two local clusters
reuse ids 1-3, and a port alone is ambiguous when brokers on several hosts share one. So a JVM
is the broker whose advertised port it listens on, narrowed by this machine's host names, and
only then by its configured id; the rules are pure and tested without any process running.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence
from dataclasses import replace

import psutil

from kafkatui.model import Broker, JvmProcess


def match_broker_ids(
    processes: Sequence[JvmProcess],
    brokers: Sequence[Broker],
    local_hosts: Iterable[str] = (),
) -> tuple[JvmProcess, ...]:
    """Set each Kafka process's broker_id to the metadata broker whose port it listens on.

    Several brokers on one port (one per host, as in a real cluster) are narrowed to those whose
    host is in `local_hosts`, then to the config's id. A process matching no broker keeps the id
    from its own config, unless a port match already claimed that id (e.g. a second local
    cluster reusing ids 1-3), in which case it gets None rather than a wrong id.
    """
    local = set(local_hosts)
    assigned: dict[int, int] = {}
    for index, proc in enumerate(processes):
        if proc.role == "zookeeper":
            continue
        candidates = [b for b in brokers if b.port in proc.ports]
        if len(candidates) > 1:
            candidates = [b for b in candidates if b.host in local] or candidates
        if len(candidates) > 1:
            candidates = [b for b in candidates if b.id == proc.broker_id] or candidates
        if len(candidates) == 1:
            assigned[index] = candidates[0].id
    claimed = set(assigned.values())
    matched: list[JvmProcess] = []
    for index, proc in enumerate(processes):
        if index in assigned:
            proc = replace(proc, broker_id=assigned[index])
        elif proc.role != "zookeeper" and proc.broker_id in claimed:
            proc = replace(proc, broker_id=None)
        matched.append(proc)
    return tuple(matched)


def local_host_names() -> frozenset[str]:
    """Names and addresses that mean "this machine" in broker metadata (no DNS lookups)."""
    names = {"localhost", "127.0.0.1", "::1", socket.gethostname()}
    try:
        for addrs in psutil.net_if_addrs().values():
            names.update(a.address.split("%", 1)[0] for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6))
    except (OSError, psutil.Error):
        pass
    return frozenset(names)
