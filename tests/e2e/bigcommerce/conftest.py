"""A sandbox in the test's loop and a real ``o2c worker`` subprocess running the BigCommerce source.

The worker's webhook port is chosen before it starts, so its public webhook URL
(``O2C_BC_WEBHOOK_DESTINATION``) can point at its own ``/webhooks/bigcommerce``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer, start_sandbox
from tests.support.worker import WorkerProcess

SECRET = "e2e-webhook-secret"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    config = SandboxConfig(store_hash=f"e2e{uuid.uuid4().hex[:8]}", rng_seed=3, webhook_retry_delays_s=(0.2, 0.5),
                           inventory_delay_ms=20)
    server = await start_sandbox("127.0.0.1", 0, config)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash)
    governor = RateLimitGovernor(f"e2e-{uuid.uuid4().hex[:6]}", policy=PacingPolicy())
    async with BigCommerceClient(settings, governor=governor) as c:
        yield c


@pytest.fixture
async def source_worker(
    worker_env: dict[str, str], sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[WorkerProcess]]]:
    """Start a worker with the source enabled against ``sandbox``; ``hooks=False`` leaves out the destination."""
    started: list[WorkerProcess] = []

    async def start(*, hooks: bool = True, **overrides: str) -> WorkerProcess:
        worker = WorkerProcess(env={}, log_path=tmp_path / f"worker-{len(started)}.log")
        env: dict[str, Any] = {
            **worker_env,
            "O2C_BC_SOURCE_ENABLED": "true",
            "O2C_BC_API_BASE": sandbox.url,
            "O2C_BC_STORE_HASH": sandbox.config.store_hash,
            "O2C_BC_WEBHOOK_SECRET": SECRET,
            "O2C_BC_POLL_INTERVAL": "2",
            "O2C_BC_POLL_OVERLAP": "30",
            "O2C_BC_HOOK_CHECK_INTERVAL": "2",
        }
        if hooks:
            env["O2C_BC_WEBHOOK_DESTINATION"] = f"{worker.webhook_url}/webhooks/bigcommerce"
        worker.env = {**env, **overrides}
        started.append(worker)
        # start() blocks while it waits for /readyz: keep this loop (and the sandbox in it) serving
        return await asyncio.to_thread(worker.start)

    yield start
    for worker in started:
        await asyncio.to_thread(worker.kill)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 90.0, pause: float = 0.25) -> None:
    """Wait until ``check`` holds (bounded generously; never an assertion on how long it took)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(pause)
    raise AssertionError("condition never became true")
