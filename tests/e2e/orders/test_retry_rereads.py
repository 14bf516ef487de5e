"""An operator's retry of a held order reads the order again from BigCommerce (not the stored snapshot).

Real broker, PostgreSQL, worker, and the BigCommerce and NetSuite sandboxes over HTTP. The worker runs
without the BigCommerce source, so the only way it can see the order's correction is the retry's re-read.
A EUR order is held (``currency_unmapped``); a retry while it is still unmapped goes back to ``open`` with
``last_retry_note``; the order's message is then corrected in BigCommerce and the mapping added, and the
next retry books the sales order with the corrected message; the exception is resolved only once NetSuite
wrote it (its note names the sales order).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from deploy.local.kafka import KafkaBroker
from state.db import create_pool
from streams.ingest.bigcommerce_reread import read_order
from streams.platform import exception_actions
from tests.e2e.orders.test_order_to_cash import order_message, sales_orders
from tests.e2e.orders.test_vat_and_currency import SHIP_METHODS, charged
from tests.support.kafka import produce
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess
from tests.unit.orders.vat_orders import UK_CODES

D = Decimal


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=f"rt{uuid.uuid4().hex[:8]}", rng_seed=5))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def ns() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=1, tax_engine="suitetax"))
    try:
        yield handle
    finally:
        await handle.stop()


def eur_order_body() -> dict[str, Any]:
    address = {"first_name": "Ada", "last_name": "Lovelace", "street_1": "10 Downing St", "city": "London",
               "zip": "SW1A 2AA", "country": "United Kingdom", "country_iso2": "GB", "phone": "+44 20 7946 0000",
               "email": "ada@example.co.uk"}
    return {
        "status_id": 11, "billing_address": address, "is_tax_inclusive_pricing": True, "_sandbox_tax_rate": "20",
        "_sandbox_shipping_tax_rate": "20", "currency_code": "EUR", "default_currency_code": "EUR",
        "store_default_currency_code": "USD", "currency_exchange_rate": "0.92", "customer_message": "Ring twice",
        "products": [{"name": "Tee", "sku": "RT-TEE", "quantity": 2, "price_inc_tax": "24.00",
                      "_sandbox_tax_rate": "20"}],
        "shipping_addresses": [{**address, "shipping_method": "Royal Mail Tracked 24", "cost_inc_tax": "6.00"}],
    }


async def test_a_retried_hold_books_the_order_as_bigcommerce_holds_it_now(
    kafka: KafkaBroker, bc: SandboxServer, ns: SandboxHandle, worker_env: dict[str, str],
    make_worker: Callable[..., WorkerProcess],
) -> None:
    store_hash = bc.config.store_hash
    env = {"O2C_ORDERS_ENABLED": "true", "O2C_BC_API_BASE": bc.url, "O2C_BC_STORE_HASH": store_hash,
           "O2C_NS_BASE_URL": ns.url, "O2C_ORDERS_WRITEBACK_ENABLED": "false", "O2C_ORDERS_TAX_MODE": "suitetax",
           "O2C_ORDERS_TAX_CODES": json.dumps(UK_CODES), "O2C_ORDERS_SHIP_METHODS": json.dumps(SHIP_METHODS)}
    without_eur = await asyncio.to_thread(lambda: make_worker(
        **env, O2C_ORDERS_CURRENCIES=json.dumps({"USD": "1", "GBP": "3"})))
    # an order id of its own: the worker reads bc.orders from the start, where other tests' workers left orders
    # 100, 101… of other stores, whose later success would close this order's exception (keyed by order id)
    bc.store.start_ids_at("order", 10**8 + uuid.uuid4().int % 10**8)
    order_id = int(bc.store.create_order(eur_order_body())["id"])
    external_id = f"BC-SO-{store_hash}-{order_id}"
    settings = BigCommerceSettings(api_base=bc.url, store_hash=store_hash)
    async with BigCommerceClient(settings, governor=RateLimitGovernor(f"rt-{uuid.uuid4().hex[:6]}",
                                                                      policy=PacingPolicy())) as client:
        first = await read_order(client, store_hash, order_id)  # what the BigCommerce source would publish
    await produce(kafka.bootstrap, "bc.orders", [order_message(first)])

    pool = await create_pool(worker_env["O2C_DATABASE_URL"])
    try:
        async def exception() -> asyncpg.Record | None:
            return await pool.fetchrow("SELECT * FROM exceptions WHERE kind = 'currency_unmapped' AND bc_id = $1",
                                       str(order_id))

        async def held() -> bool:
            return await exception() is not None

        await eventually(held, timeout=90, what="a currency_unmapped exception")
        row = await exception()
        assert row is not None
        exception_id = row["id"]

        # still unmapped: the retry reads the order again, is held again → open, with the reason as its note
        result = await exception_actions.retry(pool, exception_id, actor="e2e", role="operator", source="page")
        assert result.ok, result.message

        async def reopened() -> bool:
            now = await exception()
            return now is not None and now["status"] == "open" and now["last_retry_note"] is not None

        try:
            await eventually(reopened, timeout=120, what="the failed retry back to open")
        except AssertionError as error:
            raise AssertionError(f"{error}; the exception now: {dict(await exception() or {})}; the worker's log:\n"
                                 f"{without_eur.log_tail(30)}") from None
        row = await exception()
        assert row is not None
        assert row["occurrences"] == 2 and row["retries"] == 1 and "EUR" in row["last_retry_note"]
        await asyncio.to_thread(without_eur.stop)

        # corrected in BigCommerce (nobody publishes it: no source runs) and the currency mapped
        bc.store.update_order(order_id, {"customer_message": "Leave with the neighbour"})
        await asyncio.to_thread(lambda: make_worker(
            **env, O2C_ORDERS_CURRENCIES=json.dumps({"USD": "1", "EUR": "2", "GBP": "3"})))
        result = await exception_actions.retry(pool, exception_id, actor="e2e", role="operator", source="page")
        assert result.ok, result.message

        async def settled() -> bool:
            now = await exception()
            if now is None or now["status"] == "retrying":
                return False
            assert external_id in await sales_orders(ns.url), "settled before the sales order was written"
            return True

        await eventually(settled, timeout=90, what="the retried exception settled")
        row = await exception()
        assert row is not None
        assert row["status"] == "resolved" and row["resolution_note"].startswith("retried: sales order ")
    finally:
        await pool.close()
    record = (await sales_orders(ns.url))[external_id]
    assert record["message"] == "Leave with the neighbour"  # the order as BigCommerce holds it now
    assert record["currency"]["id"] == "2" and D(str(record["exchangeRate"])) == D("1.08695652")
    assert charged(record) == first.total_inc_tax
