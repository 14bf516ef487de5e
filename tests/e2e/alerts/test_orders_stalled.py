"""orders_stalled end to end: a flow that quietly stops becomes an exception, and closes when it flows again.

Real broker, PostgreSQL, worker and both sandboxes over HTTP. The worker runs the BigCommerce source (catch-up
poll every second) and the order flow; the alerts are evaluated every second over a 15-second window. Orders are
placed in the BigCommerce sandbox all along; NetSuite's sandbox stops accepting o2c's token (as when someone
revokes the integration's access) — sales orders stop while orders keep arriving, and an
``alert_orders_stalled`` exception for engineering appears; the token is accepted again, new orders become
sales orders, and the exception is auto-resolved.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from state.db import create_pool
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

TOKEN_SECRET = SandboxConfig().token_secret


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=f"al{uuid.uuid4().hex[:8]}", rng_seed=11))
    # order ids of its own: other tests' workers left orders 100, 101… of other stores on the shared bc.orders
    server.store.start_ids_at("order", 10**8 + uuid.uuid4().int % 10**8)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def ns() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=1))
    try:
        yield handle
    finally:
        await handle.stop()


def order_body(n: int) -> dict[str, Any]:
    """A paid US order of one custom line (booked on o2c's custom line item: no catalogue needed)."""
    address = {"first_name": "Grace", "last_name": "Hopper", "street_1": "1 Navy Way", "city": "Arlington",
               "state": "Virginia", "zip": "22202", "country": "United States", "country_iso2": "US",
               "email": f"grace.{n}@example.com"}
    return {"status_id": 11, "billing_address": address,
            "products": [{"name": "Gift card", "sku": "", "quantity": 1, "price_ex_tax": f"{10 + n}.00"}]}


async def set_token(ns: SandboxHandle, secret: str) -> None:
    async with httpx.AsyncClient(base_url=ns.url) as http:
        (await http.post("/__sandbox/config", json={"token_secret": secret})).raise_for_status()


async def test_orders_stalled_is_raised_while_netsuite_refuses_o2c_and_cleared_when_orders_flow_again(
    bc: SandboxServer, ns: SandboxHandle, worker_env: dict[str, str], make_worker: Callable[..., WorkerProcess],
) -> None:
    store_hash = bc.config.store_hash
    worker = await asyncio.to_thread(lambda: make_worker(
        O2C_ORDERS_ENABLED="true", O2C_ORDERS_WRITEBACK_ENABLED="false", O2C_BC_SOURCE_ENABLED="true",
        O2C_BC_API_BASE=bc.url, O2C_BC_STORE_HASH=store_hash, O2C_BC_POLL_INTERVAL="1", O2C_NS_BASE_URL=ns.url,
        O2C_ALERTS_ENABLED="true", O2C_ALERTS_INTERVAL="1", O2C_ALERTS_ORDERS_WINDOW="0.25",
        O2C_ALERTS_ORDERS_MIN="2"))
    pool = await create_pool(worker_env["O2C_DATABASE_URL"])
    placed = 0

    def place() -> int:
        nonlocal placed
        placed += 1
        return int(bc.store.create_order(order_body(placed))["id"])

    async def alert() -> asyncpg.Record | None:
        return await pool.fetchrow("SELECT * FROM exceptions WHERE kind = 'alert_orders_stalled' ORDER BY id DESC "
                                   "LIMIT 1")

    async def keep_placing(until: Callable[[], Any], what: str) -> None:
        async def check() -> bool:
            if await until():
                return True
            place()
            return False
        try:
            await eventually(check, timeout=60, what=what)
        except AssertionError as error:
            raise AssertionError(f"{error}; the worker's log:\n{worker.log_tail(40)}") from None

    try:
        first = place()

        async def synced() -> bool:
            return bool(await pool.fetchval("SELECT synced_at IS NOT NULL FROM order_links WHERE store_hash = $1 "
                                            "AND order_id = $2", store_hash, first))

        await eventually(synced, timeout=60, what="the first order's sales order")
        assert await alert() is None

        await set_token(ns, "revoked-by-an-administrator")

        async def firing() -> bool:
            row = await alert()
            return row is not None and row["status"] == "open"

        await keep_placing(firing, "an alert_orders_stalled exception")
        row = await alert()
        assert row is not None
        assert row["owner"] == "engineering" and row["severity"] == "critical" and row["bc_id"] == store_hash
        assert row["dedupe_key"] == f"alert_orders_stalled:{store_hash}"
        assert "arrived in the last 15 seconds, but no sales order was written to NetSuite" in row["message"]
        assert row["payload"]["runbook"] == "docs/operations.md#alert-orders_stalled"
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"{worker.url}/metrics")).text
        assert 'o2c_alert_active{alert="orders_stalled",owner="engineering"} 1.0' in metrics
        assert "o2c_alert_sample_failures_total{" not in metrics, "a check could not read its samples (lag, hooks…)"

        await set_token(ns, TOKEN_SECRET)

        async def cleared() -> bool:
            now = await pool.fetchrow("SELECT status, resolved_by FROM exceptions WHERE id = $1", row["id"])
            return now is not None and now["status"] == "auto_resolved"

        await keep_placing(cleared, "the alert auto-resolved")
        assert await pool.fetchval("SELECT count(*) FROM exceptions WHERE kind = 'alert_orders_stalled' "
                                   "AND status IN ('open', 'retrying')") == 0
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"{worker.url}/metrics")).text
        assert 'o2c_alert_active{alert="orders_stalled",owner="engineering"} 0.0' in metrics
    finally:
        await pool.close()
