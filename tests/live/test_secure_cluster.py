"""kafkatui against the real secured cluster (localcluster/secure.py, `make secure`): SASL_SSL with
SCRAM-SHA-512 as the least-privilege `monitor`, mTLS, OAUTHBEARER with a token command, and
ZooKeeper over TLS with digest credentials. Nothing is mocked.

One session fixture starts the secured cluster (ZooKeeper + ONE broker, to keep this file's
start-up short) only when these tests run, and stops it afterwards unless it was already up; a
second one does the same for its KRaft variant (`secure.py --kraft`), used by one test.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kafkatui.config import Settings, ZkSecurity, load_settings
from kafkatui.model import NotAuthorizedError
from kafkatui.tail.reader import TailReader
from kafkatui.tail.start import parse_start
from kafkatui.zookeeper.source import ZooKeeperSource
from tests.conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
SECURE_TOOL = REPO / "localcluster" / "secure.py"
MINT_JWT = REPO / "localcluster" / "mint_jwt.py"
KAFKATUI = Path(sys.executable).parent / "kafkatui"
MODES = ("scram", "mtls", "oauth")
CONFIG = "connect_timeout = 20\n"  # a loaded CI machine; the one-broker cluster answers every request itself


@dataclass(frozen=True)
class Secure:
    state: Path

    def env(self, mode: str) -> dict[str, str]:
        """The env file's variables (shell syntax: values may be shell-quoted)."""
        out = {}
        for line in (self.state / f"env.{mode}").read_text().splitlines():
            if line.startswith("KAFKATUI_"):
                key, _, value = line.partition("=")
                out[key] = " ".join(shlex.split(value)) if key.endswith("_COMMAND") else shlex.split(value)[0]
        return out

    def cert(self, name: str) -> str:
        return str(self.state / "certs" / name)

    def settings(self, mode: str, **env: str) -> Settings:
        return settings_from({**self.env(mode), **env})


def settings_from(env: dict[str, str]) -> Settings:
    return load_settings({}, env=env, path=Path(__file__).with_name("secure-test-config.toml"))


def started(state_env: str, default: str, *flags: str) -> Iterator[Secure]:
    """`secure.py [flags] up` in the state dir $state_env (or <repo>/default), then `down` afterwards
    unless it was already up (or KAFKATUI_KEEP_SECURE is set); a failed start leaves nothing running."""
    state = Path(os.environ.get(state_env) or REPO / default).resolve()
    was_up = (state / "env.scram").is_file()
    tool = [sys.executable, str(SECURE_TOOL), *flags, "--state-dir", str(state)]

    def down() -> None:
        if not was_up and not os.environ.get("KAFKATUI_KEEP_SECURE"):
            subprocess.run([*tool, "down"], check=False, timeout=120)

    try:
        subprocess.run([*tool, "up"], check=True, timeout=900)
    except BaseException:
        down()
        raise
    yield Secure(state)
    down()


@pytest.fixture(scope="session")
def secure_cluster() -> Iterator[Secure]:
    yield from started("KAFKATUI_SECURE_STATE_DIR", ".localcluster-secure")


@pytest.fixture(scope="session")
def secure_kraft() -> Iterator[Secure]:
    """The KRaft variant (`secure.py --kraft`: a controller and a broker, StandardAuthorizer, SCRAM
    users formatted into the metadata log), started only for the test that uses it."""
    yield from started("KAFKATUI_SECURE_KRAFT_STATE_DIR", ".localcluster-secure-kraft", "--kraft")


