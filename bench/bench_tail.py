"""Live tail: produce-to-screen latency at 100 msg/s, then a 20,000 msg/s flood.

Runs the real TailScreen in a headless Textual app (`App.run_test`) in this process, tailing
a topic it creates (bench-tail-<run>, 6 partitions, RF 1), fed by producer *processes*
(kafka-python, so they do not share this process's GIL). Writes bench/out/tail.json, prints
a table, deletes the topic.

What is measured:

* latency: for every record, (wall clock when the frame containing it had been composed) -
  (its CreateTime, stamped by the producer at send()). The screen's `render_hook` is called
  through `call_after_refresh` after the batch was put in the list, i.e. after Textual's next
  screen update; producer and app share one host clock. The reader's own share (CreateTime
  -> record decoded on the reader thread) is reported too.
* the producers run as separate processes, `nice`d (10 by default) so the load generator
  does not take the CPU from the app under test on a small machine. The flood's producer is
  Debian's kcat (librdkafka, `make bench-tools`) fed paced lines through a pipe: a kafka-python
  producer costs about a core per 7k msg/s, so two of them could not reach 20k msg/s on 2 cores
  next to the app. Without kcat (or with --flood-tool python) the kafka-python producers are used.
* flood: RSS of this process (the app, its reader thread and consumer) sampled every second;
  key latency = a Key("f") event posted to the app (as the driver thread does) until the
  follow/pause toggle ran *and* the next frame was composed, sampled every 2 s; records
  received/shown/skipped/evicted and how far the reader is behind the high watermark at the
  end. The produce rate actually reached is reported: a small machine may not reach 20k msg/s.

    python bench/bench_tail.py [--bootstrap HOST:PORT,...] [--latency-s 20] [--flood-s 30] [--rate 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "tail.json"
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout

import psutil  # noqa: E402
from kafka import KafkaAdminClient, KafkaProducer  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.binding import Binding, BindingType  # noqa: E402

from kafkatui.config import Settings, parse_bootstrap  # noqa: E402
from kafkatui.kafka.clients import no_auto_create  # noqa: E402
from kafkatui.tail.record import TailRecord  # noqa: E402
from kafkatui.tail.start import parse_start  # noqa: E402
from kafkatui.ui.tail.screen import TailScreen  # noqa: E402

TARGETS = {"p50_ms": 100.0, "p99_ms": 250.0, "rss_mb": 250.0, "key_ms": 150.0}
PARTITIONS = 6
PRODUCERS = 2


def default_bootstrap() -> str:
    if os.environ.get("KAFKATUI_BOOTSTRAP"):
        return os.environ["KAFKATUI_BOOTSTRAP"]
    env = REPO / ".localcluster" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith("KAFKATUI_BOOTSTRAP="):
                return line.split("=", 1)[1].strip().strip("'\"")
    sys.exit("bench_tail: no cluster; run `make cluster` or set KAFKATUI_BOOTSTRAP")


# --------------------------------------------------------------------------- producer process


def produce(bootstrap: str, topic: str, rate: float, seconds: float, tag: str) -> None:
    """Child process: send `rate` msg/s for `seconds` (paced every 5 ms); print what it did."""
    producer = no_auto_create(KafkaProducer(bootstrap_servers=bootstrap, client_id=f"kafkatui-bench-{tag}", acks=1,
                                            linger_ms=2 if rate > 1000 else 0, batch_size=256 * 1024,
                                            allow_auto_create_topics=False))  # see kafka_clients
    pad = "x" * 60
    sent, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        while sent < due:
            producer.send(topic, key=f"{tag}-{sent}".encode(),
                          value=f'{{"n":{sent},"src":"{tag}","pad":"{pad}"}}'.encode())
            sent += 1
        if rate <= 1000:
            producer.flush()  # low rate: every record goes out at once, as a real low-rate producer's would
        time.sleep(0.005)
    producer.flush(timeout=60)
    elapsed = time.monotonic() - started
    producer.close(timeout=10)
    print(json.dumps({"sent": sent, "seconds": elapsed}))


def produce_kcat(bootstrap: str, topic: str, rate: float, seconds: float, tag: str) -> None:
    """Child process: pace `rate` lines/s (every 5 ms) into `kcat -P`, which sends each line as a
    record (key TAB value); closing its stdin makes it flush and exit. Prints what it did."""
    kcat = subprocess.Popen(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t",
                             "-X", "linger.ms=5", "-X", "batch.num.messages=10000", "-X", "acks=1",
                             "-X", f"client.id=kafkatui-bench-{tag}"],
                            stdin=subprocess.PIPE, bufsize=1 << 20)
    assert kcat.stdin is not None
    pad = "x" * 60
    sent, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        if due > sent:
            kcat.stdin.write("".join(f'{tag}-{n}\t{{"n":{n},"src":"{tag}","pad":"{pad}"}}\n'
                                     for n in range(sent, due)).encode())
            sent = due
        time.sleep(0.005)
    kcat.stdin.close()
    rc = kcat.wait(timeout=120)
    elapsed = time.monotonic() - started
    if rc != 0:
        sys.exit(f"bench_tail: kcat exited with {rc}")
    print(json.dumps({"sent": sent, "seconds": elapsed}))


def start_producers(bootstrap: str, topic: str, rate: float, seconds: float, count: int,
                    nice: int, tool: str = "python") -> list[subprocess.Popen]:
    """`count` producer processes, `nice`d so the load generator yields the CPU to the app
    under test (on a real cluster the producers run on other machines)."""
    prefix = ["nice", "-n", str(nice)] if nice else []
    return [
        subprocess.Popen([*prefix, sys.executable, __file__, "--bootstrap", bootstrap, "--produce", topic,
                          "--rate", str(rate / count), "--seconds", str(seconds), "--tag", f"p{i}",
                          "--flood-tool", tool],
                         stdout=subprocess.PIPE, text=True)
        for i in range(count)
    ]


def finish_producers(procs: list[subprocess.Popen]) -> dict[str, float]:
    sent, seconds = 0, 0.0
    for proc in procs:
        out, _ = proc.communicate(timeout=180)
        data = json.loads(out.strip().splitlines()[-1])
        sent += data["sent"]
        seconds = max(seconds, data["seconds"])
    return {"sent": sent, "seconds": round(seconds, 2), "rate": round(sent / seconds, 1) if seconds else 0.0}


# --------------------------------------------------------------------------- the app


class BenchApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "noop", "")]

    def __init__(self, settings: Settings, screen: TailScreen) -> None:
        super().__init__()
        self.settings = settings
        self.tail = screen

    def on_mount(self) -> None:
        self.push_screen(self.tail)

    def action_noop(self) -> None:
        pass


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


async def wait_until(pilot: Any, check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_tail: timed out waiting for {what}")
        await pilot.pause(0.05)


async def key_latency(app: App, screen: TailScreen) -> float:
    """ms from a key event entering the app's queue (as the terminal driver's thread posts it)
    until its action ran and the next frame was composed. Not `pilot.press`: that also waits
    for the whole process to go idle, which never happens while a reader thread is busy."""
    following = screen.following
    started = time.perf_counter()
    app.post_message(events.Key("f", "f"))
    deadline = started + 10
    while screen.following == following and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
    await next_frame(app)
    return (time.perf_counter() - started) * 1000


async def next_frame(app: App) -> None:
    done = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: done.done() or done.set_result(None))
    await asyncio.wait_for(done, 5)


async def run(args: argparse.Namespace, bootstrap: str, topic: str) -> dict[str, Any]:
    settings = Settings(bootstrap=parse_bootstrap(bootstrap), connect_timeout_s=5.0)
    screen = TailScreen(topic, start=parse_start("end"), settings=settings)
    app = BenchApp(settings, screen)
    latencies: list[float] = []
    reader_share: list[float] = []
    phase = {"name": "latency"}

    def hook(records: list[TailRecord]) -> None:
        if phase["name"] != "latency":
            return
        now = time.time() * 1000
        for r in records:
            latencies.append(now - r.timestamp)
            reader_share.append(r.received_at * 1000 - r.timestamp)

    screen.render_hook = hook
    proc = psutil.Process()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: screen.status.state == "running" and screen.status.partitions, 30,
                         "the tail to start")
        # ---- phase 1: latency at a low rate
        print(f"latency: {args.latency_rate:g} msg/s for {args.latency_s:g} s ...", flush=True)
        procs = start_producers(bootstrap, topic, args.latency_rate, args.latency_s, 1, args.nice)
        while any(p.poll() is None for p in procs):
            await pilot.pause(0.2)
        low = finish_producers(procs)
        await pilot.pause(1.0)
        phase["name"] = "flood"
        latency = {"records": len(latencies), "p50_ms": pct(latencies, 50), "p90_ms": pct(latencies, 90),
                   "p99_ms": pct(latencies, 99), "max_ms": round(max(latencies, default=float("nan")), 1),
                   "reader_p50_ms": pct(reader_share, 50), "reader_p99_ms": pct(reader_share, 99),
                   "produced": low}

        # ---- phase 2: the flood
        count = 1 if args.flood_tool == "kcat" else args.producers
        print(f"flood: {args.rate:g} msg/s for {args.flood_s:g} s with {count} {args.flood_tool} producer "
              f"process(es) (nice {args.nice}) ...", flush=True)
        before = screen.reader.status() if screen.reader else None
        base_received = before.received if before else 0
        rss: list[tuple[float, float]] = []
        keys: list[float] = []
        stop = threading.Event()

        def sample_rss() -> None:
            started = time.monotonic()
            while not stop.is_set():
                rss.append((round(time.monotonic() - started, 1), proc.memory_info().rss / 2**20))
                stop.wait(1.0)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        procs = start_producers(bootstrap, topic, args.rate, args.flood_s, count, args.nice, args.flood_tool)
        next_key = time.monotonic() + 2
        while any(p.poll() is None for p in procs):
            await pilot.pause(0.1)
            if time.monotonic() >= next_key:
                keys.append(await key_latency(app, screen))
                next_key = time.monotonic() + 2
        flood = finish_producers(procs)
        if not screen.following:
            await key_latency(app, screen)
        await pilot.pause(2.0)  # let the reader catch up what it can
        stop.set()
        sampler.join(2)
        status = screen.reader.status() if screen.reader else None
        table = screen.query_one("#tail-table")
        rss_values = [v for _, v in rss]
        result_flood = {
            "target_rate": args.rate,
            "produced": flood,
            "received": (status.received - base_received) if status else None,
            "received_total": status.received if status else None,
            "shown_total": screen.shown,
            "skipped": status.skipped if status else None,
            "evicted": screen.ring.evicted,
            "behind_at_end": status.behind if status else None,
            "rows_in_list": table.row_count,  # type: ignore[attr-defined]
            "rss_mb": {"start": round(rss_values[0], 1), "max": round(max(rss_values), 1),
                       "end": round(rss_values[-1], 1)} if rss_values else {},
            "rss_series_mb": [(t, round(v, 1)) for t, v in rss],
            "key_ms": {"samples": len(keys), "p50": pct(keys, 50), "max": round(max(keys, default=0.0), 1),
                       "all": [round(k, 1) for k in keys]},
        }
    return {"latency": latency, "flood": result_flood}


def report(result: dict[str, Any]) -> None:
    lat, flood = result["latency"], result["flood"]
    rss = flood["rss_mb"]

    def mark(ok: bool) -> str:
        return "ok" if ok else "MISS"

    rows = [
        ("latency p50 (CreateTime -> frame)", f"{lat['p50_ms']} ms", f"< {TARGETS['p50_ms']:g}",
         mark(lat["p50_ms"] < TARGETS["p50_ms"])),
        ("latency p99", f"{lat['p99_ms']} ms", f"< {TARGETS['p99_ms']:g}", mark(lat["p99_ms"] < TARGETS["p99_ms"])),
        ("  of which reader (CreateTime -> decoded) p50/p99", f"{lat['reader_p50_ms']}/{lat['reader_p99_ms']} ms",
         "", ""),
        ("  records measured / produced", f"{lat['records']} / {lat['produced']['sent']}", "", ""),
        ("flood produce rate reached", f"{flood['produced']['rate']:,.0f} msg/s", f"{flood['target_rate']:,.0f}",
         mark(flood["produced"]["rate"] >= 0.95 * flood["target_rate"])),
        ("flood received / produced", f"{flood['received']:,} / {flood['produced']['sent']:,}", "", ""),
        ("shown / skipped / evicted (whole run)",
         f"{flood['shown_total']:,} / {flood['skipped']:,} / {flood['evicted']:,}", "", ""),
        ("reader behind at end", f"{flood['behind_at_end']}", "", ""),
        ("RSS start / max / end", f"{rss['start']} / {rss['max']} / {rss['end']} MB", f"< {TARGETS['rss_mb']:g}",
         mark(rss["max"] < TARGETS["rss_mb"])),
        ("key press -> handled + frame p50 / max", f"{flood['key_ms']['p50']} / {flood['key_ms']['max']} ms",
         f"< {TARGETS['key_ms']:g}", mark(flood["key_ms"]["max"] < TARGETS["key_ms"])),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target, ok in rows:
        print(f"  {name:<{width}}  {value:>24}  {target:>8}  {ok}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--latency-s", type=float, default=20.0)
    parser.add_argument("--latency-rate", type=float, default=100.0)
    parser.add_argument("--flood-s", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=20000.0)
    parser.add_argument("--producers", type=int, default=PRODUCERS)
    parser.add_argument("--nice", type=int, default=10, help="niceness of the producer processes (0: none)")
    parser.add_argument("--flood-tool", choices=("kcat", "python"),
                        default="kcat" if shutil.which("kcat") else "python",
                        help="the flood's producer: kcat (default when installed) or kafka-python processes")
    parser.add_argument("--produce", help=argparse.SUPPRESS)  # child mode: be a producer
    parser.add_argument("--seconds", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="p", help=argparse.SUPPRESS)
    args = parser.parse_args()
    bootstrap = args.bootstrap or default_bootstrap()
    if args.produce:
        if args.flood_tool == "kcat" and args.rate > 1000:
            produce_kcat(bootstrap, args.produce, args.rate, args.seconds, args.tag)
        else:
            produce(bootstrap, args.produce, args.rate, args.seconds, args.tag)
        return 0
    topic = f"bench-tail-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafkatui-bench", request_timeout_ms=60000,
                             bootstrap_timeout_ms=15000)
    try:
        admin.create_topics({topic: {"num_partitions": PARTITIONS, "replication_factor": 1}}, wait_for_metadata=True)
        result = asyncio.run(run(args, bootstrap, topic))
        result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                             "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
        result["producers"] = {"flood_tool": args.flood_tool, "nice": args.nice,
                               "processes": 1 if args.flood_tool == "kcat" else args.producers}
        result["targets"] = TARGETS
        result["measured"] = __doc__.split("What is measured:")[1].split("    python bench")[0].strip()
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")
        report(result)
        print(f"wrote {OUT}")
        return 0
    finally:
        try:
            admin.delete_topics([topic], timeout_ms=60000)
        except Exception as exc:
            print(f"bench_tail: could not delete {topic}: {exc}", file=sys.stderr)
        admin.close()


if __name__ == "__main__":
    raise SystemExit(main())
