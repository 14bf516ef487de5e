"""Injected 5xx faults: idempotent calls are retried through them, non-idempotent POSTs are not."""

import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, RateLimitGovernor
from connectors.http import Backoff, RetryableError

from .helpers import address


def fast_client(sandbox, name):
    settings = BigCommerceSettings(api_base=sandbox.url)
    return BigCommerceClient(
        settings, governor=RateLimitGovernor(name), backoff=Backoff(base=0.01, cap=0.05, max_attempts=30)
    )


async def test_reads_survive_5xx(sandbox, admin):
    await admin.post("/__sandbox/config", json={"error_5xx_rate": 0.5})
    async with fast_client(sandbox, "faults-read") as client:
        for _ in range(10):
            assert len(await client.order_statuses()) == 15
    assert (await admin.get("/__sandbox/state/stats")).json()["faults_5xx"] > 0


async def test_create_order_is_not_blindly_resent(sandbox, admin):
    await admin.post("/__sandbox/config", json={"error_5xx_rate": 1.0})
    async with fast_client(sandbox, "faults-post") as client:
        with pytest.raises(RetryableError):
            await client.create_order(
                {"billing_address": address(), "products": [{"name": "X", "quantity": 1, "price_ex_tax": "1.00"}]}
            )
    assert (await admin.get("/__sandbox/state/orders")).json() == []
