"""Start a whole local o2c stack for a benchmark: Kafka, PostgreSQL, both sandboxes and a worker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from deploy.local.kafka import KafkaBroker, KafkaJars
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port
from state.migrate import migrate
from tests.support.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stack:
    root: Path
    kafka: KafkaBroker
    postgres: EmbeddedPostgres
    bc_url: str = ""
    ns_url: str = ""
    worker_env: dict[str, str] = field(default_factory=dict)
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[WorkerProcess] = field(default_factory=list)

    def sandbox(self, name: str, *args: str, probe: str = "/__sandbox/config") -> str:
        """Start ``o2c sandbox <name>`` on a free port; ready once ``GET <probe>`` answers."""
        port = free_port()
        log = (self.root / f"{name}.log").open("ab")
        proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "sandbox", name, "--port", str(port), *args],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{url}{probe}", timeout=1.0)
                return url
            if proc.poll() is not None:
                raise RuntimeError(f"sandbox {name} exited: {(self.root / f'{name}.log').read_text()[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"sandbox {name} did not start")

    def worker(self, *, webhooks: bool = False, **env: str) -> WorkerProcess:
        """Start a worker; with ``webhooks`` the BigCommerce hooks point at this worker's own web server."""
        worker = WorkerProcess(env={**self.worker_env, **env}, log_path=self.root / "worker.log")
        self.workers.append(worker)
        if webhooks:
            worker.env["O2C_BC_WEBHOOK_DESTINATION"] = f"{worker.webhook_url}/webhooks/bigcommerce"
        return worker.start(timeout=180)

    def stop(self) -> None:
        for worker in self.workers:
            worker.kill()
        for proc in self.children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.kafka.stop()
        self.postgres.stop()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def local_stack(partitions: int = 4) -> Iterator[Stack]:
    """Everything a benchmark needs, stopped and removed on exit (also on SIGTERM)."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="o2c-bench-") as tmp:
        root = Path(tmp)
        kafka = KafkaBroker(root / "kafka", KafkaJars(ROOT / ".local" / "kafka-libs"), port=free_port(),
                            controller_port=free_port())
        postgres = EmbeddedPostgres(root / "pg", port=free_port())
        stack = Stack(root, kafka, postgres)
        try:
            kafka.start()
            postgres.start()

            async def prepare() -> None:
                conn = await asyncpg.connect(postgres.dsn)
                try:
                    await migrate(conn)
                finally:
                    await conn.close()

            asyncio.run(prepare())
            stack.worker_env = {
                "O2C_SANDBOX_MODE": "true",
                "O2C_APP_ID": f"bench-{uuid.uuid4().hex[:6]}", "O2C_KAFKA_BOOTSTRAP": kafka.bootstrap,
                "O2C_DATABASE_URL": postgres.dsn, "O2C_DATA_DIR": str(root / "data"),
                "O2C_TOPIC_PARTITIONS": str(partitions), "O2C_HEARTBEAT_INTERVAL": "0", "O2C_LOG_LEVEL": "warning",
            }
            yield stack
        finally:
            stack.stop()


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


ROLES = (("sandbox netsuite", "NetSuite sandbox"), ("sandbox bigcommerce", "BigCommerce sandbox"),
         ("bigcommerce-load", "order generator"), ("streams.cli worker", "worker"), ("kafka", "Kafka broker"),
         ("postgres", "PostgreSQL"))


def cpu_by_role() -> dict[str, float]:
    """CPU seconds (user + system) of the live processes on this machine, grouped by their part in the stack."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        role = next((name for needle, name in ROLES if needle in cmdline), None)
        if role is not None:
            totals[role] = totals.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals


def print_cpu(before: dict[str, float], after: dict[str, float], elapsed: float) -> None:
    """CPU used per part of the stack between two ``cpu_by_role`` snapshots, as cores busy on average."""
    print(f"CPU during the run ({elapsed:.0f}s wall, {os.cpu_count()} cores)")
    for role in sorted(after, key=lambda r: before.get(r, 0.0) - after[r]):
        used = after[role] - before.get(role, 0.0)
        print(f"  {role:<22} {used:8.1f} s  ({used / elapsed:.2f} cores)")
