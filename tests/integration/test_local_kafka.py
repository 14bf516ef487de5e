"""The local broker: real, reused when running, and stopped without leaving a Java process."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.local.kafka import KafkaBroker
from deploy.local.procs import pid_alive
from streams.contract.topics import COMPRESSION, MAX_MESSAGE_BYTES, PUBLIC_TOPICS, TopicSpec
from streams.platform.topic_admin import align_configs, ensure_topics, topic_overrides


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
        overrides = await topic_overrides(admin, [t.name for t in PUBLIC_TOPICS])
    finally:
        await admin.close()
    assert {t.name for t in PUBLIC_TOPICS} <= topics
    assert set(created) <= topics
    assert len(described[0]["partitions"]) >= 2
    for spec in PUBLIC_TOPICS:
        assert {k: overrides[spec.name].get(k) for k in spec.config} == spec.config, spec.name


async def test_old_topics_get_the_new_size_limit_and_keep_their_other_overrides(kafka: KafkaBroker) -> None:
    """A topic created by an older o2c (no max.message.bytes) is altered; an operator's retention stays."""
    name = f"old-{uuid.uuid4().hex[:8]}"
    spec = TopicSpec(name, "order id", "as created by an older o2c", "no", large=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs={"retention.ms": "3600000"})])
        assert await ensure_topics(kafka.bootstrap, [spec], partitions=1, replication=1) == []
        overrides = (await topic_overrides(admin, [name]))[name]
        assert overrides == {"retention.ms": "3600000", "max.message.bytes": str(MAX_MESSAGE_BYTES)}
        assert await align_configs(admin, [spec]) == []  # already aligned: nothing altered
    finally:
        await admin.close()


async def test_a_whole_order_sized_message_goes_through_a_large_topic_compressed(kafka: KafkaBroker) -> None:
    """Twice Kafka's default limit, produced with o2c's codec and limits, read back whole."""
    await ensure_topics(kafka.bootstrap, PUBLIC_TOPICS, partitions=2, replication=1)
    value = orjson.dumps({"lines": [{"sku": f"SKU-{i:05d}", "qty": 1, "price": f"{i}.99", "name": uuid.uuid4().hex}
                                    for i in range(30_000)]})
    assert len(value) > 2 * 1024 * 1024
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, compression_type=COMPRESSION,
                                max_request_size=MAX_MESSAGE_BYTES, acks="all")
    await producer.start()
    try:
        key = uuid.uuid4().hex.encode()
        sent = await producer.send_and_wait("bc.orders", key=key, value=value)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=None,
                                max_partition_fetch_bytes=MAX_MESSAGE_BYTES)
    await consumer.start()
    try:
        tp = TopicPartition("bc.orders", sent.partition)
        consumer.assign([tp])
        consumer.seek(tp, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (key, value)


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
