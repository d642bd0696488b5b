"""Refresh cost against cluster size, and the standard tools for the same information, in one run.

Grows the local cluster step by step (about 100 -> 1,000 -> 2,000 -> 5,000 partitions on top of the
demo topics) with topics `bench-scale-<step>-<i>` (RF 1, 50-100 partitions each, a few records
each), and at every step times one full kafkatui data refresh, `KafkaSource.refresh()` +
`.groups()`: one cold call on a new source (includes connecting) and 7 warm calls on the same
long-lived source. It counts the Kafka requests of each call and checks them against the formula
(they depend on brokers, partition leaders and group coordinators, never on partitions).

At the largest size reached it runs, interleaved with kafkatui, `kcat -L` and Kafka's own
kafka-topics.sh --describe, kafka-consumer-groups.sh --describe --all-groups and
kafka-get-offsets.sh --time -1 (the Java classes from the kafka-tools 3.9.1 jars, see
bench/tools/), and reports kafkatui's time / the tool's time.

From the measured points it fits time = a + b*partitions + c*requests and projects 10,000 and
50,000 partitions on 30 brokers. Writes bench/out/scale.json and deletes every topic it created
(and waits until the deletion is complete), whatever happens, Ctrl-C included.

    python bench/bench_scale.py [--bootstrap HOST:PORT,...] [--sizes 100,1000,2000,5000]
                                [--runs 7] [--tool-runs 5] [--budget-s 450] [--no-tools] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "scale.json"
STATE = REPO / ".localcluster"
PREFIX = "bench-scale-"
CLIENT_ID = "kafkatui-bench-scale"
TARGETS_MS = {2000: 300.0, 5000: 700.0}  # step (bench partitions) -> target for the warm median
PROJECT_BROKERS = 30
PROJECT_PARTITIONS = (10_000, 50_000)
RECORDS_PER_TOPIC = 5
SECONDS_PER_PARTITION_GUESS = 0.006  # create + wait, before the first step measures it
RESERVE_S = 120.0  # kept back from the budget for the tools comparison and the cleanup
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

from kafka import KafkaAdminClient, KafkaProducer  # noqa: E402

from bench.tools import kafka_tools  # noqa: E402
from kafkatui.config import load_settings  # noqa: E402
from kafkatui.kafka.clients import no_auto_create  # noqa: E402
from kafkatui.kafka.source import KafkaSource  # noqa: E402
from kafkatui.model import SourceError  # noqa: E402


def log(message: str) -> None:
    print(message, flush=True)


def env_value(key: str) -> str | None:
    if os.environ.get(key):
        return os.environ[key]
    env = STATE / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith(f"{key}="):
                return line.split("=", 1)[1].strip().strip("'\"") or None
    return None


def stats(values: Iterable[float]) -> dict[str, float | int] | None:
    vals = [float(v) for v in values]
    if not vals:
        return None
    return {
        "median": round(statistics.median(vals), 1),
        "min": round(min(vals), 1),
        "max": round(max(vals), 1),
        "n": len(vals),
    }


def fmt(s: dict[str, Any] | None, unit: str = "") -> str:
    if not s:
        return "-"
    return f"{s['median']:g}{unit} [{s['min']:g}-{s['max']:g}]"


# --------------------------------------------------------------------------- the cluster's health


class Health:
    """Broker RSS from the local cluster's pid files, and OutOfMemoryError in the broker logs
    written since this benchmark started (read only; the cluster belongs to everyone)."""

    def __init__(self) -> None:
        self.logs = sorted((STATE / "logs").glob("broker-*.out")) + sorted((STATE / "logs").glob("broker-*/server.log"))
        self.offsets = {p: p.stat().st_size for p in self.logs if p.exists()}

    def oom(self) -> list[str]:
        hits = []
        for path in self.logs:
            if not path.exists():
                continue
            start = self.offsets.get(path, 0)
            if path.stat().st_size < start:  # rotated
                start = 0
            with path.open("rb") as fh:
                fh.seek(start)
                for line in fh:
                    if b"OutOfMemoryError" in line:
                        hits.append(f"{path.relative_to(STATE)}: {line.decode(errors='replace').strip()[:200]}")
        return hits

    @staticmethod
    def brokers() -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for pid_file in sorted((STATE / "pids").glob("broker-*.pid")):
            name = pid_file.stem
            try:
                pid = int(pid_file.read_text().split()[0])
                status = Path(f"/proc/{pid}/status").read_text()
                rss_kb = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:"))
                out[name] = {"pid": pid, "alive": True, "rss_mb": round(rss_kb / 1024, 1)}
            except (OSError, ValueError, IndexError, StopIteration):
                out[name] = {"alive": False}
        return out


# --------------------------------------------------------------------------- bench topics


class Topics:
    """Creates `bench-scale-*` topics in small CreateTopics requests, writes a few records to each,
    and deletes them all at the end, waiting until ZooKeeper has no trace of them."""

    def __init__(self, bootstrap: str, zookeeper: str | None) -> None:
        self.bootstrap = bootstrap
        self.zookeeper = zookeeper
        self.admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, client_id=CLIENT_ID, request_timeout_ms=90000, bootstrap_timeout_ms=15000
        )
        self.created: list[str] = []  # everything asked for, so the cleanup covers half-done requests
        self.partitions: dict[str, int] = {}

    def brokers(self) -> int:
        return len(self.admin.describe_cluster().get("brokers", []))

    def leftovers(self) -> list[str]:
        return sorted(n for n in self.admin.list_topics() if n.startswith(PREFIX))

    def create(self, names: list[str], partitions: int, per_request: int) -> None:
        for start in range(0, len(names), per_request):
            self.create_chunk(self.admin, names[start : start + per_request], partitions)

    def create_chunk(self, admin: KafkaAdminClient, chunk: list[str], partitions: int) -> None:
        """One CreateTopics request for `chunk` (retried up to 4 times); bench_scale_ui calls it from
        several threads, each with its own admin client."""
        known = set(self.created)
        self.created.extend(n for n in chunk if n not in known)
        pending = list(chunk)
        for attempt in range(4):
            try:
                result = admin.create_topics(
                    {n: {"num_partitions": partitions, "replication_factor": 1} for n in pending},
                    timeout_ms=60000,
                    raise_errors=False,
                )
                # 0 = created, 36 = TOPIC_ALREADY_EXISTS (an earlier attempt got through)
                pending = [t["name"] for t in result["topics"] if t["error_code"] not in (0, 36)]
            except Exception as exc:
                log(f"  create {chunk[0]}..: {type(exc).__name__}: {exc} (attempt {attempt + 1})")
            if not pending:
                break
            time.sleep(2)
        if pending:
            raise RuntimeError(f"could not create {pending} after 4 attempts")
        for n in chunk:
            self.partitions[n] = partitions

    def wait_ready(self, names: list[str], timeout_s: float) -> None:
        """Every partition of `names` has a leader (wait_for_topics polls Metadata for just those)."""
        self.admin.wait_for_topics(names, timeout_ms=int(timeout_s * 1000))

    def produce(self, names: list[str]) -> float:
        """RECORDS_PER_TOPIC records to partition 0 of each topic: one produce batch per topic."""
        started = time.perf_counter()
        producer = no_auto_create(KafkaProducer(  # kafka-python ignores allow_auto_create_topics alone
            bootstrap_servers=self.bootstrap,
            client_id=CLIENT_ID,
            acks=1,
            linger_ms=20,
            max_block_ms=30000,
            allow_auto_create_topics=False,
        ))
        try:
            for name in names:
                for i in range(RECORDS_PER_TOPIC):
                    producer.send(name, key=f"k{i}".encode(), value=b'{"bench": "scale"}', partition=0)
            producer.flush(timeout=60)
        finally:
            producer.close(timeout=10)
        return time.perf_counter() - started

    def delete_all(self, timeout_s: float = 180.0, per_request: int = 10,
                   request_timeout_ms: int = 60000) -> dict[str, Any]:
        """Delete every topic this run asked for (plus any bench-scale-* leftover) and wait until the
        brokers' metadata and ZooKeeper (/brokers/topics, /admin/delete_topics) no longer have them.
        bench_scale_ui deletes thousands: 500 per request, without waiting on each."""
        started = time.monotonic()
        names = sorted(set(self.created) | set(self.safe_leftovers()))
        if not names:
            return {"deleted": 0, "seconds": 0.0, "complete": True}
        log(f"deleting {len(names)} bench topics ...")
        for start in range(0, len(names), per_request):
            with contextlib.suppress(Exception):
                self.admin.delete_topics(names[start : start + per_request], timeout_ms=request_timeout_ms,
                                         raise_errors=False)
        zk = self._zk()
        complete = False
        retried = False
        try:
            while time.monotonic() - started < timeout_s:
                left = set(self.safe_leftovers(default=names)) & set(names)
                if zk is not None:
                    with contextlib.suppress(Exception):
                        left |= set(zk.get_children("/brokers/topics")) & set(names)
                        left |= set(zk.get_children("/admin/delete_topics")) & set(names)
                if not left:
                    complete = True
                    break
                if not retried and time.monotonic() - started > 30:  # a request lost to a broker fault
                    retried = True
                    for start in range(0, len(left), per_request):
                        with contextlib.suppress(Exception):
                            self.admin.delete_topics(sorted(left)[start : start + per_request],
                                                     timeout_ms=request_timeout_ms, raise_errors=False)
                time.sleep(0.5)
        finally:
            if zk is not None:
                with contextlib.suppress(Exception):
                    zk.stop()
                    zk.close()
        seconds = round(time.monotonic() - started, 1)
        log(f"deleted {len(names)} bench topics in {seconds} s" + ("" if complete else " (NOT confirmed complete)"))
        return {"deleted": len(names), "seconds": seconds, "complete": complete, "zookeeper_checked": zk is not None}

    def safe_leftovers(self, default: list[str] | None = None) -> list[str]:
        try:
            return self.leftovers()
        except Exception:
            return list(default or [])

    def _zk(self) -> Any:
        if not self.zookeeper:
            return None
        try:
            from kazoo.client import KazooClient

            zk = KazooClient(hosts=self.zookeeper, timeout=5.0, read_only=True)
            zk.start(timeout=5.0)
            return zk
        except Exception:
            return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.admin.close()


# --------------------------------------------------------------------------- kafkatui samples


def expected_requests(cluster: Any, groups: Any) -> dict[str, int]:
    """What the code's design says one refresh + groups sends (batched OffsetFetch, Kafka >= 3.0):
    refresh = Metadata + (earliest + latest ListOffsets) per leader + DescribeLogDirs per broker
    (+ DescribeQuorum on KRaft) + ListPartitionReassignments (+ the config round, once a minute:
    DescribeConfigs for all topics + 1 per broker); groups = Metadata + ListGroups per broker + (DescribeGroups +
    OffsetFetch) per coordinator + (Metadata + ListOffsets per leader of the groups' partitions),
    plus, when the groups call ran a lag-in-time round (at most every 10 s, kafka_lag_time), that
    round's requests as the source counted them: 1 Metadata + 1 Fetch per leader of the lagging
    partitions whose committed offset has no timestamp yet (more only for offsets below the log start,
    or two groups at two offsets of one partition)."""
    live = {b.id for b in cluster.brokers}
    leader_of = {(t.name, p.partition): p.leader for t in cluster.topics for p in t.partitions}
    leaders = {lead for lead in leader_of.values() if lead in live}
    coordinators = {g.coordinator for g in groups.groups}
    wanted = {(p.topic, p.partition) for g in groups.groups for p in g.partitions}
    group_leaders = {leader_of.get(k) for k in wanted} & live
    refresh = 1 + 2 * len(leaders) + len(live) + (1 if cluster.kraft else 0)
    # sent when the refresh's timing names them: ListPartitionReassignments (Kafka 2.4+) every time,
    # and the config round (1 DescribeConfigs for all topics + 1 per broker) once a minute
    refresh += sum(1 for kind in ("reassignments", "topic_configs") if kind in cluster.timing)
    refresh += len(live) if "broker_configs" in cluster.timing else 0
    grp = 1 + len(live) + 2 * len(coordinators) + ((1 + len(group_leaders)) if wanted else 0)
    grp += getattr(groups, "lag_time_requests", 0)
    return {
        "brokers": len(live),
        "leaders": len(leaders),
        "coordinators": len(coordinators),
        "group_partition_leaders": len(group_leaders),
        "lag_time": getattr(groups, "lag_time_requests", 0),
        "refresh": refresh,
        "groups": grp,
        "total": refresh + grp,
    }


def sample(source: KafkaSource) -> dict[str, Any]:
    """One full data refresh: refresh() then groups(), wall and process CPU time."""
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    try:
        cluster = source.refresh()
        t1 = time.perf_counter()
        groups = source.groups()
        t2 = time.perf_counter()
    except SourceError as exc:
        return {"failed": str(exc)}
    cpu = time.process_time() - cpu0
    timing = {k: v * 1000 for k, v in cluster.timing.items()}
    return {
        "total_ms": (t2 - t0) * 1000,
        "refresh_ms": (t1 - t0) * 1000,
        "groups_ms": (t2 - t1) * 1000,
        "cpu_ms": cpu * 1000,
        "connect_ms": timing.get("connect"),
        "metadata_ms": timing.get("metadata"),
        "offsets_ms": timing.get("offsets"),
        "metadata_offsets_ms": timing.get("metadata", 0.0) + timing.get("offsets", 0.0),
        "log_dirs_ms": timing.get("log_dirs"),
        "build_ms": timing.get("build"),
        "refresh_requests": cluster.requests,
        "groups_requests": groups.requests,
        "requests": cluster.requests + groups.requests,
        "expected": expected_requests(cluster, groups),
        "partitions": cluster.partitions,
        "topics": len(cluster.topics),
        "brokers": len(cluster.brokers),
        "groups": len(groups.groups),
        "errors": list(cluster.errors) + list(groups.errors),
    }


def clean(s: dict[str, Any], brokers: int) -> bool:
    """A sample counts unless it failed or a broker was away: fewer brokers in the metadata, or
    a whole broker's answer missing ("... from broker N: NodeNotReadyError"; a killed broker stays
    in ZooKeeper-mode metadata until its session expires), or a broker leading nothing (the demo
    `logs` topic and the bench topics are RF 1 and spread over every broker, so a live broker
    always leads some partition; one that leads none has just died or restarted). Partition-level
    errors (a partition moving leader, another test's topic being deleted) are counted, not set
    aside: the cluster is shared, and they change neither the requests sent nor the work done."""
    if "failed" in s or s["brokers"] != brokers or s["expected"]["leaders"] < brokers:
        return False
    return not any(" from broker " in e for e in s["errors"])


def measure(
    settings: Any, runs: int, brokers: int, patience_s: float = 60.0
) -> tuple[dict[str, Any], list[dict[str, Any]], KafkaSource]:
    """A cold sample on a new source, then `runs` clean warm samples on the same source. A sample
    taken while a broker was away is kept apart (not averaged in) and the next one waits a
    second; a cold sample that was not clean is taken again on another new source. Gives up
    waiting after `patience_s` and keeps what it has."""
    deadline = time.monotonic() + patience_s
    source = KafkaSource(settings)
    cold = sample(source)
    cold_retries = 0
    while not clean(cold, brokers) and time.monotonic() < deadline:
        source.close()
        time.sleep(2)
        cold_retries += 1
        source = KafkaSource(settings)
        cold = sample(source)
    cold["retries"] = cold_retries
    cold["clean"] = clean(cold, brokers)
    warm: list[dict[str, Any]] = []
    while sum(1 for w in warm if w["clean"]) < runs:
        s = sample(source)
        s["clean"] = clean(s, brokers)
        warm.append(s)
        if not s["clean"]:
            if time.monotonic() > deadline and len(warm) >= runs:
                break
            time.sleep(1)
    return cold, warm, source


def summarize(cold: dict[str, Any], warm: list[dict[str, Any]]) -> dict[str, Any]:
    good = [w for w in warm if w.get("clean")]
    use = good or [w for w in warm if "failed" not in w]
    keys = (
        "total_ms",
        "refresh_ms",
        "groups_ms",
        "cpu_ms",
        "metadata_ms",
        "offsets_ms",
        "metadata_offsets_ms",
        "log_dirs_ms",
        "build_ms",
    )
    last = use[-1] if use else {}
    return {
        "partitions": last.get("partitions"),
        "topics": last.get("topics"),
        "brokers": last.get("brokers"),
        "groups": last.get("groups"),
        "warm": {k: stats(w[k] for w in use if w.get(k) is not None) for k in keys},
        "warm_runs": len(use),
        "warm_discarded": [
            w.get("failed") or next((e for e in w["errors"] if " from broker " in e), f"brokers={w.get('brokers')}")
            for w in warm
            if not w.get("clean")
        ],
        "warm_with_partial_errors": sum(1 for w in use if w.get("errors")),
        "partial_errors_seen": sorted({e for w in use for e in w.get("errors", ())})[:10],
        "cold": {
            **{
                k: round(cold[k], 1)
                for k in ("total_ms", "refresh_ms", "groups_ms", "connect_ms")
                if cold.get(k) is not None
            },
            "clean": cold.get("clean"),
            "retries": cold.get("retries", 0),
            **({"failed": cold["failed"]} if "failed" in cold else {}),
        },
        "samples": [
            {
                "clean": w.get("clean"),
                **(
                    {"failed": w["failed"]}
                    if "failed" in w
                    else {
                        "total_ms": round(w["total_ms"], 1),
                        "cpu_ms": round(w["cpu_ms"], 1),
                        "requests": w["requests"],
                        "expected": w["expected"]["total"],
                        "leaders": w["expected"]["leaders"],
                        "brokers": w["brokers"],
                        "errors": len(w["errors"]),
                    }
                ),
            }
            for w in warm
        ],
        "requests": {
            "refresh": sorted({w["refresh_requests"] for w in use}),
            "groups": sorted({w["groups_requests"] for w in use}),
            "total": sorted({w["requests"] for w in use}),
            "expected": last.get("expected"),
            "all_as_expected": all(w["requests"] == w["expected"]["total"] for w in use),
            "cold_total": cold.get("requests"),
        },
    }


# --------------------------------------------------------------------------- standard tools


def run_tool(cmd: list[str], timeout_s: float = 120.0) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "ms": (time.perf_counter() - started) * 1000, "error": f"timed out after {timeout_s} s"}
    ms = (time.perf_counter() - started) * 1000
    ok = proc.returncode == 0
    out: dict[str, Any] = {"ok": ok, "ms": ms, "lines": proc.stdout.count(b"\n")}
    if not ok:
        lines = (proc.stderr + proc.stdout).decode(errors="replace").strip().splitlines()
        why = next((ln for ln in lines if "Error" in ln or "Exception" in ln), lines[-1] if lines else "")
        out["error"] = f"exit {proc.returncode}: {why.strip()[:300]}"
    return out


def tools_available() -> tuple[dict[str, list[str]], dict[str, str]]:
    """Commands to compare with (name -> argv) and what could not be set up (name -> why)."""
    bootstrap = env_value("KAFKATUI_BOOTSTRAP") or ""
    cmds: dict[str, list[str]] = {}
    missing: dict[str, str] = {}
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat:
        cmds["kcat -L"] = [kcat, "-L", "-b", bootstrap]
    else:
        missing["kcat -L"] = "kcat not installed (Debian: apt-get install kcat)"
    try:
        libs = kafka_tools.fetch()
        kafka_tools.check(libs)
        bs = ["--bootstrap-server", bootstrap]
        cmds["kafka-topics --describe"] = kafka_tools.command("kafka-topics.sh", [*bs, "--describe"], libs)
        cmds["kafka-consumer-groups --describe --all-groups"] = kafka_tools.command(
            "kafka-consumer-groups.sh", [*bs, "--describe", "--all-groups"], libs
        )
        cmds["kafka-get-offsets --time -1"] = kafka_tools.command("kafka-get-offsets.sh", [*bs, "--time", "-1"], libs)
        cmds["jvm start (java -version)"] = kafka_tools.jvm_baseline_command()
        for script in kafka_tools.TOOLS:
            cmds[f"{script.removesuffix('.sh')} --version"] = kafka_tools.command(script, ["--version"], libs)
    except (kafka_tools.ToolsError, OSError) as exc:
        missing["kafka tools"] = str(exc)
    return cmds, missing


# kafkatui figure -> the tool(s) it is compared with, like for like
COMPARISONS = (
    ("metadata_ms", "kcat -L", "kafka-topics"),
    ("metadata_ms", "kafka-topics --describe", "kafka-topics"),
    ("groups_ms", "kafka-consumer-groups --describe --all-groups", "kafka-consumer-groups"),
    ("metadata_offsets_ms", "kafka-get-offsets --time -1", "kafka-get-offsets"),
)


def compare_tools(source: KafkaSource, settings: Any, brokers: int, rounds: int) -> dict[str, Any]:
    """Rounds of: one warm and one cold kafkatui sample, then each tool once (interleaved, so the
    cluster's noise hits both sides alike). Ratios are kafkatui / tool: below 1 means kafkatui is faster."""
    cmds, missing = tools_available()
    raw: dict[str, list[dict[str, Any]]] = {name: [] for name in cmds}
    warm: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    for r in range(rounds):
        log(f"  tools round {r + 1}/{rounds}")
        s = sample(source)
        if clean(s, brokers):
            warm.append(s)
        fresh = KafkaSource(settings)
        try:
            s = sample(fresh)
        finally:
            fresh.close()
        if clean(s, brokers):
            cold.append(s)
        for name, cmd in cmds.items():
            raw[name].append(run_tool(cmd))
    tools: dict[str, Any] = {}
    for name, runs in raw.items():
        ok = [x["ms"] for x in runs if x["ok"]]
        tools[name] = {
            "ms": stats(ok),
            "output_lines": max((x.get("lines", 0) for x in runs if x["ok"]), default=None),
            "failed_runs": [x["error"] for x in runs if not x["ok"]],
        }
    jvm = (tools.get("jvm start (java -version)") or {}).get("ms")
    kt_warm = {k: stats(s[k] for s in warm) for k in ("total_ms", "metadata_ms", "groups_ms", "metadata_offsets_ms")}
    kt_cold = {k: stats(s[k] for s in cold) for k in ("total_ms", "refresh_ms", "groups_ms")}
    ratios = []
    for figure, tool, short in COMPARISONS:
        t = (tools.get(tool) or {}).get("ms")
        k = kt_warm.get(figure)
        if not t or not k:
            ratios.append(
                {
                    "kafkatui": figure,
                    "tool": tool,
                    "ratio": None,
                    "why": missing.get(tool) or missing.get("kafka tools") or "no successful run",
                }
            )
            continue
        entry: dict[str, Any] = {
            "kafkatui": f"warm {figure}",
            "kafkatui_ms": k["median"],
            "tool": tool,
            "tool_ms": t["median"],
            "ratio": round(k["median"] / t["median"], 4),
        }
        if not tool.startswith("kcat"):
            noop = (tools.get(f"{short} --version") or {}).get("ms")
            if jvm:
                net = t["median"] - jvm["median"]
                entry["tool_minus_jvm_start_ms"] = round(net, 1)
                entry["ratio_vs_tool_minus_jvm_start"] = round(k["median"] / net, 4) if net > 0 else None
            if noop:
                net = t["median"] - noop["median"]
                entry["tool_minus_own_version_run_ms"] = round(net, 1)
                entry["ratio_vs_tool_minus_own_version_run"] = round(k["median"] / net, 4) if net > 0 else None
        ratios.append(entry)
    # everything a refresh shows, from a cold start, against the three Java tools that show it
    java3 = [
        tools.get(n, {}).get("ms")
        for n in (
            "kafka-topics --describe",
            "kafka-consumer-groups --describe --all-groups",
            "kafka-get-offsets --time -1",
        )
    ]
    if all(java3) and kt_cold.get("total_ms"):
        total = sum(t["median"] for t in java3 if t)
        ratios.append(
            {
                "kafkatui": "cold total_ms (new client: connect + refresh + groups)",
                "kafkatui_ms": kt_cold["total_ms"]["median"],
                "tool": "sum of the three Java tools",
                "tool_ms": round(total, 1),
                "ratio": round(kt_cold["total_ms"]["median"] / total, 4),
            }
        )
    return {
        "partitions": warm[-1]["partitions"] if warm else None,
        "kafkatui_warm": kt_warm,
        "kafkatui_cold": kt_cold,
        "tools": tools,
        "ratios": ratios,
        "unavailable": missing,
        "rounds": rounds,
    }


# --------------------------------------------------------------------------- model


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = i + b*x; returns (i, b, r^2)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    i = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (i + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return i, b, (1 - ss_res / ss_tot) if ss_tot else 1.0


def requests_check(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests per refresh + groups at each size, and whether they equal the formula in brokers,
    leaders and coordinators (see expected_requests) and stay the same as partitions grow."""
    per_size = {
        str(r["partitions"]): {"measured": r["requests"]["total"], "expected": (r["requests"]["expected"] or {})}
        for r in rows
        if r.get("partitions")
    }
    totals = {t for r in rows for t in r["requests"]["total"]}
    return {
        "per_size": per_size,
        "same_at_every_size": len(totals) == 1,
        "all_as_expected": all(r["requests"]["all_as_expected"] for r in rows),
        "formula": "refresh = 1 Metadata + 2 ListOffsets x leaders + 1 DescribeLogDirs x brokers (+1 DescribeQuorum "
        "on KRaft) + 1 ListPartitionReassignments (+ 1 + brokers DescribeConfigs once a minute); "
        "groups = 1 Metadata + 1 ListGroups x brokers + (DescribeGroups + OffsetFetch) x coordinators "
        "+ 1 Metadata + 1 ListOffsets x leaders of the groups' partitions",
    }


def projected_requests(brokers: int) -> dict[str, Any]:
    """Requests per refresh + groups on `brokers` brokers, every broker leading partitions and
    coordinating groups (a busy cluster, >= `brokers` groups spread over all coordinators)."""
    refresh = 1 + 2 * brokers + brokers + 1  # + ListPartitionReassignments; the minutely config round left out
    groups = 1 + brokers + 2 * brokers + 1 + brokers
    return {
        "brokers": brokers,
        "refresh": refresh,
        "groups": groups,
        "total": refresh + groups,
        "assumes": f"all {brokers} brokers lead partitions and coordinate groups; batched OffsetFetch",
    }


def model(points: list[dict[str, Any]], baseline: dict[str, Any] | None) -> dict[str, Any] | None:
    """time = a + b*partitions + c*requests. b: slope of the warm median over the measured sizes
    (requests are the same at every size, so they cannot be told apart from the intercept by the
    fit); c: per-request cost from the request timing of groups() on the demo-only cluster (its
    work hardly depends on partitions), treated as if requests ran one after another (they do not:
    each phase's requests are in flight together), so c*requests is an upper bound; a = the
    intercept minus c*requests, floored at 0. The lower projection drops c (concurrent requests
    cost nothing extra beyond the measured intercept)."""
    pts = [p for p in points if p.get("warm", {}).get("total_ms")]
    if len(pts) < 2:
        return None
    xs = [float(p["partitions"]) for p in pts]
    intercept, b, r2 = linear_fit(xs, [p["warm"]["total_ms"]["median"] for p in pts])
    cpu_i, cpu_b, cpu_r2 = linear_fit(xs, [p["warm"]["cpu_ms"]["median"] for p in pts if p["warm"].get("cpu_ms")])
    reqs = statistics.median(max(p["requests"]["total"]) for p in pts)
    src = baseline if baseline and baseline.get("warm", {}).get("groups_ms") else pts[0]
    c = src["warm"]["groups_ms"]["median"] / max(src["requests"]["groups"])
    a = max(0.0, intercept - c * reqs)
    proj_req = projected_requests(PROJECT_BROKERS)
    projections = []
    for n in PROJECT_PARTITIONS:
        upper = a + b * n + c * proj_req["total"]
        lower = intercept + b * n
        projections.append(
            {
                "partitions": n,
                "brokers": PROJECT_BROKERS,
                "requests": proj_req["total"],
                "ms": round(upper, 0),
                "ms_if_requests_fully_concurrent": round(lower, 0),
                "client_cpu_ms": round(cpu_i + cpu_b * n, 0),
            }
        )
    return {
        "formula": "time_ms = a + b*partitions + c*requests",
        "a_ms": round(a, 2),
        "b_us_per_partition": round(b * 1000, 2),
        "c_ms_per_request": round(c, 3),
        "fit_intercept_ms": round(intercept, 2),
        "fit_r2": round(r2, 4),
        "requests_at_measured_sizes": reqs,
        "client_cpu_fit": {
            "intercept_ms": round(cpu_i, 2),
            "us_per_partition": round(cpu_b * 1000, 2),
            "r2": round(cpu_r2, 4),
        },
        "points": [{"partitions": p["partitions"], "warm_median_ms": p["warm"]["total_ms"]["median"]} for p in pts],
        "projected_requests": proj_req,
        "projections": projections,
        "caveats": [
            "measured on 3 brokers on one 2-core machine shared with the client and with other tests; "
            "broker-side work per partition runs on 3 JVMs here, on 30 machines there",
            "b includes broker time; the client's own CPU share is client_cpu_fit (kafka-python decoding "
            "plus snapshot building, single Python process): that part does not shrink with more brokers",
            "c is an upper bound: requests of one phase are in flight together, so 30 brokers add "
            "mostly encode/decode work, not round trips; the real figure lies between the two projections",
            "loopback network: a real network adds ~7 round trips (2 refresh + 5 groups) per refresh, "
            "independent of size",
            "a 50,000-partition Metadata response is several MB; its cost is in b only if it stays linear "
            "(no GC or memory effects were measured beyond the largest size reached)",
            "the UI's own rendering (filtering, table rows) is not included",
        ],
    }


# --------------------------------------------------------------------------- the run


def machine() -> dict[str, Any]:
    java_version = None
    with contextlib.suppress(Exception):
        proc = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30, check=False)
        java_version = (proc.stderr.splitlines() or [""])[0]
    kcat_version = None
    kcat = shutil.which("kcat")
    if kcat:
        with contextlib.suppress(Exception):
            proc = subprocess.run([kcat, "-V"], capture_output=True, text=True, timeout=10, check=False)
            kcat_version = (proc.stdout.splitlines() or [""])[0]
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "java": java_version,
        "kcat": kcat_version,
        "cluster_mode": env_value("KAFKATUI_CLUSTER_MODE"),
        "loadavg_start": list(os.getloadavg()),
    }


def step_plan(sizes: list[int], per_topic: int) -> list[tuple[int, int, int]]:
    """(step, new topics, partitions per topic) for each step; a step's new topics take the
    cluster from the previous step's bench partitions to this one's (50-100 partitions each)."""
    plan = []
    have = 0
    for size in sizes:
        need = size - have
        if need <= 0:
            continue
        per = per_topic if need >= 2 * per_topic else max(1, need // 2)
        plan.append((size, need // per, per))
        have += (need // per) * per
    return plan


def grow(topics: Topics, step: int, count: int, per: int, per_request: int) -> dict[str, Any]:
    names = [f"{PREFIX}{step}-{i:03d}" for i in range(count)]
    t0 = time.perf_counter()
    topics.create(names, per, per_request)
    t1 = time.perf_counter()
    topics.wait_ready(names, timeout_s=120)
    t2 = time.perf_counter()
    try:
        produce_s = topics.produce(names)
        produce_error = None
    except Exception as exc:  # records are nice to have; their absence does not change the request count
        produce_s, produce_error = None, f"{type(exc).__name__}: {exc}"
    return {
        "new_topics": count,
        "partitions_per_topic": per,
        "create_s": round(t1 - t0, 1),
        "leaders_s": round(t2 - t1, 1),
        "produce_s": round(produce_s, 1) if produce_s is not None else None,
        "produce_error": produce_error,
    }


def expected_brokers(topics: Topics) -> int:
    """The local cluster's broker count (its pid files), else what the metadata says now."""
    pids = list((STATE / "pids").glob("broker-*.pid"))
    return len(pids) if pids else topics.brokers()


def wait_cluster(topics: Topics, brokers: int, timeout_s: float = 90.0) -> bool:
    """All brokers back in the metadata and all bench partitions led (another test may have a broker down)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if topics.brokers() >= brokers:
                mine = [n for n in topics.created if n in topics.partitions]
                if mine:
                    topics.wait_ready(mine, timeout_s=max(1.0, deadline - time.monotonic()))
                return True
        time.sleep(1)
    return False


def print_table(result: dict[str, Any]) -> None:
    log("")
    log("kafkatui full data refresh (KafkaSource.refresh + groups), ms: median [min-max]")
    header = (
        f"{'bench':>6} {'partitions':>10} {'cold':>8} {'warm total':>22} {'refresh':>8} {'groups':>7} "
        f"{'metadata':>8} {'offsets':>8} {'cpu':>7} {'requests':>10} {'target':>13}"
    )
    log(header)
    log("-" * len(header))
    for row in [r for r in (result.get("baseline"), *result["sizes"]) if r]:
        w = row["warm"]
        target = row.get("target")
        tgt = f"<{target['ms']:g} {'pass' if target['pass'] else 'MISS'}" if target else ""
        req = row["requests"]
        reqs = "/".join(str(x) for x in req["total"]) + f" ({req['expected']['total'] if req['expected'] else '?'})"
        log(
            f"{row['step'] or 'demo':>6} {row['partitions'] or 0:>10} {row['cold'].get('total_ms', 'fail'):>8} "
            f"{fmt(w['total_ms']):>22} {w['refresh_ms']['median'] if w['refresh_ms'] else '-':>8} "
            f"{w['groups_ms']['median'] if w['groups_ms'] else '-':>7} "
            f"{w['metadata_ms']['median'] if w['metadata_ms'] else '-':>8} "
            f"{w['offsets_ms']['median'] if w['offsets_ms'] else '-':>8} "
            f"{w['cpu_ms']['median'] if w['cpu_ms'] else '-':>7} {reqs:>10} {tgt:>13}"
        )
    log("requests = measured (expected from brokers, leaders and coordinators); cpu = client process CPU")
    rc = result.get("requests_check")
    if rc:
        log(
            f"requests the same at every size: {'yes' if rc['same_at_every_size'] else 'NO'}; "
            f"equal to the formula at every size: {'yes' if rc['all_as_expected'] else 'NO'}"
        )
    m = result.get("model")
    if m:
        log("")
        log(
            f"model: time = {m['a_ms']} ms + {m['b_us_per_partition']} us x partitions + "
            f"{m['c_ms_per_request']} ms x requests  (fit r2 {m['fit_r2']}, client CPU "
            f"{m['client_cpu_fit']['us_per_partition']} us/partition)"
        )
        for p in m["projections"]:
            log(
                f"  projected {p['partitions']:>6} partitions, {p['brokers']} brokers, {p['requests']} requests: "
                f"{p['ms']:g} ms (requests fully concurrent: {p['ms_if_requests_fully_concurrent']:g} ms; "
                f"client CPU {p['client_cpu_ms']:g} ms)"
            )
    cmp = result.get("tools")
    if cmp:
        log("")
        log(
            f"same information from the standard tools at {cmp.get('partitions')} partitions "
            f"(median of {cmp['rounds']}, subprocess wall time; ratio = kafkatui / tool)"
        )
        for name, t in cmp["tools"].items():
            extra = f"  failed: {len(t['failed_runs'])}" if t["failed_runs"] else ""
            log(f"  {name:48} {fmt(t['ms'], ' ms'):>28}{extra}")
        for r in cmp["ratios"]:
            if r.get("ratio") is None:
                log(f"  {r['kafkatui']} vs {r['tool']}: n/a ({r.get('why')})")
                continue
            line = f"  {r['kafkatui']} {r['kafkatui_ms']:g} ms / {r['tool']} {r['tool_ms']:g} ms = {r['ratio']:.3f}"
            if r.get("ratio_vs_tool_minus_jvm_start") is not None:
                line += (
                    f"; vs tool minus JVM start ({r['tool_minus_jvm_start_ms']:g} ms) = "
                    f"{r['ratio_vs_tool_minus_jvm_start']:.3f}"
                )
            if r.get("ratio_vs_tool_minus_own_version_run") is not None:
                line += (
                    f"; vs tool minus its --version run ({r['tool_minus_own_version_run_ms']:g} ms) = "
                    f"{r['ratio_vs_tool_minus_own_version_run']:.3f}"
                )
            log(line)
        for name, why in cmp.get("unavailable", {}).items():
            log(f"  {name}: not run ({why})")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--sizes", default="100,1000,2000,5000", help="bench partitions per step, ascending")
    parser.add_argument("--per-topic", type=int, default=100, help="partitions per topic (50-100 is realistic)")
    parser.add_argument("--per-request", type=int, default=3, help="topics per CreateTopics request")
    parser.add_argument("--runs", type=int, default=7, help="warm refreshes per size (>= 5)")
    parser.add_argument("--tool-runs", type=int, default=5, help="rounds of the tools comparison (>= 3)")
    parser.add_argument("--budget-s", type=float, default=450.0, help="stop growing when the run would exceed this")
    parser.add_argument("--no-tools", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the JSON (default {OUT})")
    args = parser.parse_args()
    began = time.monotonic()
    bootstrap = args.bootstrap or env_value("KAFKATUI_BOOTSTRAP")
    if not bootstrap:
        sys.exit("bench_scale: no cluster; run `make cluster` or set KAFKATUI_BOOTSTRAP")
    os.environ["KAFKATUI_BOOTSTRAP"] = bootstrap
    settings = load_settings({"bootstrap": bootstrap}, env={})
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    def on_term(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    result: dict[str, Any] = {
        "machine": machine(),
        "bootstrap": bootstrap,
        "sizes_requested": sizes,
        "targets_ms": {str(k): v for k, v in TARGETS_MS.items()},
        "sizes": [],
        "notes": [],
    }
    health = Health()
    topics = Topics(bootstrap, env_value("KAFKATUI_ZOOKEEPER"))
    source: KafkaSource | None = None
    status = 0
    try:
        left = topics.safe_leftovers()
        if left:
            log(f"deleting {len(left)} bench-scale topics left by an earlier run")
            topics.created.extend(left)
            result["leftovers"] = topics.delete_all()
            topics.created.clear()
        brokers = expected_brokers(topics)
        if not wait_cluster(topics, brokers):
            result["notes"].append(f"at start, fewer than {brokers} brokers were in the metadata for 90 s")
        result["brokers"] = brokers
        log(f"{brokers} brokers at {bootstrap}; sizes {sizes} (+ the demo topics); budget {args.budget_s:g} s")

        log("baseline: demo topics only")
        cold, warm, source = measure(settings, args.runs, brokers)
        baseline = {"step": 0, **summarize(cold, warm), "health": health.brokers()}
        source.close()
        source = None
        result["baseline"] = baseline
        log(
            f"  {baseline['partitions']} partitions: warm {fmt(baseline['warm']['total_ms'], ' ms')}, "
            f"requests {baseline['requests']['total']}"
        )

        sec_per_partition = SECONDS_PER_PARTITION_GUESS
        for step, count, per in step_plan(sizes, args.per_topic):
            new = count * per
            need = new * sec_per_partition + 20
            elapsed = time.monotonic() - began
            if elapsed + need + RESERVE_S > args.budget_s:
                note = (
                    f"stopped before {step}: {elapsed:.0f} s used, creating {new} more partitions would take "
                    f"~{need:.0f} s at {sec_per_partition * 1000:.1f} ms/partition, over the {args.budget_s:g} s budget"
                )
                log(note)
                result["notes"].append(note)
                break
            log(f"step {step}: creating {count} topics x {per} partitions ({args.per_request} per request) ...")
            try:
                growth = grow(topics, step, count, per, args.per_request)
            except Exception as exc:
                note = f"stopped at {step}: could not create the topics ({type(exc).__name__}: {exc})"
                log(note)
                result["notes"].append(note)
                break
            sec_per_partition = max(0.001, (growth["create_s"] + growth["leaders_s"]) / new)
            log(
                f"  created in {growth['create_s']} s, leaders in {growth['leaders_s']} s, "
                f"records in {growth['produce_s']} s"
            )
            ooms = health.oom()
            if ooms:
                note = f"stopped at {step}: OutOfMemoryError in the broker logs: {ooms[:3]}"
                log(note)
                result["notes"].append(note)
                break
            if not wait_cluster(topics, brokers):
                result["notes"].append(f"step {step}: a broker or bench partition was still away after 90 s")
            cold, warm, source = measure(settings, args.runs, brokers)
            row = {"step": step, **summarize(cold, warm), "growth": growth, "health": health.brokers()}
            target = TARGETS_MS.get(step)
            if target and row["warm"]["total_ms"]:
                cold_ms = row["cold"].get("total_ms")
                row["target"] = {
                    "ms": target,
                    "of": "warm median",
                    "pass": row["warm"]["total_ms"]["median"] < target,
                    "cold_pass": cold_ms < target if cold_ms is not None else None,
                }
            result["sizes"].append(row)
            log(
                f"  {row['partitions']} partitions: cold {row['cold'].get('total_ms')} ms, warm "
                f"{fmt(row['warm']['total_ms'], ' ms')}, requests {row['requests']['total']} "
                f"(expected {row['requests']['expected']['total'] if row['requests']['expected'] else '?'})"
                + (f", {len(row['warm_discarded'])} noisy samples set aside" if row["warm_discarded"] else "")
            )
            if step != sizes[-1]:
                source.close()
                source = None

        reached = result["sizes"][-1] if result["sizes"] else None
        result["largest_reached"] = {"step": reached["step"], "partitions": reached["partitions"]} if reached else None
        result["requests_check"] = requests_check([baseline, *result["sizes"]])
        result["model"] = model([baseline, *result["sizes"]], baseline)

        if reached and not args.no_tools:
            if source is None:
                source = KafkaSource(settings)
                source.refresh()
                source.groups()
            log(f"standard tools at {reached['partitions']} partitions ...")
            wait_cluster(topics, brokers)
            cmp = compare_tools(source, settings, brokers, args.tool_runs)
            result["tools"] = cmp
        result["health_end"] = health.brokers()
        result["oom"] = health.oom()
    except KeyboardInterrupt:
        result["notes"].append("interrupted")
        log("interrupted")
        status = 130
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        log(f"bench_scale: {result['error']}")
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the topics go, whatever happens
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if source is not None:
            with contextlib.suppress(Exception):
                source.close()
        log("cleaning up (Ctrl-C is ignored until the bench topics are deleted)")
        result["cleanup"] = topics.delete_all()
        topics.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        result["machine"]["loadavg_end"] = list(os.getloadavg())
        result["wall_s"] = round(time.monotonic() - began, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        with contextlib.suppress(Exception):
            print_table(result)
        log(f"\nwrote {args.out} in {result['wall_s']} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
