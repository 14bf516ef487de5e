"""A UK VAT order placed in the BigCommerce sandbox reaches NetSuite with a tax code and BigCommerce's tax per line.

The whole path: BigCommerce sandbox (tax-inclusive GBP order, 20% / 5% / 0% lines, coupon SAVE10, taxed shipping)
→ the worker's BigCommerce poller → ``bc.orders`` v3 → planner → writer → NetSuite sandbox (suitetax engine).
Lines are custom products (no catalogue product), so they are booked on the custom line item.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from deploy.local.kafka import KafkaBroker
from tests.e2e.orders.test_order_to_cash import sales_orders
from tests.e2e.orders.test_vat_and_currency import CURRENCIES, SHIP_METHODS, charged, tax_per_code
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess
from tests.unit.orders.vat_orders import UK_CODES

D = Decimal


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=f"uk{uuid.uuid4().hex[:8]}", rng_seed=3))
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


async def test_a_bigcommerce_vat_order_is_booked_per_rate(
    kafka: KafkaBroker, bc: SandboxServer, ns: SandboxHandle, worker_env: dict[str, str], tmp_path: Path,
) -> None:
    worker = WorkerProcess(env={
        **worker_env, "O2C_BC_SOURCE_ENABLED": "true", "O2C_BC_API_BASE": bc.url,
        "O2C_BC_STORE_HASH": bc.config.store_hash, "O2C_BC_WEBHOOK_SECRET": "e2e-secret", "O2C_BC_POLL_INTERVAL": "1",
        "O2C_BC_POLL_OVERLAP": "30", "O2C_ORDERS_ENABLED": "true", "O2C_NS_BASE_URL": ns.url,
        "O2C_ORDERS_WRITEBACK_ENABLED": "false", "O2C_ORDERS_TAX_MODE": "suitetax",
        "O2C_ORDERS_TAX_CODES": json.dumps(UK_CODES), "O2C_ORDERS_CURRENCIES": json.dumps(CURRENCIES),
        "O2C_ORDERS_SHIP_METHODS": json.dumps(SHIP_METHODS)}, log_path=tmp_path / "worker.log")
    await asyncio.to_thread(worker.start)
    try:
        address = {"first_name": "Ada", "last_name": "Lovelace", "street_1": "10 Downing St", "city": "London",
                   "zip": "SW1A 2AA", "country": "United Kingdom", "country_iso2": "GB", "phone": "+44 20 7946 0000",
                   "email": "ada@example.co.uk"}
        body = {
            "status_id": 11, "billing_address": address, "is_tax_inclusive_pricing": True, "_sandbox_tax_rate": "20",
            "_sandbox_shipping_tax_rate": "20", "currency_code": "GBP", "default_currency_code": "GBP",
            "store_default_currency_code": "GBP", "customer_message": "Ring twice",
            "products": [
                {"name": "Tee", "sku": "UK-TEE", "quantity": 2, "price_inc_tax": "24.00", "_sandbox_tax_rate": "20"},
                {"name": "Child seat", "sku": "UK-SEAT", "quantity": 1, "price_inc_tax": "10.50",
                 "_sandbox_tax_rate": "5"},
                {"name": "Book", "sku": "UK-BOOK", "quantity": 3, "price_inc_tax": "5.00", "_sandbox_tax_rate": "0"},
            ],
            "shipping_addresses": [{**address, "shipping_method": "Royal Mail Tracked 24", "cost_inc_tax": "6.00"}],
            "_sandbox_coupons": [{"code": "SAVE10", "type": 1, "amount": 10}],
        }
        order = bc.store.create_order(body)
        order_id = int(order["id"])
        external_id = f"BC-SO-{bc.config.store_hash}-{order_id}"

        async def booked() -> bool:  # sync.results carries other tests' order ids too: look in NetSuite itself
            return external_id in await sales_orders(ns.url)

        await eventually(booked, timeout=90, what=f"sales order {external_id}")
        record = (await sales_orders(ns.url))[external_id]
        print("\nUK VAT order from the BigCommerce sandbox, as NetSuite stores it:\n"
              + json.dumps({k: record.get(k) for k in ("currency", "shipMethod", "message", "subtotal", "taxTotal",
                                                        "total", "taxDetails")}, indent=1, default=str))
        assert charged(record) == D(str(order["total_inc_tax"]))
        assert sum(tax_per_code(record).values()) == D(str(order["total_tax"]))
        assert set(tax_per_code(record)) == {"101", "102", "103"}
        assert record["currency"]["id"] == "3" and record["shipMethod"]["id"] == "305"
        assert record["message"] == "Ring twice"
    finally:
        await asyncio.to_thread(worker.kill)
