"""Session fixtures: one real Kafka broker and one real PostgreSQL for the whole run, on free ports.

Both are started by the same code as ``o2c up`` (``deploy/local``) in a temporary folder and stopped
at the end of the session. The Kafka jars come from ``.local/kafka-libs`` (fetched once by Maven).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from deploy.local.kafka import KafkaBroker, KafkaJars
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port
from tests.support.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
JARS = KafkaJars(ROOT / ".local" / "kafka-libs")


def pytest_configure(config: pytest.Config) -> None:
    """A private temporary root per session, removed at the end.

    pytest's shared ``/tmp/pytest-of-<user>`` keeps only the last few sessions and prunes older ones,
    which would delete the data folders of a broker or database that a concurrent session still runs.
    """
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="o2c-pytest-")
        config._o2c_basetemp = config.option.basetemp  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    basetemp = getattr(config, "_o2c_basetemp", None)
    if basetemp:
        shutil.rmtree(basetemp, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"), JARS, port=free_port(), controller_port=free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def fresh_db(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """A brand-new empty database on the session server; its DSN. Dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres.dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield postgres.dsn.rsplit("/", 1)[0] + f"/{name}"
    admin = await asyncpg.connect(postgres.dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def migrated_db(fresh_db: str) -> str:
    from state.migrate import migrate

    conn = await asyncpg.connect(fresh_db)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return fresh_db


@pytest.fixture
def worker_env(kafka: KafkaBroker, migrated_db: str, tmp_path: Path) -> dict[str, str]:
    """Environment for a worker of its own (unique app id = consumer group, own data folder), against sandboxes."""
    return {
        "O2C_SANDBOX_MODE": "true",
        "O2C_APP_ID": f"o2c-test-{uuid.uuid4().hex[:8]}",
        "O2C_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "O2C_DATABASE_URL": migrated_db,
        "O2C_DATA_DIR": str(tmp_path / "data"),
        "O2C_TOPIC_PARTITIONS": "2",
        "O2C_HEARTBEAT_INTERVAL": "0",
        "O2C_ALERTS_ENABLED": "false",  # alert rules would see other tests' load; tests/e2e/alerts turns them on
        "O2C_KAFKA_SESSION_TIMEOUT": "10",
        "O2C_LOG_LEVEL": os.environ.get("O2C_TEST_LOG_LEVEL", "info"),
    }


@pytest.fixture
def make_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory for worker processes sharing ``worker_env``; every one is stopped at teardown.

    A restarted worker keeps its ports when given the old one's (``web_port``, ``webhook_port``).
    """
    started: list[WorkerProcess] = []

    def factory(web_port: int | None = None, webhook_port: int | None = None, **overrides: str) -> WorkerProcess:
        worker = WorkerProcess(env={**worker_env, **overrides}, log_path=tmp_path / f"worker-{len(started)}.log")
        if web_port is not None:
            worker.web_port = web_port
        if webhook_port is not None:
            worker.webhook_port = webhook_port
        started.append(worker)
        return worker.start()

    yield factory
    for worker in started:
        worker.kill()
