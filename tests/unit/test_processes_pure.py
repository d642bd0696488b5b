"""Pure parts of the process source: properties parsing, cmdline facts, broker matching, du walk."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kafkatui.model import Broker, DiskUsage, JvmProcess
from kafkatui.processes.disk import disk_usage, walk_usage
from kafkatui.processes.jvm import (
    DEFAULT_KAFKA_LOG_DIR,
    config_arg,
    config_broker_id,
    heap_flags,
    jvm_kind,
    kafka_role,
    log_dir_paths,
    overrides,
)
from kafkatui.processes.match import match_broker_ids
from kafkatui.processes.properties import parse_properties

# --------------------------------------------------------------------------- server.properties


def test_properties_separators_and_comments() -> None:
    text = """
# a comment
! also a comment
   # indented comment
broker.id=1
listeners: PLAINTEXT://127.0.0.1:9092
log.dirs   =   /data/a,/data/b
zookeeper.connect 127.0.0.1:2181/kafka
empty=
novalue
"""
    assert parse_properties(text) == {
        "broker.id": "1",
        "listeners": "PLAINTEXT://127.0.0.1:9092",
        "log.dirs": "/data/a,/data/b",
        "zookeeper.connect": "127.0.0.1:2181/kafka",
        "empty": "",
        "novalue": "",
    }


def test_properties_line_continuations() -> None:
    text = "log.dirs=/data/a,\\\n         /data/b,\\\n   /data/c\nnext=1\n"
    assert parse_properties(text) == {"log.dirs": "/data/a,/data/b,/data/c", "next": "1"}


def test_escaped_backslash_at_end_is_not_a_continuation() -> None:
    text = "path=C:\\\\kafka\\\\\nnext=2\n"
    assert parse_properties(text) == {"path": "C:\\kafka\\", "next": "2"}


def test_comment_ending_in_backslash_does_not_continue() -> None:
    assert parse_properties("# comment \\\nkey=v\n") == {"key": "v"}


def test_escapes_in_keys_and_values() -> None:
    text = "my\\=key=va\\:lue\\u00e9\\t!\nspace\\ key : x\n"
    assert parse_properties(text) == {"my=key": "va:lueé\t!", "space key": "x"}


def test_later_keys_win_and_value_may_contain_separators() -> None:
    assert parse_properties("a=1\na=2\nurl=http://h:1/x=y\n") == {"a": "2", "url": "http://h:1/x=y"}


def test_windows_line_endings() -> None:
    assert parse_properties("a=1\r\nb=2\r\n") == {"a": "1", "b": "2"}


# --------------------------------------------------------------------------- cmdline facts

KAFKA_CMD = ["/usr/bin/java", "-Xmx1g", "-Xms256m", "-Xmx384m", "-Dlog4j.configuration=file:/x/log4j.properties",
             "-cp", "libs/*", "kafka.Kafka", "config/server.properties", "--override", "broker.id=7"]
ZK_CMD = ["java", "-Xmx128m", "-cp", "x", "org.apache.zookeeper.server.quorum.QuorumPeerMain", "/etc/zk/zoo.cfg"]


def test_jvm_kind() -> None:
    assert jvm_kind(KAFKA_CMD) == "kafka"
    assert jvm_kind(ZK_CMD) == "zookeeper"
    assert jvm_kind(["java", "-jar", "other.jar", "kafka.Kafkaesque"]) is None
    assert jvm_kind([]) is None


def test_config_arg_is_after_the_main_class() -> None:
    assert config_arg(KAFKA_CMD) == "config/server.properties"  # not the log4j.properties before it
    assert config_arg(ZK_CMD) == "/etc/zk/zoo.cfg"
    assert config_arg(["java", "kafka.Kafka"]) is None


def test_overrides() -> None:
    assert overrides(KAFKA_CMD) == {"broker.id": "7"}
    assert overrides(["java", "kafka.Kafka", "s.properties", "--override"]) == {}


def test_heap_flags_last_wins() -> None:
    assert heap_flags(KAFKA_CMD) == ("384m", "256m")
    assert heap_flags(["java"]) == (None, None)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [("", "broker"), ("broker", "broker"), ("controller", "controller"),
     ("broker,controller", "broker+controller"), ("controller, broker", "broker+controller")],
)
def test_kafka_role(roles: str, expected: str) -> None:
    assert kafka_role({"process.roles": roles} if roles else {}) == expected


def test_config_broker_id() -> None:
    assert config_broker_id({"broker.id": "3"}) == 3
    assert config_broker_id({"node.id": "101"}) == 101
    assert config_broker_id({"broker.id": "-1"}) is None  # auto-generated: unknown from config
    assert config_broker_id({"broker.id": "x"}) is None
    assert config_broker_id({}) is None


def test_log_dir_paths() -> None:
    assert log_dir_paths("kafka", {"log.dirs": "/a, /b,/a", "log.dir": "/c"}) == ("/a", "/b")
    assert log_dir_paths("kafka", {"log.dir": "/c"}) == ("/c",)
    assert log_dir_paths("kafka", {}) == (DEFAULT_KAFKA_LOG_DIR,)
    assert log_dir_paths("zookeeper", {"dataDir": "/zk", "dataLogDir": "/zklog"}) == ("/zk", "/zklog")
    assert log_dir_paths("zookeeper", {}) == ()


# --------------------------------------------------------------------------- broker matching


def jvm(pid: int, ports: tuple[int, ...], broker_id: int | None, role: str = "broker") -> JvmProcess:
    return JvmProcess(pid=pid, role=role, user="kafka", cpu_percent=None, rss_bytes=None, threads=None,
                      create_time=None, ports=ports, open_fds=None, xmx=None, xms=None, config_path=None,
                      broker_id=broker_id)


BROKERS = [Broker(1, "127.0.0.1", 19092), Broker(2, "127.0.0.1", 19093), Broker(3, "127.0.0.1", 19094)]


def ids(processes: tuple[JvmProcess, ...]) -> list[int | None]:
    return [p.broker_id for p in processes]


def test_match_by_listening_port_beats_config() -> None:
    procs = [jvm(10, (19093, 9999), broker_id=1), jvm(11, (19092,), broker_id=None)]
    assert ids(match_broker_ids(procs, BROKERS)) == [2, 1]


def test_no_metadata_keeps_config_ids() -> None:
    procs = [jvm(10, (19093,), broker_id=5), jvm(11, (), broker_id=None)]
    assert ids(match_broker_ids(procs, [])) == [5, None]


def test_unknown_ports_fall_back_to_config() -> None:
    assert ids(match_broker_ids([jvm(10, (), broker_id=3)], BROKERS)) == [3]


def test_claimed_id_is_not_reused_by_a_second_cluster() -> None:
    """Two local clusters both numbering brokers 1..3: only the port match may claim id 1."""
    procs = [jvm(10, (19092,), broker_id=1), jvm(20, (29092,), broker_id=1), jvm(21, (29093,), broker_id=7)]
    assert ids(match_broker_ids(procs, BROKERS)) == [1, None, 7]


def test_same_port_on_many_hosts_uses_local_host_then_config() -> None:
    brokers = [Broker(1, "kafka-1", 9092), Broker(2, "kafka-2", 9092), Broker(3, "kafka-3", 9092)]
    assert ids(match_broker_ids([jvm(10, (9092,), None)], brokers, {"kafka-2"})) == [2]
    assert ids(match_broker_ids([jvm(10, (9092,), 3)], brokers, {"elsewhere"})) == [3]
    assert ids(match_broker_ids([jvm(10, (9092,), None)], brokers, ())) == [None]


def test_zookeeper_is_never_a_broker() -> None:
    procs = [jvm(5, (19092,), None, role="zookeeper")]
    assert ids(match_broker_ids(procs, BROKERS)) == [None]


def test_matching_keeps_order_and_other_fields() -> None:
    procs = [jvm(12, (19094,), None), jvm(11, (19093,), None)]
    out = match_broker_ids(procs, BROKERS)
    assert [p.pid for p in out] == [12, 11]
    assert out[0].ports == (19094,) and out[0].user == "kafka"


# --------------------------------------------------------------------------- disk usage


def test_walk_usage_counts_nested_files(tmp_path: Path) -> None:
    (tmp_path / "p-0").mkdir()
    (tmp_path / "p-0" / "00000.log").write_bytes(b"x" * 10_000)
    (tmp_path / "meta.properties").write_text("broker.id=1\n")
    used, partial = walk_usage(str(tmp_path))
    assert used is not None and used >= 10_000 and partial is False


def test_walk_usage_is_bounded(tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"f{i}").write_bytes(b"y" * 5000)
    used, partial = walk_usage(str(tmp_path), max_entries=10)
    assert partial is True
    assert used is not None and used < 50 * 5000


def test_missing_dir_is_unknown(tmp_path: Path) -> None:
    usage = disk_usage(str(tmp_path / "nope"))
    assert usage.used_bytes is None and usage.free_bytes is None and usage.total_bytes is None


def test_disk_usage_has_filesystem_numbers(tmp_path: Path) -> None:
    usage = disk_usage(str(tmp_path))
    assert usage.total_bytes and usage.free_bytes is not None and usage.free_bytes <= usage.total_bytes


def walk_with_a_locked_subdir(parent: str | None) -> dict[str, Any]:
    """Walk a tree once readable, then with one subdirectory chmod 0 (runs in `in_child`)."""
    base = Path(tempfile.mkdtemp(prefix="kafkatui-walk-", dir=parent))
    try:
        locked = base / "locked"
        locked.mkdir()
        (locked / "inside").write_bytes(b"z" * 100_000)
        (base / "open").write_bytes(b"y" * 5000)
        inside = (locked / "inside").stat().st_blocks * 512
        readable = walk_usage(str(base))
        locked.chmod(0)
        try:
            return {"euid": os.geteuid(), "locked": not os.access(locked, os.R_OK), "inside": inside,
                    "readable": readable, "unreadable": walk_usage(str(base))}
        finally:
            locked.chmod(0o700)
    finally:
        shutil.rmtree(base)


def in_child(fn: Callable[[], Any], uid: int | None) -> Any:
    """`fn()` in a forked child, as user and group `uid` if given; its JSON answer, or its traceback
    as the failure. A fork, not a new interpreter: the child needs no access to the repository."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_fd)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            payload = json.dumps({"ok": fn()})
        except BaseException:
            payload, code = json.dumps({"error": traceback.format_exc()}), 1
        with os.fdopen(write_fd, "w") as out:
            out.write(payload)
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as answer_pipe:
        answer = json.loads(answer_pipe.read() or '{"error": "the child died without an answer"}')
    os.waitpid(pid, 0)
    assert "error" not in answer, answer["error"]
    return answer["ok"]


