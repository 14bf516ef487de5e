"""Fixtures: a NetSuite sandbox on a free port (real HTTP) and a client configured for it."""

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.http import Backoff
from connectors.netsuite import ConcurrencyGovernor, NetSuiteClient, NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=2))
    try:
        yield handle
    finally:
        await handle.stop()


def fast_backoff(attempts: int = 10) -> Backoff:
    return Backoff(base=0.01, cap=0.05, max_attempts=attempts)


def make_client(sandbox: SandboxHandle, *, limit: int = 15, attempts: int = 10, **settings) -> NetSuiteClient:
    return NetSuiteClient(
        NetSuiteSettings(base_url=sandbox.url, **settings),
        governor=ConcurrencyGovernor(limit, increase_interval=0.05),
        backoff=fast_backoff(attempts),
    )


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[NetSuiteClient]:
    async with make_client(sandbox) as c:
        yield c


@pytest.fixture
async def admin(sandbox: SandboxHandle) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        yield http
