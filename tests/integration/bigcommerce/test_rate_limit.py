"""The governor against the sandbox's real windowed quota."""

import asyncio

import httpx
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig
from connectors.http import Backoff

from .conftest import make_client


@pytest.fixture
def sandbox_config():
    return SandboxConfig(quota=20, window_ms=500, rng_seed=1)


async def _stats(admin):
    return (await admin.get("/__sandbox/state/stats")).json()


async def test_every_response_has_quota_headers(admin, sandbox):
    resp = await admin.get(f"/stores/{sandbox.config.store_hash}/v2/order_statuses")
    assert resp.headers["X-Rate-Limit-Requests-Quota"] == "20"
    assert resp.headers["X-Rate-Limit-Time-Window-Ms"] == "500"
    assert 0 < int(resp.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 500
    assert int(resp.headers["X-Rate-Limit-Requests-Left"]) == 19


async def test_429_is_waited_out_and_request_succeeds(sandbox, admin):
    url = f"/stores/{sandbox.config.store_hash}/v2/order_statuses"
    await admin.post("/__sandbox/state/stats/reset")
    # another app on the same store spends the whole quota behind our back
    for _ in range(20):
        assert (await admin.get(url)).status_code == 200
    limited = await admin.get(url)
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert "X-Retry-After" in limited.headers
    async with make_client(sandbox) as client:
        statuses = await client.order_statuses()
    assert len(statuses) == 15
    assert (await _stats(admin))["rate_limited"] >= 2


async def test_429_without_headers_is_retried_with_backoff(sandbox, admin):
    await admin.post("/__sandbox/config", json={"rate_limit_headers_on_429": False})
    url = f"/stores/{sandbox.config.store_hash}/v2/order_statuses"
    await admin.post("/__sandbox/state/stats/reset")
    for _ in range(20):
        await admin.get(url)
    bare = await admin.get(url)
    assert bare.status_code == 429 and "X-Rate-Limit-Requests-Left" not in bare.headers
    async with make_client(sandbox, backoff=Backoff(base=0.2, cap=0.6)) as client:
        assert len(await client.order_statuses()) == 15


async def test_governor_never_exceeds_quota_under_50_coroutines(sandbox, admin):
    await admin.post("/__sandbox/state/stats/reset")
    async with make_client(sandbox) as client:

        async def worker():
            for _ in range(2):
                await client.order_statuses()

        await asyncio.gather(*(worker() for _ in range(50)))
    stats = await _stats(admin)
    assert stats["requests"] == 100
    assert stats["rate_limited"] == 0


async def test_without_governor_the_same_load_gets_429s(sandbox, admin):
    """Control experiment: the sandbox does enforce the quota."""
    await admin.post("/__sandbox/state/stats/reset")
    url = f"/stores/{sandbox.config.store_hash}/v2/order_statuses"
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"X-Auth-Token": "sandbox-token"}) as raw:
        codes = await asyncio.gather(*(raw.get(url) for _ in range(50)))
    assert any(r.status_code == 429 for r in codes)
    assert (await _stats(admin))["rate_limited"] > 0


async def test_quota_exempt_endpoint_is_served_and_counted_but_not_charged(sandbox, admin):
    """Storefront checkouts (a benchmark's order generator) do not spend the store's API quota."""
    base = f"/stores/{sandbox.config.store_hash}"
    resp = await admin.post("/__sandbox/config", json={"quota_exempt": ["GET /v2/order_statuses"]})
    assert resp.json()["quota_exempt"] == ["GET /v2/order_statuses"]
    await admin.post("/__sandbox/state/stats/reset")
    for _ in range(25):  # more than the quota of 20
        exempt = await admin.get(f"{base}/v2/order_statuses")
        assert exempt.status_code == 200
        assert exempt.headers["X-Rate-Limit-Requests-Left"] == "20"
    charged = await admin.get(f"{base}/v2/orders/count")
    assert charged.status_code == 200
    assert charged.headers["X-Rate-Limit-Requests-Left"] == "19"
    stats = await _stats(admin)
    assert stats["by_endpoint"]["GET /v2/order_statuses"] == 25
    assert stats["rate_limited"] == 0
