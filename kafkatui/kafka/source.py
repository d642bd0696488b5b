"""The Kafka source: one long-lived admin client, read-only requests, frozen snapshots.

`KafkaSource.refresh()` describes the cluster (brokers, topics, partitions, offsets, log dir
sizes, rates, the KRaft quorum), `groups()` describes consumer groups and their lag, and
`configs()` describes one topic or broker on demand. Each call runs from one worker thread,
never from the UI thread, and either returns a snapshot or raises `SourceError`.

This module owns the client's lifecycle, the deadline of each call, the mapping of failures
to `SourceError`, and the assembly of snapshots (with the rate and lag trackers). The rest:

* kafka_fetch — which requests each call sends, round by round; a refresh is two round trips
  after the first connect, and the request count grows with brokers and group coordinators,
  never with partitions or groups;
* kafka_wire — the one place requests are built and sent, counted per call, every wait
  bounded by the call's deadline;
* kafka_convert — pure conversion of responses into kafkatui.model objects (brokers, topics,
  offsets, log dirs, quorum, configs); kafka_convert_groups — the same for consumer groups,
  classic and KIP-848;
* kafka_clients — how the client is built: every bootstrap server probed at once (so one hung
  broker cannot eat the connect budget), connection set-up bounded by the timeout, and
  metadata that can never auto-create a topic.

How it stays bounded and recovers:

* Every wait has a deadline: `Settings.connect_timeout_s`, or the longer one the app gives a
  poll after its last poll ran into it (`timeout_s`, refresh/deadline.py); every request of
  the call is sent with what is left of it as its own request timeout, and the calling thread
  also waits on the whole coroutine with that deadline, so no kafka-python default (30 s) can
  hold a refresh. Connecting (bootstrap) keeps the set timeout.
* A failure of the whole call (no metadata, bootstrap failed) raises `SourceError` and
  drops the client, so the next call reconnects. A failure of one part (one broker's log
  dirs, one leader's offsets) keeps the rest and is listed in the snapshot's `errors`.

Read-only by construction: kafka_wire builds only Metadata (always with
`allow_auto_topic_creation=False`, so asking about a missing topic can never create it),
ListOffsets, DescribeLogDirs, DescribeQuorum, ListGroups, DescribeGroups,
ConsumerGroupDescribe (KIP-848 groups), OffsetFetch, DescribeConfigs and
ListPartitionReassignments; kafka_lag_time adds Fetch (no group field, replica -1, no session)
for the timestamps at committed offsets. No consumer is
created, no group is joined and nothing is committed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import kafka.errors as Errors
from kafka.admin import KafkaAdminClient

from kafkatui.config import Settings
from kafkatui.kafka.bootstrap import bootstrap_failures, explain
from kafkatui.kafka.catch_up import catch_up, window_rates
from kafkatui.kafka.clients import BootstrapUnreachable, bootstrap_kwargs, client_factory
from kafkatui.kafka.codec import Kept
from kafkatui.kafka.convert import (
    NOT_AUTHORIZED,
    TopicPartitionKey,
    broker_part_line,
    brokers_from_metadata,
    config_entries,
    controller_of,
    describe_error,
    keep_unchanged,
    keep_unchanged_groups,
    log_dirs_from_response,
    offsets_from_response,
    quorum_from_response,
    split_denied,
    summarize,
    topics_from_metadata,
)
from kafkatui.kafka.convert_groups import (
    consuming,
    group_partitions,
    members_from_description,
    state_and_protocol,
)
from kafkatui.kafka.convert_health import (
    broker_configs_from_response,
    min_isr_from_response,
    reassignments_from_response,
)
from kafkatui.kafka.disks import DiskFillTracker
from kafkatui.kafka.fetch import fetch_cluster, fetch_config, fetch_groups, fetch_health, fetch_quorum
from kafkatui.kafka.lag import LagTracker
from kafkatui.kafka.lag_time import LagTimeTracker, fetch_round, with_lag_time
from kafkatui.kafka.oauth import command_error
from kafkatui.kafka.rates import RateTracker
from kafkatui.kafka.security import fetch_security
from kafkatui.kafka.wire import RESOURCE_TYPES, Call, Fatal, NotFound, OffsetRequests
from kafkatui.model import (
    MIN_ISR_KEY,
    ClusterConfigs,
    ClusterHealth,
    ClusterSnapshot,
    ConfigSnapshot,
    Group,
    GroupMember,
    GroupPartition,
    GroupsSnapshot,
    LagStatus,
    LogDir,
    Quorum,
    QuorumSnapshot,
    Reassignment,
    SecuritySnapshot,
    SourceError,
    Topic,
)

__all__ = ["KafkaSource"]

CLIENT_ID = "kafkatui"
SOURCE = "kafka"
RECONNECT_BACKOFF_MAX_MS = 5000  # a restarted broker is used again within seconds, not 30 s
MAX_IN_FLIGHT = 64  # requests pipelined per broker connection (see _client_kwargs)
CONFIG_REFRESH_S = 60.0
"""Topic min.insync.replicas and every broker's configs change rarely (an operator's act), so
they are asked for at the first refresh and then at most once a minute, plus at once for a
topic the metadata shows for the first time."""

# kafka-python logs connection failures at WARNING/ERROR. With no handler configured anywhere,
# Python's last-resort handler would print them to stderr, where Textual draws the screen.
# A NullHandler stops that; records still propagate to whatever handlers the app installs.
logging.getLogger("kafka").addHandler(logging.NullHandler())


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _Admin(KafkaAdminClient):
    """KafkaAdminClient that does not leak its IO thread when bootstrap fails in __init__."""

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            with contextlib.suppress(Exception):
                if getattr(self, "_client", None) is not None:
                    self._client.close()
                if getattr(self, "_net", None) is not None:
                    self._net.stop(timeout_ms=2000)
            raise


class KafkaSource:
    """Read-only Kafka data for the UI and `kafkatui snapshot`.

    One admin client, created lazily by the first call (in the calling worker thread) and
    shared by all calls. Calls may overlap (say `refresh` and `groups` from two workers):
    each runs as its own coroutine with its own deadline and request count; the rate and
    lag trackers are each touched by one method only.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout_s = float(settings.connect_timeout_s)
        self._lock = threading.Lock()
        self._admin: _Admin | None = None
        self._rates = RateTracker()
        self._lag = LagTracker()
        self._lag_time = LagTimeTracker()
        self._disks = DiskFillTracker()
        self._configs: ClusterConfigs | None = None  # the last config round, kept between rounds
        self._configs_at = 0.0  # time.monotonic() of the last full config round
        self._configs_denied: frozenset[str] = frozenset()  # topics whose configs this principal may not read
        # the last config round's denied broker configs: still denied between rounds, so still said
        self._broker_configs_denied: tuple[str, ...] = ()
        self._topics: dict[str, Topic] = {}  # the last refresh's topics, touched by refresh() only
        self._topic_inputs: dict[str, tuple[Any, Topic]] = {}  # convert.topics_from_metadata's memo
        self._metadata_kept: Kept = {}  # the last Metadata answer's topics (codec.decode_metadata)
        self._groups: dict[str, Group] = {}  # the last poll's groups, touched by groups() only
        self._group_parts: dict[str, tuple[GroupPartition, ...]] = {}  # their offsets as fetched, ditto
        # the encoded ListOffsets requests, kept while each leader's partitions stay the same
        self._offset_requests = OffsetRequests()
        self._group_offset_requests = OffsetRequests()

    # ------------------------------------------------------------------ client lifecycle

    def _client_kwargs(self) -> dict[str, Any]:
        """Probes the bootstrap servers first (see kafka_clients): a hung one is left out."""
        timeout_ms = int(self.timeout_s * 1000)
        return {
            **bootstrap_kwargs(self.settings.bootstrap, self.timeout_s, self.settings.security),
            "client_id": CLIENT_ID,
            "request_timeout_ms": timeout_ms,
            "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
            # a phase sends its requests at once; on a one-broker cluster they all share one
            # connection, and kafka-python's 5 failed the rest with "Node paused: max_in_flight"
            "max_in_flight_requests_per_connection": MAX_IN_FLIGHT,
            "kafka_client": client_factory(self.timeout_s),
            **self.settings.security.client_kwargs(),
        }

    def _client(self, timing: dict[str, float]) -> _Admin:
        with self._lock:
            if self._admin is not None:
                return self._admin
            started = time.monotonic()
            try:
                with bootstrap_failures() as failures:
                    admin = _Admin(**self._client_kwargs())
            except BootstrapUnreachable as exc:  # the probe names each server and why
                raise SourceError(SOURCE, str(exc)) from None
            except Exception as exc:
                where = self.settings.bootstrap_str or "(no bootstrap servers)"
                security = self.settings.security
                mismatch = command_error(security.sasl_oauth_token_command) or explain(
                    failures.errors, security.protocol, security.sasl_mechanism)
                if mismatch:  # the brokers answered: "cannot reach" would send the operator the wrong way
                    raise SourceError(SOURCE, f"cannot connect to {where}: {mismatch}") from None
                # a timeout's own text only repeats the addresses; other errors (SSL, SASL) say more
                why = type(exc).__name__ if isinstance(exc, Errors.KafkaTimeoutError) else describe_error(exc)
                raise SourceError(SOURCE, f"cannot reach {where} within {self.timeout_s:g} s ({why})") from None
            self._admin = admin
            timing["connect"] = time.monotonic() - started
            return admin

    def connect(self) -> None:
        """Connect now: a bootstrap server answered the probe and kafka-python's bootstrap
        (metadata) succeeded, within the connect timeout; SourceError says why not. The start-up
        check of both `kafkatui` and `kafkatui snapshot` (cli.connect_kafka)."""
        self._client({})

    def _drop(self, failed: _Admin | None = None) -> None:
        """Forget and close the client. With `failed` (the client a failing call used), only if
        it is still the current one: two calls may overlap, and one that failed on an old client
        must not throw away the new client another call has just built."""
        with self._lock:
            if failed is not None and self._admin is not failed:
                return  # already dropped (and closed) by whoever replaced it
            admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()

    def close(self) -> None:
        """Close the client; a later call reconnects."""
        self._drop()

    def io_cpu_s(self) -> float:
        """The CPU seconds the client's IO thread has used so far (0.0 without a client): that
        thread, not the calling one, encodes the requests and decodes the answers, so what a poll
        costs the host is mostly there (pacing counts it: refresh/pace.py). A reconnect starts a
        new thread, and the count with it."""
        admin = self._admin
        thread = getattr(getattr(getattr(admin, "_manager", None), "_net", None), "_io_thread", None)
        ident = getattr(thread, "ident", None)
        if ident is None:
            return 0.0
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(ident))
        except (OSError, AttributeError):  # the thread has ended (the client was dropped meanwhile)
            return 0.0

    # ------------------------------------------------------------------ running coroutines

    def _call(self, what: str, coro: Callable[[Call], Any], timing: dict[str, float],
              timeout_s: float | None = None) -> tuple[Any, int]:
        """Run `coro(call)` on the client's IO thread, never longer than `timeout_s` (None: the
        set timeout); returns its value and the number of requests it sent."""
        admin = self._client(timing)
        timeout = timeout_s or self.timeout_s
        try:
            call = Call(admin._manager, timeout)
            future = admin._manager.call_soon(coro, call)
            done = threading.Event()
            future.add_both(lambda _: done.set())
            if not done.wait(timeout + 0.5):
                raise Fatal(f"no answer within {timeout:g} s")
            if future.exception is not None:
                raise future.exception
            return future.value, call.sent
        except NotFound as exc:
            raise SourceError(SOURCE, str(exc)) from None
        except Fatal as exc:
            self._drop(admin)
            raise SourceError(SOURCE, f"{what} failed: {exc}") from None
        except Exception as exc:
            self._drop(admin)
            raise SourceError(SOURCE, f"{what} failed: {describe_error(exc)}") from None

    # ------------------------------------------------------------------ refresh

    def refresh(self, timeout_s: float | None = None) -> ClusterSnapshot:
        """Brokers, topics, partitions with offsets and sizes, rates and (KRaft) the quorum.
        `timeout_s` (here and in every poll below): this call's deadline, None for the set one."""
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}
        configs_due = self._configs is None or time.monotonic() - self._configs_at >= CONFIG_REFRESH_S
        known = frozenset(self._configs.min_isr) if self._configs is not None else frozenset()
        known |= self._configs_denied  # asked, and denied: asked again with the next full round only

        async def fetch(call: Call) -> Any:
            return await fetch_cluster(call, configs_due, known, self._offset_requests, self._metadata_kept)

        fetched, requests = self._call("refresh", fetch, timing, timeout_s)
        build_started = time.monotonic()
        timing.update(fetched.timing)
        md, errors = fetched.metadata, list(fetched.errors)

        brokers = brokers_from_metadata(md)
        earliest: dict[TopicPartitionKey, int] = {}
        latest: dict[TopicPartitionKey, int] = {}
        sizes: dict[int, dict[TopicPartitionKey, int]] = {}
        log_dirs: list[LogDir] = []
        offset_errors: dict[str, dict[str, int]] = {"earliest offsets": {}, "latest offsets": {}}
        quorum: Quorum | None = None
        reassignment_answer: Any = None
        topic_min_isr: dict[str, int] | None = None
        broker_configs: dict[int, dict[str, str | None]] = {}
        configs_denied: list[str] = []  # this round's denied broker configs
        now_ms = int(time.time() * 1000)
        for kind, node, response, _tag in fetched.results:
            if kind in ("earliest_offsets", "latest_offsets"):
                offsets, errs = offsets_from_response(response)
                (earliest if kind == "earliest_offsets" else latest).update(offsets)
                bucket = offset_errors[kind.replace("_", " ")]
                for name, count in errs.items():
                    bucket[name] = bucket.get(name, 0) + count
            elif kind == "log_dirs" and node is not None and getattr(response, "error_code", 0):
                # v3+: the whole request failed, e.g. CLUSTER_AUTHORIZATION_FAILED (no Describe on the cluster)
                errors.append(broker_part_line("log dirs", node, Errors.for_code(response.error_code).__name__))
            elif kind == "log_dirs" and node is not None:
                dirs, replica_sizes = log_dirs_from_response(node, response)
                log_dirs.extend(dirs)
                sizes[node] = replica_sizes
            elif kind == "quorum":
                error = Errors.for_code(response.error_code)
                if error is not Errors.NoError:
                    errors.append(f"quorum: {error.__name__}")
                quorum = quorum_from_response(response, now_ms)
            elif kind == "reassignments":
                reassignment_answer = response
            elif kind == "topic_configs":
                topic_min_isr, lines = min_isr_from_response(response)
                self._configs_denied = frozenset(
                    r.resource_name for r in response.results
                    if Errors.for_code(r.error_code) is Errors.TopicAuthorizationFailedError)
                errors.extend(lines)
            elif kind == "broker_configs" and node is not None:
                values, lines = broker_configs_from_response(response, node)
                errors.extend(lines)
                configs_denied.extend(split_denied(lines)[1])
                if values:
                    broker_configs[node] = values
        for what, errs in offset_errors.items():
            errors.extend(summarize(errs, what))
        reassignments: list[Reassignment] = []
        if reassignment_answer is not None:
            # only the topics being reassigned (usually none): not a dict of every partition per refresh
            moving = {t.name for t in reassignment_answer.topics}
            leader_of = {(t.name, p.partition_index): p.leader_id for t in md.topics if t.name in moving
                         for p in t.partitions}
            reassignments, lines = reassignments_from_response(reassignment_answer, leader_of, sizes)
            errors.extend(lines)
        configs = self._update_configs(fetched_at, configs_due, topic_min_isr, broker_configs)
        fill = self._disks.update(time.monotonic(), (((d.broker_id, d.path), d.usable_bytes) for d in log_dirs))
        log_dirs = [replace(d, fill_bytes_per_s=fill.get((d.broker_id, d.path))) for d in log_dirs]

        all_keys = [(t.name, p.partition_index) for t in md.topics if not t.error_code for p in t.partitions]
        rates = self._rates.update(time.monotonic(), {key: latest.get(key) for key in all_keys})
        topic_rates = self._rates.topic_rates()
        topics = keep_unchanged(self._topics, topics_from_metadata(md, earliest, latest, sizes, rates, topic_rates,
                                                                   self._topic_inputs))
        self._topics = {t.name: t for t in topics}
        log_dirs.sort(key=lambda d: (d.broker_id, d.path))
        errors, denied = split_denied(errors)
        if configs_due:
            self._broker_configs_denied = tuple(configs_denied)
        else:
            denied += self._broker_configs_denied
        timing["build"] = time.monotonic() - build_started
        return ClusterSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            cluster_id=md.cluster_id,
            controller_id=controller_of(md.controller_id, fetched.kraft, quorum),  # KRaft: the quorum leader
            brokers=brokers,
            topics=topics,
            log_dirs=tuple(log_dirs),
            quorum=quorum,
            kraft=fetched.kraft,
            requests=requests,
            timing=timing,
            errors=errors,
            denied=denied,
            reassignments=tuple(reassignments),
            configs=configs,
        )

    def _update_configs(
        self,
        fetched_at: float,
        due: bool,
        topic_min_isr: dict[str, int] | None,
        broker_configs: dict[int, dict[str, str | None]],
    ) -> ClusterConfigs | None:
        """Fold this refresh's config answers into the kept ones. A full round replaces the
        topics' values (deleted topics go); a new-topic round only adds; a failed part keeps
        what the last round said rather than forgetting it."""
        old = self._configs
        if topic_min_isr is None and not broker_configs:
            return old
        min_isr = dict(old.min_isr) if old is not None and not (due and topic_min_isr) else {}
        min_isr.update(topic_min_isr or {})
        brokers = broker_configs or (old.broker_configs if old is not None else {})
        broker_values = [_int_or_none(c.get(MIN_ISR_KEY)) for c in brokers.values()]
        known_values = [v for v in broker_values if v is not None]
        self._configs = ClusterConfigs(
            fetched_at=fetched_at if due or old is None else old.fetched_at,
            min_isr=min_isr,
            broker_min_isr=max(known_values) if known_values else (old.broker_min_isr if old else None),
            broker_configs=brokers,
        )
        if due:
            self._configs_at = time.monotonic()
        return self._configs

    def health(self, timeout_s: float | None = None) -> ClusterHealth:
        """The brokers only, in one Metadata request: what the header needs when no view shows cluster data."""
        fetched_at = time.time()
        started = time.monotonic()
        md, requests = self._call("health", fetch_health, {}, timeout_s)
        return ClusterHealth(fetched_at, time.monotonic() - started, md.cluster_id, brokers_from_metadata(md), requests)

    def quorum(self, timeout_s: float | None = None) -> QuorumSnapshot:
        """The KRaft metadata quorum only (one DescribeQuorum; none on a ZooKeeper cluster): what
        the quorum view shows, without the full refresh's offsets of every partition."""
        fetched_at = time.time()
        started = time.monotonic()
        (kraft, response, errors), requests = self._call("quorum", fetch_quorum, {}, timeout_s)
        quorum = None
        if response is not None:
            error = Errors.for_code(response.error_code)
            if error is not Errors.NoError:
                errors.append(f"quorum: {error.__name__}")
            quorum = quorum_from_response(response, int(time.time() * 1000))
        errors, _denied = split_denied(errors)  # not allowed is what the view says, not a failure
        return QuorumSnapshot(fetched_at, time.monotonic() - started, kraft, quorum, requests, tuple(errors))

    # ------------------------------------------------------------------ groups

    def groups(self, timeout_s: float | None = None) -> GroupsSnapshot:
        """Consumer groups with members, committed offsets, lag and a Burrow-style status."""
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}
        async def fetch(call: Call) -> Any:
            return await fetch_groups(call, self._group_offset_requests)

        fetched, requests = self._call("consumer groups", fetch, timing, timeout_s)
        timing.update(fetched.timing)
        build_started = time.monotonic()
        now = time.monotonic()
        groups: list[Group] = []
        parts_of: dict[str, tuple[GroupPartition, ...]] = {}
        members_of: dict[str, tuple[GroupMember, ...]] = {}
        for group_id in fetched.listed:
            desc = fetched.described.get(group_id)
            members_of[group_id] = members = members_from_description(desc) if desc is not None else ()
            parts_of[group_id] = group_partitions(members, fetched.committed.get(group_id, {}), fetched.latest)
        errors = list(fetched.errors)
        lag_time_requests = self._lag_time_round(parts_of, now, timing, errors, timeout_s)
        now_ms = int(time.time() * 1000)
        last_parts = self._group_parts
        self._group_parts = {g: parts for g, parts in parts_of.items() if g not in fetched.denied}
        for group_id, (coordinator, listed_group) in sorted(fetched.listed.items()):
            desc = fetched.described.get(group_id)
            not_authorized = group_id in fetched.denied
            members = members_of[group_id]
            old = self._groups.get(group_id)
            if old is not None and self._unchanged(old, last_parts.get(group_id), parts_of[group_id], now):
                # offsets as at the last poll and a verdict that cannot change by it (LagTracker.repeat):
                # the last poll's lag evaluation, lag in time and catch-up stand (issue 14)
                partitions, lag_s, lag_note = old.partitions, old.lag_seconds, old.lag_time_note
                status, reason, estimate = old.status, old.status_reason, old.catch_up
            else:
                partitions, lag_s, lag_note = with_lag_time(self._lag_time, group_id, parts_of[group_id], now_ms)
                self._lag.record(group_id, now, ((p.topic, p.partition, p.committed, p.latest) for p in partitions
                                                 if p.exists is not False))  # a deleted topic has no lag to judge
                status, reason = self._lag.evaluate(group_id, consuming(members), now)  # per partition
                estimate = None
            if not_authorized:
                status, reason = LagStatus.UNKNOWN, f"{NOT_AUTHORIZED}: this principal may not describe the group"
            if desc is not None:  # from DescribeGroups, or ConsumerGroupDescribe for a KIP-848 group
                state, protocol_type, protocol = state_and_protocol(desc)
            elif not_authorized:  # listed (Describe on the cluster) but not describable: a fact, not a failure
                state, protocol_type, protocol = NOT_AUTHORIZED, listed_group.protocol_type, ""
            else:  # not described (its coordinator failed): what ListGroups said
                state = getattr(listed_group, "group_state", None) or "Unknown"
                protocol_type, protocol = listed_group.protocol_type, ""
            groups.append(
                Group(
                    id=group_id,
                    state=state or "",
                    protocol_type=protocol_type or "",
                    protocol=protocol or "",
                    members=members,
                    partitions=partitions,
                    status=status,
                    status_reason=reason,
                    coordinator=coordinator,
                    lag_seconds=lag_s,
                    lag_time_note=lag_note,
                    catch_up=estimate,  # the last poll's, which a repeated sample cannot change; or None:
                )
            )
            if estimate is None:  # estimated from the lag windows
                groups[-1] = replace(groups[-1], catch_up=catch_up(groups[-1].total_lag,
                                                                   window_rates(self._lag.windows(group_id))))
        self._lag.expire(now)  # once per refresh: groups gone for a while are forgotten
        kept = keep_unchanged_groups(self._groups, groups)  # unchanged: the last poll's object
        self._groups = {g.id: g for g in kept}
        errors, denied = split_denied(errors)
        timing["build"] = time.monotonic() - build_started
        return GroupsSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            groups=kept,
            requests=requests + lag_time_requests,
            errors=errors,
            denied=denied,
            timing=timing,
            lag_time_requests=lag_time_requests,
        )

    def _unchanged(self, old: Group, last: tuple[GroupPartition, ...] | None, parts: tuple[GroupPartition, ...],
                   now: float) -> bool:
        """Whether the group's lag evaluation, lag in time and catch-up of the last poll (`old`) stand:
        the same offsets as fetched then (`last`; None when it was not authorized), none of them
        judged missing now or then, and a verdict that cannot change by another equal sample (the
        lag tracker then records it lazily: `LagTracker.repeat`). Compares, never re-evaluates."""
        return (last == parts
                and not any(self._lag_time.missing((p.topic, p.partition)) for p in parts)
                and all(p.exists is not False for p in old.partitions)
                and self._lag.repeat(old.id, now))

    def _lag_time_round(self, parts_of: dict[str, tuple[GroupPartition, ...]], now: float, timing: dict[str, float],
                        errors: list[str], timeout_s: float | None = None) -> int:
        """Fetch the timestamps at committed offsets when a round is due (kafka_lag_time): its own
        deadline, and a failure only costs the lag in time (an error line), never the groups.
        Returns the round's request count (0 when none was due)."""
        plan = self._lag_time.plan((p for parts in parts_of.values() for p in parts), now)
        if plan is None:
            return 0
        started = time.monotonic()

        async def fetch(call: Call) -> Any:
            return await fetch_round(call, plan.fetch, plan.check)

        try:
            result, sent = self._call("lag in time", fetch, timing, timeout_s)
        except SourceError as exc:
            errors.append(str(exc))
            self._lag_time.failed(now)
            return 0
        keep = {(p.topic, p.partition) for parts in parts_of.values() for p in parts}
        self._lag_time.update(result, now, keep, plan.left)
        errors.extend(result.errors)
        timing["lag_time"] = time.monotonic() - started
        return sent

    # ------------------------------------------------------------------ configs

    def security(self, timeout_s: float | None = None) -> SecuritySnapshot:
        """ACLs, client quotas and SCRAM users, each part with why it is unavailable if it is."""
        snapshot, _sent = self._call("security", fetch_security, {}, timeout_s)
        return snapshot

    def configs(self, resource_type: str, name: str) -> ConfigSnapshot:
        """All configs of one topic or broker ("topic" | "broker"), defaults marked."""
        if resource_type not in RESOURCE_TYPES:
            raise SourceError(SOURCE, f"configs: resource type must be 'topic' or 'broker', not {resource_type!r}")
        if resource_type == "broker" and not str(name).isdigit():
            raise SourceError(SOURCE, f"configs: a broker is named by its id, not {name!r}")
        fetched_at = time.time()
        started = time.monotonic()
        timing: dict[str, float] = {}

        async def describe(call: Call) -> Any:
            return await fetch_config(call, resource_type, name)

        result, _sent = self._call(f"configs of {resource_type} {name}", describe, timing)
        return ConfigSnapshot(
            fetched_at=fetched_at,
            duration_s=time.monotonic() - started,
            resource_type=resource_type,
            resource_name=str(name),
            entries=config_entries(result, resource_type),
        )
