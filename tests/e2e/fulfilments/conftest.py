"""Fixtures of the fulfilment e2e tests: a BigCommerce sandbox in the test's loop and a client of it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer, start_sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = await start_sandbox("127.0.0.1", 0, SandboxConfig(store_hash=f"ful{uuid.uuid4().hex[:8]}", rng_seed=5))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash)
    async with BigCommerceClient(
        settings, governor=RateLimitGovernor(f"e2e-{uuid.uuid4().hex[:6]}", policy=PacingPolicy())
    ) as c:
        yield c
