"""Kafka's own command-line tools (3.9.1), run as the Java classes behind the scripts.

Standard library only. `fetch()` resolves `org.apache.kafka:kafka-tools` and its dependencies
into `$XDG_CACHE_HOME/kafkatui/kafka-tools-3.9.1/libs` (default `~/.cache/...`) with
`mvn dependency:copy-dependencies` from `bench/tools/pom.xml`. A marker file records the pom's
hash, so a second run needs neither the network nor `mvn`.

`command(tool, args)` builds the same `java` command line that Kafka's `bin/kafka-run-class.sh`
builds for the script (its default heap, JVM and JMX options, and its tools log4j config):

    kafka-topics.sh          -> org.apache.kafka.tools.TopicCommand
    kafka-consumer-groups.sh -> org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
    kafka-get-offsets.sh     -> org.apache.kafka.tools.GetOffsetShell

    python -m bench.tools.kafka_tools [fetch|check|classpath]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

VERSION = "3.9.1"
HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LOG4J = HERE / "tools-log4j.properties"
MARKER = ".kafkatui-pom-sha256"

# script name -> main class (checked against the jar by `check()`)
TOOLS = {
    "kafka-topics.sh": "org.apache.kafka.tools.TopicCommand",
    "kafka-consumer-groups.sh": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "kafka-get-offsets.sh": "org.apache.kafka.tools.GetOffsetShell",
}

# kafka-run-class.sh defaults: KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_JMX_OPTS
JVM_OPTS = (
    "-Xmx256M",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15",
    "-Djava.awt.headless=true",
    "-Dcom.sun.management.jmxremote",
    "-Dcom.sun.management.jmxremote.authenticate=false",
    "-Dcom.sun.management.jmxremote.ssl=false",
)


class ToolsError(Exception):
    """Java, Maven or the jars are missing; `str()` is one line."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kafkatui"


def libs_dir() -> Path:
    return cache_root() / f"kafka-tools-{VERSION}" / "libs"


def tools_jar(libs: Path | None = None) -> Path:
    return (libs or libs_dir()) / f"kafka-tools-{VERSION}.jar"


def java() -> str:
    path = shutil.which("java")
    if not path:
        raise ToolsError("java not found; install a JDK 17 (apt-get install openjdk-17-jdk-headless)")
    return path


def fetch(quiet: bool = False) -> Path:
    """Make sure the kafka-tools jars are cached; return the libs dir. Offline when cached."""
    libs = libs_dir()
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    marker = libs / MARKER
    if marker.is_file() and marker.read_text().strip() == digest and tools_jar(libs).is_file():
        return libs
    java()
    mvn = shutil.which("mvn")
    if not mvn:
        raise ToolsError("mvn not found; install Maven (apt-get install maven)")
    tmp = libs.parent / f"libs.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    if not quiet:
        print(f"fetching kafka-tools {VERSION} jars with Maven into {libs} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    proc = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={tmp}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not tools_jar(tmp).is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        lines = [ln.strip() for ln in proc.stdout.splitlines() if "ERROR" in ln] or proc.stdout.splitlines()
        first = lines[0] if lines else f"exit code {proc.returncode}"
        raise ToolsError(f"mvn could not fetch kafka-tools {VERSION}: {first[:300]}")
    (tmp / MARKER).write_text(digest + "\n")
    old = libs.parent / f"libs.old-{os.getpid()}"
    if libs.exists():
        libs.rename(old)
    tmp.rename(libs)
    shutil.rmtree(old, ignore_errors=True)
    if not quiet:
        count = sum(1 for _ in libs.glob("*.jar"))
        print(f"fetched {count} jars in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return libs


def check(libs: Path | None = None) -> dict[str, str]:
    """The tool classes as found in the kafka-tools jar; raises ToolsError if one is missing."""
    with zipfile.ZipFile(tools_jar(libs)) as jar:
        names = set(jar.namelist())
    missing = [cls for cls in TOOLS.values() if cls.replace(".", "/") + ".class" not in names]
    if missing:
        raise ToolsError(f"not in {tools_jar(libs).name}: {', '.join(missing)}")
    return dict(TOOLS)


def classpath(libs: Path | None = None) -> str:
    return str((libs or libs_dir()) / "*")


def command(tool: str, args: list[str], libs: Path | None = None) -> list[str]:
    """The java command line kafka-run-class.sh would run for `tool` (a script name or a class)."""
    cls = TOOLS.get(tool, tool)
    return [java(), *JVM_OPTS, f"-Dlog4j.configuration=file:{LOG4J}", "-cp", classpath(libs), cls, *args]


def jvm_baseline_command() -> list[str]:
    """A trivial JVM start with the same options: `java ... -version` (loads no Kafka class)."""
    return [java(), *JVM_OPTS, "-version"]


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "fetch"
    try:
        libs = fetch()
        if what == "check":
            for script, cls in check(libs).items():
                print(f"{script:26} {cls}")
        elif what == "classpath":
            print(classpath(libs))
        else:
            print(libs)
    except ToolsError as exc:
        print(f"kafka_tools: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
