"""A fresh sandbox per test on a free port, a client wired to it with its own governor, and for the
change source a PostgreSQL pool and a publisher to the real broker."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer, start_sandbox
from deploy.local.kafka import KafkaBroker
from state.db import create_pool
from streams.contract import Envelope
from streams.contract.codec import encode
from streams.contract.topics import PUBLIC_TOPICS
from streams.platform.topic_admin import ensure_topics

_counter = itertools.count()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(inventory_delay_ms=50, rng_seed=1, webhook_retry_delays_s=(0.05, 0.05))


@pytest.fixture
async def sandbox(sandbox_config: SandboxConfig) -> AsyncIterator[SandboxServer]:
    server = await start_sandbox("127.0.0.1", 0, sandbox_config)
    try:
        yield server
    finally:
        await server.stop()


def make_client(server: SandboxServer, *, max_attempts: int = 8, **policy: object) -> BigCommerceClient:
    settings = BigCommerceSettings(api_base=server.url, store_hash=server.config.store_hash,
                                   max_attempts=max_attempts)
    governor = RateLimitGovernor(f"test-{next(_counter)}", policy=PacingPolicy(**policy))  # type: ignore[arg-type]
    return BigCommerceClient(settings, governor=governor)


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    async with make_client(sandbox) as c:
        yield c


@pytest.fixture
async def quick(sandbox: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    """A client that gives up after two attempts, so a faulted order fails in well under a second."""
    async with make_client(sandbox, max_attempts=2) as c:
        yield c


@pytest.fixture
async def admin(sandbox: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the sandbox (admin endpoints, raw API calls)."""
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"X-Auth-Token": "sandbox-token"}) as http:
        yield http


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 200, pause: float = 0.02) -> None:
    """Poll until ``check`` is true (bounded); never asserts on elapsed time."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(pause)
    raise AssertionError("condition never became true")


class KafkaPublisher:
    """Publishes to the real broker (as ``streams.platform.publish`` does) and remembers what it sent."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.sent: list[Envelope[Any]] = []

    async def __call__(self, event: Envelope[Any]) -> None:
        await self.producer.send_and_wait(event.TOPIC, key=event.key.encode(), value=encode(event))
        self.sent.append(event)


@pytest.fixture
async def publisher(kafka: KafkaBroker) -> AsyncIterator[KafkaPublisher]:
    await ensure_topics(kafka.bootstrap, PUBLIC_TOPICS, partitions=2, replication=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        yield KafkaPublisher(producer)
    finally:
        await producer.stop()


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(migrated_db)
    try:
        yield p
    finally:
        await p.close()
