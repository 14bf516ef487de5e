"""The local broker: real, reused when running, and stopped without leaving a Java process."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from deploy.local.kafka import KafkaBroker
from deploy.local.procs import pid_alive
from streams.contract.topics import PUBLIC_TOPICS
from streams.platform.topic_admin import ensure_topics


def test_running_broker_is_reused(kafka: KafkaBroker) -> None:
    pid = kafka.running_pid()
    assert pid is not None
    again = KafkaBroker(kafka.data_dir, kafka.jars, port=kafka.port, controller_port=kafka.controller_port)
    assert again.start() is False
    assert again.running_pid() == pid


async def test_admin_client_answers_and_topics_are_created(kafka: KafkaBroker) -> None:
    created = await ensure_topics(kafka.bootstrap, PUBLIC_TOPICS, partitions=2, replication=1)
    again = await ensure_topics(kafka.bootstrap, PUBLIC_TOPICS, partitions=2, replication=1)
    assert again == []
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        topics = set(await admin.list_topics())
        described = await admin.describe_topics(["bc.orders"])
    finally:
        await admin.close()
    assert {t.name for t in PUBLIC_TOPICS} <= topics
    assert set(created) <= topics
    assert len(described[0]["partitions"]) >= 2


def test_stop_leaves_no_java_process(kafka: KafkaBroker, tmp_path: Path) -> None:
    from deploy.local.procs import free_port

    broker = KafkaBroker(tmp_path / "kafka", kafka.jars, port=free_port(), controller_port=free_port())
    assert broker.start() is True
    pid = broker.running_pid()
    assert pid is not None and pid_alive(pid)
    broker.stop()
    assert not pid_alive(pid)
    assert broker.running_pid() is None


def test_a_cluster_id_starting_with_a_dash_still_formats(kafka: KafkaBroker, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A random base64url cluster id starts with '-' once in 64 starts; it must not read as an option."""
    import uuid

    from deploy.local.procs import free_port

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(bytes=bytes([0xF8]) + bytes(15)))  # "-AAAA…"
    broker = KafkaBroker(tmp_path / "kafka", kafka.jars, port=free_port(), controller_port=free_port())
    try:
        assert broker.start() is True
        assert "cluster.id=-AAAA" in (tmp_path / "kafka" / "logs" / "meta.properties").read_text()
    finally:
        broker.stop()
