#!/usr/bin/env python3
"""kafkatui localcluster, secured: one ZooKeeper-mode broker behind TLS, SASL and ACLs.

Run as ``python3 localcluster/secure.py [--state-dir DIR] up|down|status|env`` (``make secure``),
with the venv's Python: the set-up after start (SCRAM users, ACLs, topics, znodes) uses
kafka-python and kazoo.  It reuses cluster.py's process machinery (pid files, spawn, readiness,
locking) by subclassing `Cluster`; only the layout (ZooKeeper + ONE broker, to keep the secured
tests' start-up short), the config files and the set-up differ.

Ports (``$KAFKATUI_SECURE_PORT_BASE``, default 12000, so it never collides with the main or the
KRaft cluster, and every port, the KRaft variant's too, is below Linux's ephemeral range
(32768-60999): at 33000 a client's outgoing connection once held 33092 as its local port, and
the broker failed to bind it in a full run):

=========  ======  ===================================================================
base+92    SSL     INTERNAL: inter-broker and the mTLS listener (client certificate
                   required; principal = the certificate's CN)
base+93    SCRAM   SASL_SSL, SCRAM-SHA-512
base+94    OAUTH   SASL_PLAINTEXT, OAUTHBEARER with Kafka's unsecured JWT handlers
base+95    WRONG   SSL whose certificate names ``wrong.invalid`` (the hostname-mismatch test)
base+2810  ZK      ZooKeeper plain client port (the broker, ``ruok``)
base+2811  ZK TLS  ZooKeeper secureClientPort (Netty), client certificate required
=========  ======  ===================================================================

Principals: ``broker`` (the broker certificate) and ``admin`` (SCRAM) are super users;
``monitor`` (SCRAM) may only Describe and DescribeConfigs the cluster, topics and groups, and is
denied ``secret-*`` topics and groups; ``narrow`` (SCRAM) may only Describe topics and groups (no
cluster rights, no DescribeConfigs: the CLUSTER_AUTHORIZATION_FAILED cases); ``kafkatui-client``
(mTLS) and ``kafkatui-oauth`` (OAUTHBEARER ``sub``) may also Read topics and groups (the tail).
ZooKeeper: the harness makes ``/kafkatui-secure/hidden`` readable only with the digest
credentials in ``secrets/zk.digest``.

The state dir gets ``env.scram``, ``env.mtls`` and ``env.oauth`` (shell syntax, like ``env``).

``--kraft`` (state ``.localcluster-secure-kraft``): a controller (``controller-1``, node 101, its
PLAINTEXT controller listener at base+10190, where the broker is ANONYMOUS, a super user there) and
ONE broker (Kafka 4.1.1) with the same listeners KRAFT_OFFSET (10000) up, StandardAuthorizer on
both and the same principals and ACLs. The SCRAM users are formatted into the metadata log
(``kafka-storage format --add-scram``); no ZooKeeper, so no ZooKeeper part in the env files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import ssl
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from localcluster.cluster import (
    HOST,
    KRAFT_OFFSET,
    REPO,
    START_TIMEOUT,
    Cluster,
    ClusterError,
    Node,
    _print_status,
    fetch_metadata,
    log,
)

SECURE_PORT_BASE_ENV = "KAFKATUI_SECURE_PORT_BASE"
DEFAULT_SECURE_PORT_BASE = 12000
SCRAM_OFFSET, OAUTH_OFFSET, WRONG_OFFSET = 93, 94, 95
ZK_TLS_OFFSET = 2811
MINT_JWT = Path(__file__).resolve().parent / "mint_jwt.py"

MONITOR = "monitor"
NARROW = "narrow"  # Describe on topics and groups only: no cluster rights, no DescribeConfigs
ADMIN = "admin"
MTLS_PRINCIPAL = "kafkatui-client"
OAUTH_PRINCIPAL = "kafkatui-oauth"
ZK_DIGEST_USER = "kafkatui"
OPEN_TOPICS = ("open-orders", "open-events")
SECRET_TOPICS = ("secret-payroll",)
OPEN_GROUP, SECRET_GROUP = "open-readers", "secret-readers"
ZK_ROOT = "/kafkatui-secure"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"  # KRaft's


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if proc.returncode != 0:
        last = (proc.stdout.strip().splitlines() or ["?"])[-1]
        raise ClusterError(f"kafkatui localcluster: {what} failed: {last[:300]}")


class Certs:
    """The certificate set under <state>/certs, made once with openssl and keytool."""

    def __init__(self, state: Path):
        self.dir = state / "certs"
        self.password_file = state / "secrets" / "keystore.password"

    def path(self, name: str) -> Path:
        return self.dir / name

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def ensure(self) -> None:
        if self.path("done").is_file():
            return
        openssl = "openssl"
        self.dir.mkdir(parents=True, exist_ok=True)
        _write_secret(self.password_file, secrets.token_hex(12))
        pw = self.password
        for ca in ("ca", "other-ca"):  # other-ca signs nothing the cluster trusts: the unknown-CA test
            _run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj",
                  f"/CN=kafkatui test {ca}", "-keyout", str(self.path(f"{ca}.key")),
                  "-out", str(self.path(f"{ca}.pem"))], f"making {ca}")
        leaves = {
            "broker": "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "wrong": "subjectAltName=DNS:wrong.invalid",
            MTLS_PRINCIPAL: "extendedKeyUsage=clientAuth",
        }
        for name, ext in leaves.items():
            key, csr, pem = (self.path(f"{name}.{s}") for s in ("key", "csr", "pem"))
            extfile = self.path(f"{name}.ext")
            extfile.write_text(ext + "\n")
            _run([openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                  "-keyout", str(key), "-out", str(csr)], f"making the {name} key")
            _run([openssl, "x509", "-req", "-in", str(csr), "-CA", str(self.path("ca.pem")),
                  "-CAkey", str(self.path("ca.key")), "-CAcreateserial", "-days", "3650",
                  "-extfile", str(extfile), "-out", str(pem)], f"signing the {name} certificate")
            os.chmod(key, 0o600)
            if name != MTLS_PRINCIPAL:
                _run([openssl, "pkcs12", "-export", "-in", str(pem), "-inkey", str(key), "-certfile",
                      str(self.path("ca.pem")), "-name", name, "-out", str(self.path(f"{name}.p12")),
                      "-passout", f"pass:{pw}"], f"packing the {name} keystore")
        _run(["keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", str(self.path("ca.pem")),
              "-keystore", str(self.path("truststore.p12")), "-storetype", "PKCS12", "-storepass", pw],
             "making the truststore")
        self.path("done").write_text("ok\n")
        log(f"certificates made in {self.dir}")


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")


class SecureCluster(Cluster):
    """ZooKeeper + one broker with SSL/SASL listeners, AclAuthorizer and a TLS ZooKeeper port; or,
    with `kraft`, one controller + one broker (Kafka 4) with the same listeners and StandardAuthorizer."""

    port_base_env = SECURE_PORT_BASE_ENV
    default_port_base = DEFAULT_SECURE_PORT_BASE

    def __init__(self, state_dir: str | os.PathLike | None = None, port_base: int | None = None,
                 kraft: bool = False):
        default = REPO / (".localcluster-secure-kraft" if kraft else ".localcluster-secure")
        super().__init__(kraft=kraft, state_dir=state_dir or default, port_base=port_base)
        self.certs = Certs(self.state)
        self.secrets_dir = self.state / "secrets"

    # ---- layout and addresses -----------------------------------------------------------------
    def _layout(self) -> list[Node]:
        return [n for n in super()._layout() if n.name in ("zookeeper", "controller-1", "broker-1")]

    @property
    def broker(self) -> Node:
        return self.node("broker-1")

    def listener(self, offset: int) -> str:
        """KRaft's listeners are KRAFT_OFFSET up, like its broker's port, so both variants may run at once."""
        return f"{HOST}:{self.port_base + (KRAFT_OFFSET if self.kraft else 0) + offset}"

    @property
    def zookeeper_tls(self) -> str:
        return f"{HOST}:{self.port_base + ZK_TLS_OFFSET}"

    def secret(self, name: str) -> str:
        return (self.secrets_dir / name).read_text().strip()

    # ---- configs ------------------------------------------------------------------------------
    def _zoo_cfg(self, n: Node) -> str:
        c, pw = self.certs, self.certs.password
        return super()._zoo_cfg(n) + "\n".join([
            "# secured variant: a TLS client port (Netty), client certificates required",
            f"secureClientPort={self.port_base + ZK_TLS_OFFSET}",
            f"secureClientPortAddress={HOST}",
            "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
            f"ssl.keyStore.location={c.path('broker.p12')}",
            f"ssl.keyStore.password={pw}",
            f"ssl.trustStore.location={c.path('truststore.p12')}",
            f"ssl.trustStore.password={pw}",
            "ssl.clientAuth=need",
            "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider",
            "",
        ])

    def _common_broker_lines(self, n: Node) -> list[str]:
        one = {"offsets.topic.replication.factor=3": "offsets.topic.replication.factor=1",
               "transaction.state.log.replication.factor=3": "transaction.state.log.replication.factor=1",
               "offsets.topic.num.partitions=12": "offsets.topic.num.partitions=3"}
        return [one.get(line, line) for line in super()._common_broker_lines(n)]

    def _zk_broker_properties(self, n: Node) -> str:
        return super()._zk_broker_properties(n) + self._secure_broker_lines(n)

    def _kraft_properties(self, n: Node) -> str:
        if n.role == "broker":
            return super()._kraft_properties(n) + self._secure_broker_lines(n)
        # the brokers reach the controller on its PLAINTEXT listener as ANONYMOUS: a super user there
        return super()._kraft_properties(n) + "\n".join([
            "# ---- secured variant (localcluster/secure.py)",
            f"authorizer.class.name={STANDARD_AUTHORIZER}",
            f"super.users=User:broker;User:{ADMIN};User:ANONYMOUS",
            "allow.everyone.if.no.acl.found=false",
            "",
        ])

    def format_args(self, n: Node) -> list[str]:
        """KRaft: the SCRAM users go into the metadata log when the controller's storage is formatted."""
        if n.role != "controller":
            return []
        return [arg for user in (ADMIN, MONITOR, NARROW)
                for arg in ("--add-scram", f"SCRAM-SHA-512=[name={user},password={self.secret(f'{user}.password')}]")]

    def _secure_broker_lines(self, n: Node) -> str:
        c, pw = self.certs, self.certs.password
        scram_jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        oauth_jaas = ("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                      'unsecuredLoginStringClaim_sub="broker";')
        controller = ",CONTROLLER:PLAINTEXT" if self.kraft else ""
        authorizer = STANDARD_AUTHORIZER if self.kraft else "kafka.security.authorizer.AclAuthorizer"
        # Java Properties: a later key wins, so these override the plaintext listener lines above
        return "\n".join([
            "# ---- secured variant (localcluster/secure.py)",
            f"listeners=INTERNAL://{HOST}:{n.port},SCRAM://{self.listener(SCRAM_OFFSET)},"
            f"OAUTH://{self.listener(OAUTH_OFFSET)},WRONG://{self.listener(WRONG_OFFSET)}",
            f"advertised.listeners=INTERNAL://{HOST}:{n.port},SCRAM://{self.listener(SCRAM_OFFSET)},"
            f"OAUTH://{self.listener(OAUTH_OFFSET)},WRONG://{self.listener(WRONG_OFFSET)}",
            f"listener.security.protocol.map=INTERNAL:SSL,SCRAM:SASL_SSL,OAUTH:SASL_PLAINTEXT,WRONG:SSL{controller}",
            "inter.broker.listener.name=INTERNAL",
            f"ssl.keystore.location={c.path('broker.p12')}",
            "ssl.keystore.type=PKCS12",
            f"ssl.keystore.password={pw}",
            f"ssl.key.password={pw}",
            f"ssl.truststore.location={c.path('truststore.p12')}",
            "ssl.truststore.type=PKCS12",
            f"ssl.truststore.password={pw}",
            "listener.name.internal.ssl.client.auth=required",
            f"listener.name.wrong.ssl.keystore.location={c.path('wrong.p12')}",
            "listener.name.wrong.ssl.keystore.type=PKCS12",
            f"listener.name.wrong.ssl.keystore.password={pw}",
            f"listener.name.wrong.ssl.key.password={pw}",
            "ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT",
            "sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER",
            "listener.name.scram.sasl.enabled.mechanisms=SCRAM-SHA-512",
            f"listener.name.scram.scram-sha-512.sasl.jaas.config={scram_jaas}",
            "listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER",
            f"listener.name.oauth.oauthbearer.sasl.jaas.config={oauth_jaas}",
            f"authorizer.class.name={authorizer}",
            f"super.users=User:broker;User:{ADMIN}",
            "allow.everyone.if.no.acl.found=false",
            "",
        ])

    def up(self) -> float:
        """cluster.py's `up`, with one more START_TIMEOUT for the broker: on a loaded machine the
        TLS broker's JVM alone has taken over a minute after ZooKeeper's, past the shared deadline."""
        t0 = time.monotonic()
        try:
            return super().up()
        except ClusterError as exc:
            if "timed out waiting for brokers" not in str(exc) or self.has_ended("broker-1"):
                raise
        log("the broker is still starting (a loaded machine); waiting once more")
        self.wait_brokers(["broker-1"], time.monotonic() + START_TIMEOUT)
        self.write_env()
        return time.monotonic() - t0

    # ---- readiness over TLS -------------------------------------------------------------------
    def _tls(self, sock):
        context = ssl.create_default_context(cafile=str(self.certs.path("ca.pem")))
        context.load_cert_chain(str(self.certs.path("broker.pem")), str(self.certs.path("broker.key")))
        return context.wrap_socket(sock, server_hostname=HOST)

    def metadata(self, n: Node, timeout: float = 3.0):
        try:
            return fetch_metadata(HOST, n.port, timeout, wrap=self._tls)
        except (OSError, ValueError):
            return None

    # ---- env files ----------------------------------------------------------------------------
    def env_files(self) -> dict[str, dict[str, str]]:
        """Every KAFKATUI_* variable for each mode; secrets by file, never inline."""
        c = self.certs
        zk = {} if self.kraft else {
            "KAFKATUI_ZOOKEEPER": self.zookeeper_tls,
            "KAFKATUI_ZOOKEEPER_SSL_CAFILE": str(c.path("ca.pem")),
            "KAFKATUI_ZOOKEEPER_SSL_CERTFILE": str(c.path(f"{MTLS_PRINCIPAL}.pem")),
            "KAFKATUI_ZOOKEEPER_SSL_KEYFILE": str(c.path(f"{MTLS_PRINCIPAL}.key")),
            "KAFKATUI_ZOOKEEPER_DIGEST_FILE": str(self.secrets_dir / "zk.digest"),
        }
        token_cmd = shlex.join([sys.executable, str(MINT_JWT), "--sub", OAUTH_PRINCIPAL])
        return {
            "env.scram": {
                "KAFKATUI_BOOTSTRAP": self.listener(SCRAM_OFFSET),
                "KAFKATUI_SECURITY_PROTOCOL": "SASL_SSL",
                "KAFKATUI_SASL_MECHANISM": "SCRAM-SHA-512",
                "KAFKATUI_SASL_USERNAME": MONITOR,
                "KAFKATUI_SASL_PASSWORD_FILE": str(self.secrets_dir / f"{MONITOR}.password"),
                "KAFKATUI_SSL_CAFILE": str(c.path("ca.pem")),
                **zk,
            },
            "env.mtls": {
                "KAFKATUI_BOOTSTRAP": f"{HOST}:{self.broker.port}",
                "KAFKATUI_SECURITY_PROTOCOL": "SSL",
                "KAFKATUI_SSL_CAFILE": str(c.path("ca.pem")),
                "KAFKATUI_SSL_CERTFILE": str(c.path(f"{MTLS_PRINCIPAL}.pem")),
                "KAFKATUI_SSL_KEYFILE": str(c.path(f"{MTLS_PRINCIPAL}.key")),
                **zk,
            },
            "env.oauth": {
                "KAFKATUI_BOOTSTRAP": self.listener(OAUTH_OFFSET),
                "KAFKATUI_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKATUI_SASL_MECHANISM": "OAUTHBEARER",
                "KAFKATUI_SASL_OAUTH_TOKEN_COMMAND": token_cmd,
                **zk,
            },
        }

    def env_text(self) -> str:
        mode = "kraft" if self.kraft else "zookeeper"
        return (f"# written by localcluster/secure.py (secured {mode} mode, Kafka {self.version}); "
                "the harness listener (mTLS as the super user `broker`)\n"
                f"KAFKATUI_CLUSTER_MODE={mode}\nKAFKATUI_BOOTSTRAP={HOST}:{self.broker.port}\n"
                f"KAFKATUI_ZOOKEEPER={self.zookeeper_connect}\n")

    def write_env(self) -> None:
        self.setup()
        for name, values in self.env_files().items():
            body = "".join(f"{k}={shlex.quote(v)}\n" for k, v in values.items())
            self._write(self.state / name, f"# written by localcluster/secure.py ({name[4:]}); shell syntax\n" + body)
        super().write_env()

    def write_configs(self) -> None:
        self.certs.ensure()
        for user in (ADMIN, MONITOR, NARROW):
            if not (self.secrets_dir / f"{user}.password").is_file():
                _write_secret(self.secrets_dir / f"{user}.password", secrets.token_urlsafe(16))
        if not (self.secrets_dir / "zk.digest").is_file():
            _write_secret(self.secrets_dir / "zk.digest", f"{ZK_DIGEST_USER}:{secrets.token_urlsafe(12)}")
        super().write_configs()

    def down(self) -> None:
        for name in self.env_files():
            with contextlib.suppress(FileNotFoundError):
                (self.state / name).unlink()
        super().down()

    # ---- set-up after start (idempotent) ------------------------------------------------------
    def admin_kwargs(self) -> dict:
        c = self.certs
        return {
            "bootstrap_servers": f"{HOST}:{self.broker.port}",
            "security_protocol": "SSL",
            "ssl_cafile": str(c.path("ca.pem")),
            "ssl_certfile": str(c.path("broker.pem")),
            "ssl_keyfile": str(c.path("broker.key")),
            "request_timeout_ms": 15000,
        }

    def setup(self) -> None:
        from kafka.errors import KafkaError

        t0 = time.monotonic()
        for attempt in (1, 2, 3):  # a loaded machine: the new broker may still be electing leaders
            try:
                self._setup_kafka()
                break
            except KafkaError as exc:
                if attempt == 3:
                    raise ClusterError(f"kafkatui localcluster: secured set-up failed: {exc}") from None
                log(f"secured set-up: {exc}; trying again")
                time.sleep(3)
        if not self.kraft:
            self._setup_zookeeper()
        log(f"secured set-up (SCRAM users, ACLs, topics, groups, znodes) in {time.monotonic() - t0:.1f}s")

    def _setup_kafka(self) -> None:
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition
        from kafka.admin import (
            ACL,
            ACLOperation,
            ACLPermissionType,
            ACLResourcePatternType,
            KafkaAdminClient,
            NewTopic,
            ResourcePattern,
            ResourceType,
            UserScramCredentialUpsertion,
        )
        from kafka.errors import TopicAlreadyExistsError
        from kafka.structs import OffsetAndMetadata

        admin = KafkaAdminClient(client_id="localcluster-secure", **self.admin_kwargs())
        try:
            admin.alter_user_scram_credentials([
                UserScramCredentialUpsertion(user, "SCRAM-SHA-512", self.secret(f"{user}.password"))
                for user in (ADMIN, MONITOR, NARROW)
            ])
            wanted = [NewTopic(t, 3, 1) for t in (*OPEN_TOPICS, *SECRET_TOPICS)]
            existing = set(admin.list_topics())
            todo = [t for t in wanted if t.name not in existing]
            if todo:
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics(todo)
            created = [t.name for t in todo]

            def acl(principal, op, rtype, name, perm=ACLPermissionType.ALLOW, pattern=ACLResourcePatternType.LITERAL):
                return ACL(f"User:{principal}", "*", op, perm, ResourcePattern(rtype, name, pattern))

            rules = []
            describe = (ACLOperation.DESCRIBE, ACLOperation.DESCRIBE_CONFIGS)
            for who in (MONITOR, MTLS_PRINCIPAL, OAUTH_PRINCIPAL):
                for op in describe:
                    rules.append(acl(who, op, ResourceType.CLUSTER, "kafka-cluster"))
                    rules.append(acl(who, op, ResourceType.TOPIC, "*"))
                rules.append(acl(who, ACLOperation.DESCRIBE, ResourceType.GROUP, "*"))
            for rtype in (ResourceType.TOPIC, ResourceType.GROUP):
                rules.append(acl(NARROW, ACLOperation.DESCRIBE, rtype, "*"))
            for who in (MTLS_PRINCIPAL, OAUTH_PRINCIPAL):
                rules.append(acl(who, ACLOperation.READ, ResourceType.TOPIC, "*"))
                rules.append(acl(who, ACLOperation.READ, ResourceType.GROUP, "*"))
            for rtype in (ResourceType.TOPIC, ResourceType.GROUP):  # denied on purpose
                rules.append(acl(MONITOR, ACLOperation.ALL, rtype, "secret-", ACLPermissionType.DENY,
                                 ACLResourcePatternType.PREFIXED))
            result = admin.create_acls(rules)
            failed = result.get("failed") if isinstance(result, dict) else None
            if failed:
                raise ClusterError(f"kafkatui localcluster: creating ACLs failed: {failed[0]}")
            self._set_quota(admin)
        finally:
            admin.close()
        producer = KafkaProducer(**self.admin_kwargs(), client_id="localcluster-secure")
        try:
            for topic in created:  # 30 records in each new topic, so a test may count them exactly
                for i in range(30):
                    producer.send(topic, key=f"k{i}".encode(), value=f"{topic} record {i}".encode(), partition=i % 3)
            producer.flush(30)
        finally:
            producer.close()
        for group, topic in ((OPEN_GROUP, OPEN_TOPICS[0]), (SECRET_GROUP, SECRET_TOPICS[0])):
            consumer = KafkaConsumer(**self.admin_kwargs(), group_id=group, enable_auto_commit=False)
            try:
                consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(5, "", -1) for p in range(3)})
            finally:
                consumer.close()

    @staticmethod
    def _set_quota(admin) -> None:
        """A client quota for `monitor` (kafka-python has no helper: the raw AlterClientQuotas)."""
        from kafka.protocol.admin import AlterClientQuotasRequest

        entry = AlterClientQuotasRequest.EntryData
        request = AlterClientQuotasRequest(validate_only=False, entries=[entry(
            entity=[entry.EntityData(entity_type="user", entity_name=MONITOR)],
            ops=[entry.OpData(key="producer_byte_rate", value=1048576.0, remove=False),
                 entry.OpData(key="request_percentage", value=50.0, remove=False)])])
        response = admin._manager.run(admin._manager.send, request)
        if any(e.error_code for e in response.entries):
            raise ClusterError(f"kafkatui localcluster: setting a client quota failed: {response.entries[0]}")

    def zk_client(self, digest: bool = True):
        from kazoo.client import KazooClient

        c = self.certs
        return KazooClient(
            hosts=self.zookeeper_tls, use_ssl=True, ca=str(c.path("ca.pem")),
            certfile=str(c.path(f"{MTLS_PRINCIPAL}.pem")), keyfile=str(c.path(f"{MTLS_PRINCIPAL}.key")),
            auth_data=[("digest", self.secret("zk.digest"))] if digest else None, timeout=10,
        )

    def _setup_zookeeper(self) -> None:
        from kazoo.security import OPEN_ACL_UNSAFE, make_digest_acl

        user, _, password = self.secret("zk.digest").partition(":")
        zk = self.zk_client()
        zk.start(timeout=30)
        try:
            zk.ensure_path(ZK_ROOT)
            with contextlib.suppress(Exception):
                zk.create(f"{ZK_ROOT}/visible", b"anyone may read this", acl=OPEN_ACL_UNSAFE)
            hidden = [make_digest_acl(user, password, all=True)]
            if not zk.exists(f"{ZK_ROOT}/hidden"):
                zk.create(f"{ZK_ROOT}/hidden", b"only the digest user reads this", acl=hidden)
            else:
                zk.set_acls(f"{ZK_ROOT}/hidden", hidden)
        finally:
            zk.stop()
            zk.close()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="secure.py", description="The secured local cluster (see the module doc).")
    p.add_argument("--kraft", action="store_true",
                   help="KRaft (Kafka 4, one controller + one broker, StandardAuthorizer, no ZooKeeper)")
    p.add_argument("--state-dir", help="state dir (default: <repo>/.localcluster-secure, -secure-kraft with --kraft)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("up", help="start (idempotent), set up users/ACLs/znodes, write env.scram/env.mtls/env.oauth")
    sub.add_parser("down", help="stop every recorded process")
    sub.add_parser("status", help="one line per recorded process")
    sub.add_parser("wipe", help="down, then delete the state dir")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cluster = SecureCluster(state_dir=args.state_dir, kraft=args.kraft)
        if args.command == "up":
            cluster.up()
            if not (cluster.state / "env.scram").is_file():
                cluster.write_env()
        elif args.command == "down":
            cluster.down()
        elif args.command == "wipe":
            cluster.wipe()
        else:
            _print_status(cluster.status(), False)
        return 0
    except ClusterError as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
