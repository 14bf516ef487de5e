"""Produce to and read back from real topics with aiokafka (no consumer group, from the beginning)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes | None]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def read(
    bootstrap: str,
    topic: str,
    *,
    match: Callable[[ConsumerRecord[Any, Any]], bool],
    count: int,
    timeout: float = 90.0,
) -> list[ConsumerRecord[Any, Any]]:
    """Records of ``topic`` (every partition, from the start) for which ``match`` is true, until ``count``."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()
    found: list[ConsumerRecord[Any, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found.extend(r for r in records if match(r))
        return found
    finally:
        await consumer.stop()
