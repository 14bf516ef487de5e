"""Against a real broker that wants SASL SCRAM-SHA-512: o2c's clients sign in with O2C_KAFKA_*, a wrong password is
refused, and a whole worker (Faust's consumer and producer, the topic admin) runs over it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from deploy.local.procs import free_port
from streams.contract.topics import TopicSpec
from streams.platform.kafka_security import client_options
from streams.platform.settings import Settings
from streams.platform.topic_admin import ensure_topics
from tests.conftest import JARS
from tests.support.sasl_kafka import SaslKafkaBroker
from tests.support.worker import WorkerProcess


@pytest.fixture(scope="module")
def sasl_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SaslKafkaBroker]:
    broker = SaslKafkaBroker(tmp_path_factory.mktemp("sasl-kafka"), JARS, port=free_port(),
                             controller_port=free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def sasl_env(broker: SaslKafkaBroker, password: str) -> dict[str, str]:
    return {"O2C_KAFKA_BOOTSTRAP": broker.sasl_bootstrap, "O2C_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "O2C_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "O2C_KAFKA_SASL_USERNAME": broker.user,
            "O2C_KAFKA_SASL_PASSWORD": password}


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


async def test_a_producer_signs_in_and_a_wrong_password_is_refused(
    sasl_kafka: SaslKafkaBroker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    good = client_options(settings_from(sasl_env(sasl_kafka, sasl_kafka.password), monkeypatch))
    topic = TopicSpec(f"sasl-{uuid.uuid4().hex[:8]}", "-", "test", "no")
    assert await ensure_topics(sasl_kafka.sasl_bootstrap, [topic], partitions=1, replication=1, client=good) == [
        topic.name]
    producer = AIOKafkaProducer(bootstrap_servers=sasl_kafka.sasl_bootstrap, acks="all", **good)
    await producer.start()
    try:
        assert (await producer.send_and_wait(topic.name, b"signed in")).offset == 0
    finally:
        await producer.stop()

    bad = client_options(settings_from(sasl_env(sasl_kafka, "not-the-password"), monkeypatch))
    producer = AIOKafkaProducer(bootstrap_servers=sasl_kafka.sasl_bootstrap, request_timeout_ms=5000, **bad)
    with pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()
    assert "SaslAuthenticationFailed" in caplog.text, caplog.text


def test_a_worker_runs_over_sasl_and_not_without_its_password(
    sasl_kafka: SaslKafkaBroker, migrated_db: str, tmp_path: Path
) -> None:
    base = {"O2C_SANDBOX_MODE": "true", "O2C_APP_ID": f"o2c-sasl-{uuid.uuid4().hex[:8]}",
            "O2C_DATABASE_URL": migrated_db, "O2C_DATA_DIR": str(tmp_path / "data"), "O2C_TOPIC_PARTITIONS": "1",
            "O2C_HEARTBEAT_INTERVAL": "0", "O2C_KAFKA_SESSION_TIMEOUT": "10",
            "O2C_LOG_LEVEL": os.environ.get("O2C_TEST_LOG_LEVEL", "info")}
    worker = WorkerProcess(env={**base, **sasl_env(sasl_kafka, sasl_kafka.password)},
                           log_path=tmp_path / "worker.log").start()  # topics created, group joined, ready
    try:
        assert worker.stop() == 0
    finally:
        worker.kill()
    assert sasl_kafka.password not in (tmp_path / "worker.log").read_text()

    refused = WorkerProcess(env={**base, **sasl_env(sasl_kafka, "wrong")}, log_path=tmp_path / "refused.log")
    with pytest.raises(RuntimeError) as failed:
        refused.start(timeout=60)
    refused.kill()
    assert "worker exited with 1" in str(failed.value), failed.value
    assert "SaslAuthenticationFailed" in str(failed.value), failed.value  # aiokafka's line says why
