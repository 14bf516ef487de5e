"""A fresh Stripe sandbox per test on a free port, its admin API, and the payout client wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.http import Backoff
from connectors.payments.stripe import StripePayouts, StripeSettings
from connectors.payments.stripe.sandbox import SandboxSettings, StripeSandbox, start_sandbox

API_KEY = "sk_test_sandbox_0123456789abcdef"
WEBHOOK_SECRET = "whsec_sandbox_test"


@pytest.fixture
def stripe_settings() -> SandboxSettings:
    return SandboxSettings(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, webhook_retry_delays_s=(0.05, 0.05, 0.05),
                           seed=1)


@pytest.fixture
async def stripe_sandbox(stripe_settings: SandboxSettings) -> AsyncIterator[StripeSandbox]:
    server = await start_sandbox("127.0.0.1", 0, stripe_settings)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def stripe_admin(stripe_sandbox: StripeSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stripe_sandbox.url}/__sandbox", timeout=60) as http:
        yield http


def payouts_client(sandbox: StripeSandbox, key: str = API_KEY, backoff: Backoff | None = None,
                   **over: Any) -> StripePayouts:
    settings = StripeSettings(api_key=SecretStr(key), api_base=sandbox.url, requests_per_second=100, **over)
    return StripePayouts(settings, backoff=backoff or Backoff(base=0.01, cap=0.05, max_attempts=8))


@pytest.fixture
async def payouts(stripe_sandbox: StripeSandbox) -> AsyncIterator[StripePayouts]:
    async with payouts_client(stripe_sandbox) as client:
        yield client


async def post(admin: httpx.AsyncClient, path: str, body: Any) -> Any:
    response = await admin.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()