def kafkatui(args: list[str], env: dict[str, str], tmp_path: Path, timeout: float = 120,
             config: str = CONFIG) -> subprocess.CompletedProcess:
    """The real command line; `config=""` keeps the 4 s connect timeout (a failure must not wait 20 s)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KAFKATUI_")}
    base.update(XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_STATE_HOME=str(tmp_path / "state"))
    (tmp_path / "cfg" / "kafkatui").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cfg" / "kafkatui" / "config.toml").write_text(config)
    return subprocess.run([str(KAFKATUI), *args], env={**base, **env}, capture_output=True, text=True,
                          timeout=timeout, check=False)


def snapshot(secure_cluster: Secure, mode: str, tmp_path: Path) -> dict:
    done = kafkatui(["snapshot", "--json", "--no-processes"], secure_cluster.env(mode), tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- every source, every listener


@pytest.mark.parametrize("mode", MODES)
def test_snapshot_reads_every_source_over_each_listener(secure_cluster: Secure, mode: str, tmp_path: Path) -> None:
    doc = snapshot(secure_cluster, mode, tmp_path)
    topics = {t["name"]: t for t in doc["topics"]}
    assert {"open-orders", "open-events"} <= set(topics)
    assert all(p["latest"] == 10 for p in topics["open-orders"]["partitions"])  # ListOffsets
    assert not [e for e in doc["cluster"]["errors"] if "Authorization" in e]  # denials are not errors
    assert doc["brokers"][0]["log_dirs"] and doc["brokers"][0]["log_dirs"][0]["error"] is None  # DescribeLogDirs
    groups = {g["id"]: g for g in doc["groups"]}
    committed = [p["committed"] for p in groups["open-readers"]["partitions"]]
    assert committed == [5, 5, 5], (committed, doc["cluster"]["errors"])  # OffsetFetch (wire)
    assert doc["zookeeper"]["connected"] is True and doc["zookeeper"]["server"]["version"]  # kazoo + srvr over TLS
    assert not [e for e in doc["cluster"]["errors"] if "open-" in e or "config" in e], doc["cluster"]["errors"]
    if mode == "scram":  # the monitor is denied secret-* on purpose: not listed, the rest still shown
        assert "secret-payroll" not in topics
    else:
        assert "secret-payroll" in topics


@pytest.mark.parametrize("mode", MODES)
def test_tail_reads_records_over_each_listener(secure_cluster: Secure, mode: str) -> None:
    settings = secure_cluster.settings(mode)
    reader = TailReader(settings, "open-orders", start=parse_start("beginning"))
    reader.start()
    got: list = []
    try:
        def ten() -> bool:
            for batch in reader.drain():
                got.extend(batch.records)
            return len(got) >= 30 or reader.status().state == "error"

        wait_for("30 records from open-orders", ten, 60)
        status = reader.status()
    finally:
        reader.close()
    if mode == "scram":  # `monitor` may Describe, not Read: the tail says so instead of hanging
        assert status.state == "error" and "authoriz" in (status.error or "").lower(), status
    else:
        assert len(got) == 30


async def test_monitor_headless_over_scram_shows_denials_without_an_error(secure_cluster: Secure) -> None:
    from kafkatui.ui.app import KafkaTuiApp
    from kafkatui.ui.widgets.header import header_errors
    from tests.ui.fixtures import screen_text

    app = KafkaTuiApp(secure_cluster.settings("scram", KAFKATUI_REFRESH="2"))
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(600):
            if app.state.cluster is not None and app.state.groups is not None and app.state.zookeeper is not None:
                break
            await pilot.pause(0.1)
        assert app.state.cluster is not None and "open-orders" in {t.name for t in app.state.cluster.topics}
        assert app.state.zookeeper is not None and app.state.zookeeper.server is not None
        assert header_errors(app.state) == ""  # a denial is no error: no banner that never clears
        await pilot.press("4")
        for _ in range(100):
            if "not authorized" in screen_text(app):
                break
            await pilot.pause(0.1)
        assert "not authorized" in screen_text(app) and "open-readers" in screen_text(app)


# --------------------------------------------------------------------------- least privilege


def test_monitor_is_denied_a_group_and_sees_the_rest(secure_cluster: Secure, tmp_path: Path) -> None:
    doc = snapshot(secure_cluster, "scram", tmp_path)
    groups = {g["id"]: g for g in doc["groups"]}
    assert groups["secret-readers"]["state"] == "not authorized" and groups["secret-readers"]["partitions"] == []
    assert groups["open-readers"]["state"] == "Empty"
    assert "groups: describe group secret-readers: GroupAuthorizationFailedError" in doc["cluster"]["denied"]
    assert doc["cluster"]["errors"] == []


def narrow(secure_cluster: Secure) -> dict[str, str]:
    """SCRAM user `narrow`: Describe on topics and groups only (no cluster rights, no DescribeConfigs)."""
    return {**secure_cluster.env("scram"), "KAFKATUI_SASL_USERNAME": "narrow",
            "KAFKATUI_SASL_PASSWORD_FILE": str(secure_cluster.state / "secrets" / "narrow.password")}


def test_cluster_and_config_denials_are_marked_and_the_rest_shown(secure_cluster: Secure, tmp_path: Path) -> None:
    done = kafkatui(["snapshot", "--json", "--no-processes"], narrow(secure_cluster), tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    denied = doc["cluster"]["denied"]
    assert "log dirs of broker 1: ClusterAuthorizationFailedError" in denied  # DescribeLogDirs
    assert "configs of broker 1: ClusterAuthorizationFailedError" in denied  # DescribeConfigs (broker)
    assert any(d.startswith("topic configs:") and "TopicAuthorizationFailedError" in d for d in denied)
    assert doc["cluster"]["errors"] == []
    assert doc["brokers"][0]["log_dirs"] == []
    topics = {t["name"]: t for t in doc["topics"]}
    assert all(p["latest"] == 10 for p in topics["open-orders"]["partitions"])


async def test_broker_detail_says_which_acl_its_denied_parts_need(secure_cluster: Secure) -> None:
    """`narrow` may not DescribeConfigs or DescribeLogDirs: the broker detail (Enter on the overview's
    broker row) says "not authorized" and the ACL each needs where the configs and log dirs would be."""
    from kafkatui.ui.app import KafkaTuiApp
    from kafkatui.ui.screens.broker_detail import BrokerDetailScreen
    from kafkatui.ui.widgets.header import header_errors
    from tests.ui.fixtures import screen_text
    from tests.ui.fixtures import wait_for as wait_ui

    app = KafkaTuiApp(settings_from({**narrow(secure_cluster), "KAFKATUI_REFRESH": "2"}))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ui(pilot, lambda: app.state.cluster is not None and app.state.cluster.configs is not None, 120,
                      "the first config round")
        await pilot.press("enter")  # the overview's broker table has the focus, on broker 1
        await wait_ui(pilot, lambda: isinstance(app.screen, BrokerDetailScreen), 20, "the broker detail")
        await wait_ui(pilot, lambda: "Log dirs not authorized" in screen_text(app), 10, "the log dirs title")
        text = screen_text(app)
        assert "Configs not authorized: needs DescribeConfigs on CLUSTER (ClusterAuthorizationFailedError)" in text
        assert "Log dirs not authorized: needs Describe on CLUSTER (ClusterAuthorizationFailedError)" in text
        assert "open-orders" in text and "were not answered" not in text  # the partitions it may see are listed
        assert "Full in" not in text and "Other brokers" not in text  # no empty tables in their place
        refreshed = app.state.cluster.fetched_at
        await wait_ui(pilot, lambda: app.state.cluster.fetched_at > refreshed, 60, "a refresh without configs")
        await pilot.pause()
        assert "Configs not authorized: needs DescribeConfigs on CLUSTER" in screen_text(app)  # between rounds
        assert header_errors(app.state) == ""


def test_denied_requests_are_not_retried(secure_cluster: Secure) -> None:
    """As many requests as a principal allowed everything: a denial is answered once, not retried."""
    from kafkatui.kafka.source import KafkaSource

    counts = {}
    for who, settings in (("narrow", settings_from(narrow(secure_cluster))),
                          ("mtls", secure_cluster.settings("mtls"))):
        source = KafkaSource(settings)
        try:
            source.connect()
            counts[who] = [source.refresh().requests for _ in range(2)] + [source.groups().requests]
        finally:
            source.close()
    assert counts["narrow"] == counts["mtls"], counts


# --------------------------------------------------------------------------- the security set-up (read-only)


def test_snapshot_security_lists_acls_quotas_and_scram_users(secure_cluster: Secure, tmp_path: Path) -> None:
    security = snapshot(secure_cluster, "mtls", tmp_path)["security"]
    assert security["unavailable"] == {}
    assert {"principal": "User:monitor", "host": "*", "operation": "ALL", "permission": "DENY",
            "resource_type": "TOPIC", "resource_name": "secret-", "pattern_type": "PREFIXED"} in security["acls"]
    assert {"entity": [{"type": "user", "name": "monitor"}],
            "values": {"producer_byte_rate": 1048576.0, "request_percentage": 50.0}} in security["quotas"]
    users = {u["name"]: u["mechanisms"] for u in security["scram_users"]}
    assert users["monitor"] == [{"mechanism": "SCRAM-SHA-512", "iterations": 4096}]
    password = (secure_cluster.state / "secrets" / "monitor.password").read_text().strip()
    assert password not in json.dumps(security)


def test_snapshot_security_says_what_this_principal_may_not_read(secure_cluster: Secure, tmp_path: Path) -> None:
    done = kafkatui(["snapshot", "--json", "--no-processes"], narrow(secure_cluster), tmp_path)
    security = json.loads(done.stdout)["security"]
    assert security["acls"] == [] and security["scram_users"] == []
    assert security["unavailable"]["acls"] == "not authorized (ClusterAuthorizationFailedError)"
    assert security["unavailable"]["scram_users"] == "not authorized (ClusterAuthorizationFailedError)"
    assert security["unavailable"]["quotas"] == "not authorized (ClusterAuthorizationFailedError)"


def test_no_authorizer_is_a_fact_not_an_error(cluster) -> None:
    """The main cluster has no authorizer: DescribeAcls answers SECURITY_DISABLED."""
    from kafkatui.kafka.source import KafkaSource

    source = KafkaSource(load_settings({"bootstrap": cluster.bootstrap}, env={},
                                       path=Path(__file__).with_name("secure-test-config.toml")))
    try:
        security = source.security()
    finally:
        source.close()
    assert security.acls is None and security.unavailable["acls"] == "no authorizer configured (SECURITY_DISABLED)"
    assert security.scram_users is not None and security.quotas is not None


async def security_view_text(settings: Settings, part: str = "acls") -> tuple[str, object]:
    """The monitor, headless, opened on its security view (`:acls`): (the screen's text, the state)."""
    from kafkatui.ui.app import KafkaTuiApp
    from tests.ui.fixtures import screen_text
    from tests.ui.fixtures import wait_for as wait_ui

    app = KafkaTuiApp(settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ui(pilot, lambda: app.state.cluster is not None, 120, "the cluster's first answer")
        app.open_security(part)
        await wait_ui(pilot, lambda: app.state.security is not None, 120, "the security poll")
        await wait_ui(pilot, lambda: "waiting for the first security refresh" not in screen_text(app), 10, "titles")
        await pilot.pause()
        return screen_text(app), app.state


async def test_security_view_lists_acls_quotas_and_scram_users(secure_cluster: Secure) -> None:
    from kafkatui.ui.widgets.header import header_errors

    text, state = await security_view_text(secure_cluster.settings("mtls"))
    denies = [line.split() for line in text.splitlines() if "secret-" in line and "DENY" in line]
    for resource in ("TOPIC", "GROUP"):  # principal, host, operation, permission, type, name, pattern
        assert ["User:monitor", "*", "ALL", "DENY", resource, "secret-", "PREFIXED"] in denies, denies
    assert "user=monitor" in text and "1.0 MiB/s" in text and "50%" in text  # the client quota
    users = next(line for line in text.splitlines() if "SCRAM-SHA-512" in line and "monitor" in line)
    assert "4096" in users
    password = (secure_cluster.state / "secrets" / "monitor.password").read_text().strip()
    assert password not in text
    assert "not authorized" not in text and "SECURITY_DISABLED" not in text
    assert header_errors(state) == ""


async def test_security_view_says_not_authorized_for_what_it_cannot_read(secure_cluster: Secure) -> None:
    """`narrow` has no cluster rights: every part is "not authorized", in its title, and no error."""
    from kafkatui.ui.widgets.header import header_errors

    text, state = await security_view_text(settings_from(narrow(secure_cluster)))
    for title in ("ACLs", "Client quotas", "SCRAM users"):
        assert f"{title} not authorized (ClusterAuthorizationFailedError)" in text, text
    assert header_errors(state) == ""


async def test_security_view_shows_no_authorizer_as_a_fact(cluster) -> None:
    """The main cluster has no authorizer: the ACL table's title says so; quotas and users still list."""
    from kafkatui.refresh.state import Source

    settings = load_settings({"bootstrap": cluster.bootstrap}, env={},
                             path=Path(__file__).with_name("secure-test-config.toml"))
    text, state = await security_view_text(settings, "users")
    assert "ACLs no authorizer configured (SECURITY_DISABLED)" in text
    assert re.search(r"Client quotas \d", text) and re.search(r"SCRAM users \d", text), text
    assert not state.health[Source.SECURITY].stale and "not authorized" not in text


# --------------------------------------------------------------------------- ZooKeeper TLS + digest


def test_zookeeper_hidden_znode_is_no_permission_without_digest(secure_cluster: Secure) -> None:
    with_digest = secure_cluster.settings("scram").zk_security
    without = type(with_digest)(with_digest.ssl_cafile, with_digest.ssl_certfile, with_digest.ssl_keyfile, None)
    zk_hosts = secure_cluster.env("scram")["KAFKATUI_ZOOKEEPER"]
    with ZooKeeperSource(zk_hosts, 8.0, with_digest) as zk:
        assert zk.node("/kafkatui-secure/hidden").data == b"only the digest user reads this"
    with ZooKeeperSource(zk_hosts, 8.0, without) as zk:
        assert zk.node("/kafkatui-secure/visible").data == b"anyone may read this"
        assert "hidden" in zk.children("/kafkatui-secure")
        with pytest.raises(NotAuthorizedError, match="no permission"):
            zk.node("/kafkatui-secure/hidden")


def zookeeper_flags(secure_cluster: Secure, digest: bool = True) -> list[str]:
    """ZooKeeper's address, TLS and digest as command-line flags (the env file's KAFKATUI_ZOOKEEPER_* values)."""
    env = secure_cluster.env("mtls")
    flags = ["--zookeeper", env["KAFKATUI_ZOOKEEPER"]]
    for part in ("cafile", "certfile", "keyfile"):
        flags += [f"--zookeeper-ssl-{part}", env[f"KAFKATUI_ZOOKEEPER_SSL_{part.upper()}"]]
    return flags + (["--zookeeper-digest-file", env["KAFKATUI_ZOOKEEPER_DIGEST_FILE"]] if digest else [])


def test_zookeeper_tls_and_digest_from_the_command_line_flags(secure_cluster: Secure, tmp_path: Path) -> None:
    """The flags alone (no KAFKATUI_ZOOKEEPER_* variable) reach ZooKeeper's TLS port and kazoo's digest
    auth: `snapshot --json` reads the zookeeper part, and settings parsed from the same argv read the
    hidden znode with --zookeeper-digest-file and get "no permission" without it."""
    from kafkatui.cli import build_parser

    env = {k: v for k, v in secure_cluster.env("mtls").items() if not k.startswith("KAFKATUI_ZOOKEEPER")}
    done = kafkatui(["snapshot", "--json", "--no-processes", *zookeeper_flags(secure_cluster)], env, tmp_path)
    assert done.returncode == 0, done.stderr
    zookeeper = json.loads(done.stdout)["zookeeper"]
    assert zookeeper["connected"] is True and zookeeper["server"]["version"] and zookeeper["controller"] == 1
    done = kafkatui(["info", *zookeeper_flags(secure_cluster)], env, tmp_path)
    assert "ZooKeeper TLS, ZooKeeper digest credentials set" in done.stdout, done.stdout + done.stderr

    def zk_security(digest: bool) -> ZkSecurity:  # as main() builds it from the argv
        args = build_parser().parse_args([*zookeeper_flags(secure_cluster, digest), "info"])
        return load_settings(vars(args), env=env, path=tmp_path / "none.toml").zk_security

    zk_hosts = secure_cluster.env("mtls")["KAFKATUI_ZOOKEEPER"]
    with ZooKeeperSource(zk_hosts, 8.0, zk_security(True)) as zk:
        assert zk.node("/kafkatui-secure/hidden").data == b"only the digest user reads this"
    with ZooKeeperSource(zk_hosts, 8.0, zk_security(False)) as zk:
        assert zk.node("/kafkatui-secure/visible").data == b"anyone may read this"
        with pytest.raises(NotAuthorizedError, match="no permission"):
            zk.node("/kafkatui-secure/hidden")


# --------------------------------------------------------------------------- TLS failures


@pytest.mark.parametrize(
    ("case", "change", "says"),
    [
        ("unknown CA", {"KAFKATUI_SSL_CAFILE": "other-ca.pem"}, "unknown ca"),
        ("hostname mismatch", {"KAFKATUI_BOOTSTRAP": "wrong"}, "hostname mismatch"),
        ("missing client certificate", {"KAFKATUI_SSL_CERTFILE": "", "KAFKATUI_SSL_KEYFILE": ""},
         "requires a client certificate"),
    ],
)
def test_tls_failure_is_one_line_and_exit_2(secure_cluster: Secure, case: str, change: dict, says: str,
                                            tmp_path: Path) -> None:
    env = secure_cluster.env("mtls")
    env.pop("KAFKATUI_ZOOKEEPER")
    for key, value in change.items():
        if value == "wrong":
            env[key] = env["KAFKATUI_BOOTSTRAP"].rsplit(":", 1)[0] + f":{int(env[key].rsplit(':', 1)[1]) + 3}"
        elif value:
            env[key] = secure_cluster.cert(value)
        else:
            env.pop(key)
    done = kafkatui(["snapshot", "--json", "--no-processes"], env, tmp_path, config="")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, (case, done.stderr)
    assert says in lines[0].lower() and "Traceback" not in done.stderr, (case, lines[0])


@pytest.mark.parametrize(
    ("mode", "change", "says"),
    [
        # kafka-python sees either the broker's SASL_AUTHENTICATION_FAILED or only the hang-up after it
        ("scram", {"KAFKATUI_SASL_USERNAME": "nobody"}, "rejected the credentials|SASL authentication failed"),
        ("oauth", {"KAFKATUI_SASL_OAUTH_TOKEN_COMMAND": "sh -c 'echo no identity >&2; exit 3'"},
         "the token command failed: no identity"),
    ],
)
def test_rejected_credentials_are_one_line_and_exit_2(secure_cluster: Secure, mode: str, change: dict, says: str,
                                                      tmp_path: Path) -> None:
    env = {**secure_cluster.env(mode), **change}
    env.pop("KAFKATUI_ZOOKEEPER")
    done = kafkatui(["snapshot", "--json", "--no-processes"], env, tmp_path)  # 20 s: SASL is slow when loaded
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and re.search(says, lines[0]), done.stderr


# --------------------------------------------------------------------------- OAUTHBEARER token command


def test_token_command_runs_again_before_expiry(secure_cluster: Secure, tmp_path: Path) -> None:
    from kafkatui.kafka.source import KafkaSource

    count = tmp_path / "runs"
    command = shlex.join([sys.executable, str(MINT_JWT), "--sub", "kafkatui-oauth", "--lifetime", "6",
                          "--count-file", str(count)])
    source = KafkaSource(secure_cluster.settings("oauth", KAFKATUI_SASL_OAUTH_TOKEN_COMMAND=command))
    try:
        source.connect()
        assert len(count.read_text().splitlines()) == 1
        wait_for("the token command to run twice more", lambda: len(count.read_text().splitlines()) >= 3, 60)
        assert "open-orders" in {t.name for t in source.refresh().topics}  # still authorised
    finally:
        source.close()


# --------------------------------------------------------------------------- secrets


def test_info_and_process_list_never_show_the_password(secure_cluster: Secure, tmp_path: Path) -> None:
    env = secure_cluster.env("scram")
    password = Path(env["KAFKATUI_SASL_PASSWORD_FILE"]).read_text().strip()
    done = kafkatui(["info"], env, tmp_path)
    assert done.returncode == 0 and "user monitor, password set" in done.stdout
    assert password not in done.stdout + done.stderr
    env["KAFKATUI_SASL_PASSWORD"] = password
    done = kafkatui(["info"], {k: v for k, v in env.items() if k != "KAFKATUI_SASL_PASSWORD_FILE"}, tmp_path)
    assert password not in done.stdout + done.stderr
    # `=`: a generated password starts with "-" 1 time in 64, which argparse takes for an option
    done = kafkatui([f"--sasl-password={password}", "info"], env, tmp_path)
    assert "visible to every user in `ps`" in done.stderr


def test_secrets_never_reach_output_logs_or_the_settings_repr(secure_cluster: Secure, tmp_path: Path,
                                                             tmux_server) -> None:
    """The SCRAM password (env var, not a file), the token its command prints, the registry password
    and the ZooKeeper digest: not in `snapshot --json`'s stdout or stderr, not in the log file the
    monitor writes (it logs a denied tail as `monitor`), not in `repr()` of the Settings."""
    from localcluster.mint_jwt import mint
    from tests.conftest import installed_command_for_tmux

    token_file = tmp_path / "token"
    token_file.write_text(mint("kafkatui-oauth", 3600) + "\n")
    digest = (secure_cluster.state / "secrets" / "zk.digest").read_text().strip()
    secret = {
        "SCRAM password": (secure_cluster.state / "secrets" / "monitor.password").read_text().strip(),
        "token": token_file.read_text().strip(),
        "registry password": "registry-pw-" + os.urandom(6).hex(),
        "ZooKeeper digest password": digest.split(":", 1)[1],
    }
    given = {"KAFKATUI_SCHEMA_REGISTRY": "http://127.0.0.1:9/apis/ccompat/v7",  # framed records only would ask it
             "KAFKATUI_SCHEMA_REGISTRY_USERNAME": "reader",
             "KAFKATUI_SCHEMA_REGISTRY_PASSWORD": secret["registry password"],
             "KAFKATUI_ZOOKEEPER_DIGEST": digest}
    files = ("KAFKATUI_SASL_PASSWORD_FILE", "KAFKATUI_ZOOKEEPER_DIGEST_FILE")  # the secrets given as values instead
    scram = {**{k: v for k, v in secure_cluster.env("scram").items() if k not in files}, **given,
             "KAFKATUI_SASL_PASSWORD": secret["SCRAM password"]}
    oauth = {**{k: v for k, v in secure_cluster.env("oauth").items() if k not in files}, **given,
             "KAFKATUI_SASL_OAUTH_TOKEN_COMMAND": f"cat {shlex.quote(str(token_file))}"}
    seen = {}
    for mode, env in (("scram", scram), ("oauth", oauth)):
        done = kafkatui(["snapshot", "--json", "--no-processes"], env, tmp_path)
        assert done.returncode == 0 and json.loads(done.stdout)["zookeeper"]["connected"], done.stderr
        seen[f"{mode} snapshot stdout"], seen[f"{mode} snapshot stderr"] = done.stdout, done.stderr
        settings = settings_from(env)
        assert settings.security.sasl_password or settings.security.sasl_oauth_token_command  # they were given
        assert settings.schema_registry.password and settings.zk_security.digest
        seen[f"{mode} repr(Settings)"] = repr(settings)

    # the monitor as `monitor`, opened on a tail it may not Read: the denial goes to its log file
    state = tmp_path / "state"
    pane = tmux_server.launch(
        [installed_command_for_tmux(), "--refresh", "2", "--tail", "open-orders"],
        {**scram, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(state), "TERM": "xterm-256color"},
        (120, 30), exit_file=tmp_path / "exit", name="kafkatui-secrets")
    log = state / "kafkatui" / "kafkatui.log"
    try:
        wait_for("the denied tail in the log", lambda: log.is_file() and "tail open-orders" in log.read_text(), 90)
        pane.keys("Q")
        assert pane.exit_code() == 0
    finally:
        pane.close()
    seen.update({f"{path.name} (the monitor's log)": path.read_text() for path in state.rglob("*") if path.is_file()})
    assert "authoriz" in seen["kafkatui.log (the monitor's log)"].lower()
    leaks = [(what, where) for what, value in secret.items() for where, text in seen.items() if value in text]
    assert leaks == [], leaks


# --------------------------------------------------------------------------- KRaft (StandardAuthorizer)


def test_kraft_snapshot_as_the_monitor_over_sasl_ssl_reports_denied_parts(secure_kraft: Secure,
                                                                          tmp_path: Path) -> None:
    """The same least-privilege `monitor` on KRaft: SCRAM users made at format time, ACLs enforced by
    StandardAuthorizer. What it may read is read (the quorum too); what it may not is under `denied`."""
    doc = snapshot(secure_kraft, "scram", tmp_path)
    assert doc["cluster"]["mode"] == "kraft" and doc["cluster"]["quorum"]["leader_id"] == doc["cluster"]["controller"]
    assert doc["zookeeper"] is None and doc["cluster"]["errors"] == []
    topics = {t["name"]: t for t in doc["topics"]}
    assert "secret-payroll" not in topics and all(p["latest"] == 10 for p in topics["open-orders"]["partitions"])
    groups = {g["id"]: g for g in doc["groups"]}
    assert [p["committed"] for p in groups["open-readers"]["partitions"]] == [5, 5, 5]
    assert groups["secret-readers"]["state"] == "not authorized"
    assert "groups: describe group secret-readers: GroupAuthorizationFailedError" in doc["cluster"]["denied"]
    assert doc["brokers"][0]["log_dirs"] and doc["security"]["unavailable"] == {}  # Describe on the cluster

    env = {**secure_kraft.env("scram"), "KAFKATUI_SASL_USERNAME": "narrow",
           "KAFKATUI_SASL_PASSWORD_FILE": str(secure_kraft.state / "secrets" / "narrow.password")}
    done = kafkatui(["snapshot", "--json", "--no-processes"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    denied = json.loads(done.stdout)["cluster"]["denied"]
    assert "log dirs of broker 1: ClusterAuthorizationFailedError" in denied
    assert "configs of broker 1: ClusterAuthorizationFailedError" in denied
