"""Fetch the Kafka jars with Maven and run a single-node KRaft broker (combined broker/controller).

The broker is the real Apache Kafka server (``kafka.Kafka``), bound to 127.0.0.1. Starting is
idempotent: a broker already running from the same data folder is reused. Readiness means the
admin client answers *and* the group coordinator is available, not merely that the port accepts.
"""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from deploy.local.procs import pid_alive, port_open, read_pid, stop_process_group
from streams.contract.topics import MAX_MESSAGE_BYTES
from streams.platform.blocking import run_coroutine_in_thread

log = logging.getLogger(__name__)

POM = Path(__file__).with_name("pom.xml")


class KafkaStartError(RuntimeError):
    """The broker did not come up; the message carries the tail of its log."""


@dataclass(frozen=True)
class KafkaJars:
    """The broker's classpath: jars copied from the Maven cache (``~/.m2``) into ``libs``."""

    libs: Path

    @property
    def marker(self) -> Path:
        return self.libs / ".complete"

    def present(self) -> bool:
        return self.marker.exists() and any(self.libs.glob("kafka_2.13-*.jar"))

    def ensure(self) -> Path:
        """Resolve the jars once; later calls reuse them (and Maven reuses ``~/.m2``).

        ``libs`` may be a symlink whose target is not there yet (the demo links the shared folder):
        the target is created and filled.
        """
        if self.present():
            return self.libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KafkaStartError(
                f"the Kafka jars are not in {self.libs} and Maven (mvn) is not on PATH to fetch them: install "
                "Maven and run `make jars` (or `o2c up`), or copy a kafka-libs folder there"
            )
        log.info("fetching the Kafka jars with Maven (once; ~/.m2 caches them)", extra={"libs": str(self.libs)})
        self.libs.resolve().mkdir(parents=True, exist_ok=True)  # a dangling symlink: create its target
        started = time.monotonic()
        cmd = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
               f"-DoutputDirectory={self.libs}"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KafkaStartError(f"mvn failed ({result.returncode}):\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
        self.marker.write_text(f"fetched in {time.monotonic() - started:.1f}s\n")
        return self.libs

    def classpath(self) -> str:
        return str(self.libs / "*")

    def linked_at(self, link: Path) -> KafkaJars:
        """The same jars seen through a symlink at ``link`` (made, or repaired if it points elsewhere).

        A folder of real jars already at ``link`` is used as it is.
        """
        target = self.libs.resolve()
        if link.is_symlink() and link.resolve() != target:
            link.unlink()  # dangling, or left by a checkout that moved
        if not link.is_symlink() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target, target_is_directory=True)
        return KafkaJars(link)


@dataclass
class KafkaBroker:
    """One local broker: its data folder, its two ports and the jars it runs from."""

    data_dir: Path
    jars: KafkaJars
    port: int = 9092
    controller_port: int = 9093
    host: str = "127.0.0.1"
    heap: str = "1g"
    ready_timeout: float = 90.0

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "kafka.log"

    def running_pid(self) -> int | None:
        return read_pid(self.pid_file)

    def start(self) -> bool:
        """Start the broker unless one is already running here; return True if this call started it."""
        if (pid := self.running_pid()) is not None:
            log.info("kafka already running", extra={"pid": pid, "bootstrap": self.bootstrap})
            self.wait_ready()
            return False
        if port_open(self.host, self.port):
            raise KafkaStartError(
                f"port {self.host}:{self.port} is taken by another process; set O2C_KAFKA_PORT to a free port"
            )
        self.jars.ensure()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        self._format(config)
        started = time.monotonic()
        with self.log_file.open("ab") as out:
            proc = subprocess.Popen(
                ["java", *self._jvm_flags(), "-cp", self.jars.classpath(), "kafka.Kafka", str(config)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        try:
            self.wait_ready(proc)
        except BaseException:
            self.stop()
            raise
        log.info("kafka started", extra={"pid": proc.pid, "bootstrap": self.bootstrap,
                                         "seconds": round(time.monotonic() - started, 2)})
        return True

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after a grace period); no Java process is left."""
        pid = self.running_pid()
        if pid is not None:
            stop_process_group(pid, grace=30.0)
        self.pid_file.unlink(missing_ok=True)

    def wait_ready(self, proc: subprocess.Popen[bytes] | None = None) -> None:
        """Block until the admin client answers and the group coordinator is available."""
        deadline = time.monotonic() + self.ready_timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise KafkaStartError(f"kafka exited with {proc.returncode}:\n{self._log_tail()}")
            if proc is None and (pid := self.running_pid()) is not None and not pid_alive(pid):
                raise KafkaStartError(f"kafka died:\n{self._log_tail()}")
            if port_open(self.host, self.port):
                try:
                    run_coroutine_in_thread(_probe(self.bootstrap))
                    return
                except Exception as exc:  # the broker is still starting
                    last_error = exc
            time.sleep(0.25)
        raise KafkaStartError(f"kafka not ready after {self.ready_timeout}s ({last_error!r}):\n{self._log_tail()}")

    def _write_config(self) -> Path:
        logs = self.data_dir / "logs"
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(logs),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "168",
            # o2c's large topics set max.message.bytes themselves; the broker's default and its fetch
            # limits match, so a topic created by hand takes a whole order too
            "message.max.bytes": str(MAX_MESSAGE_BYTES),
            "replica.fetch.max.bytes": str(MAX_MESSAGE_BYTES),
        }
        config = self.data_dir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        log4j = self.data_dir / "log4j2.properties"
        log4j.write_text(
            "status = warn\n"
            "appender.console.type = Console\n"
            "appender.console.name = STDOUT\n"
            "appender.console.layout.type = PatternLayout\n"
            "appender.console.layout.pattern = [%d] %p %m (%c)%n\n"
            "rootLogger.level = INFO\n"
            "rootLogger.appenderRef.stdout.ref = STDOUT\n"
            "logger.kafka.name = kafka\nlogger.kafka.level = WARN\n"
            "logger.apache.name = org.apache.kafka\nlogger.apache.level = WARN\n"
            "logger.started.name = kafka.server.KafkaRaftServer\nlogger.started.level = INFO\n"
            "logger.state.name = state.change.logger\nlogger.state.level = WARN\n"
        )
        return config

    def _format(self, config: Path) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        result = subprocess.run(
            ["java", "-Xmx256m", f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
             "-cp", self.jars.classpath(), "kafka.tools.StorageTool", "format",
             f"--cluster-id={cluster_id}", "-c", str(config), "--ignore-formatted"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise KafkaStartError(f"kafka storage format failed:\n{result.stdout}{result.stderr}")

    def _jvm_flags(self) -> list[str]:
        return [
            "-Xms256m", f"-Xmx{self.heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:ActiveProcessorCount=2", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.data_dir}",
        ]

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


async def _probe(bootstrap: str) -> None:
    """Ask the admin client for the cluster and make sure the group coordinator answers."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise KafkaStartError("no brokers in cluster metadata yet")
        await admin.find_coordinator("o2c-readiness-probe")
    finally:
        await admin.close()