def test_unreadable_subdir_is_skipped() -> None:
    """A directory the walk may not read is left out and the walk goes on. Root reads everything,
    so as root (CI) the walk runs in a child process as `nobody`, where chmod 0 really locks."""
    as_root = os.geteuid() == 0
    nobody = pwd.getpwnam("nobody").pw_uid if as_root else None
    result = in_child(lambda: walk_with_a_locked_subdir("/tmp" if as_root else None), nobody)
    assert result["euid"] != 0 and result["locked"], f"the directory could still be read: nothing tested {result}"
    assert result["inside"] > 0, result
    assert result["unreadable"] == [result["readable"][0] - result["inside"], False], result


# --------------------------------------------------------------------------- listening ports cache

LISTENER = """
import socket, sys
socks = []
def listen():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); socks.append(s)
    print(s.getsockname()[1], flush=True)
listen()
for line in sys.stdin:
    listen()
"""


def test_listening_ports_are_cached_per_process(tmp_path: Path) -> None:
    """net_connections() walks every socket of a JVM: ports are read once per ports_ttl_s.
    The process here is a plain Python one whose command line names kafka.Kafka (no Kafka)."""
    import subprocess
    import sys
    import time

    from kafkatui.processes.source import ProcessSource

    config = tmp_path / "server.properties"
    config.write_text(f"broker.id=77\nlog.dirs={tmp_path / 'logs'}\n")
    proc = subprocess.Popen([sys.executable, "-c", LISTENER, "kafka.Kafka", str(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        first = int(proc.stdout.readline())

        def ports(source: ProcessSource) -> tuple[int, ...]:
            row = next(p for p in source.refresh().processes if p.pid == proc.pid)
            return row.ports

        # No clock in the test: a TTL that cannot pass, then one that has always passed.
        source = ProcessSource(ports_ttl_s=3600.0)
        assert ports(source) == (first,)
        proc.stdin.write("more\n")
        proc.stdin.flush()
        second = int(proc.stdout.readline())
        assert ports(source) == (first,)  # cached: the new listener is not seen yet
        source.ports_ttl_s = 0.0
        started = time.monotonic()
        while time.monotonic() - started < 10 and len(seen := ports(source)) < 2:
            time.sleep(0.1)
        assert seen == tuple(sorted((first, second)))  # asked again once the TTL passed
    finally:
        proc.kill()
        proc.wait(5)


def test_log_dirs_used_is_a_sum_and_free_is_the_fullest_disk() -> None:
    def jvm(*dirs: DiskUsage) -> JvmProcess:
        return JvmProcess(pid=1, role="broker", user=None, cpu_percent=None, rss_bytes=None, threads=None,
                          create_time=None, ports=(), open_fds=None, xmx=None, xms=None, config_path=None,
                          broker_id=1, log_dirs=dirs)

    two = jvm(DiskUsage("/a", 10, 100, 1000), DiskUsage("/b", 20, 50, 1000))
    assert two.log_dirs_used_free == (30, 50)
    unknown = jvm(DiskUsage("/a", None, None, None))
    assert unknown.log_dirs_used_free == (None, None)
    assert jvm().log_dirs_used_free == (None, None)


def test_a_costly_log_dir_walk_is_reused_for_longer_and_counted_apart(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    """A walk that used 20 ms of CPU is reused for 20 ms / WALK_SHARE (4 s), not only USAGE_TTL_S
    (here 0); its CPU is counted in `walk_cpu_s`, which the poll's pacing leaves out."""
    from kafkatui.processes import source as processes_source

    walks: list[str] = []

    def costly(path: str, max_entries: int) -> DiskUsage:
        walks.append(path)
        began = time.thread_time()
        while time.thread_time() - began < 0.02:
            pass
        return DiskUsage(path=path, used_bytes=1, partial=False, free_bytes=None, total_bytes=None)

    monkeypatch.setattr(processes_source, "disk_usage", costly)
    src = processes_source.ProcessSource(usage_ttl_s=0.0)
    assert src.walk_cpu_s() == 0.0
    first = src._usage_of(str(tmp_path))
    assert src._usage_of(str(tmp_path)) is first and walks == [str(tmp_path)], "walked again at once"
    assert src.walk_cpu_s() >= 0.02
    stamp, usage, cost = src._usage[str(tmp_path)]
    src._usage[str(tmp_path)] = (stamp - cost / processes_source.WALK_SHARE - 0.01, usage, cost)  # that long ago
    src._usage_of(str(tmp_path))
    assert len(walks) == 2
