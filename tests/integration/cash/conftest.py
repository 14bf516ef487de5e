"""Fixtures of the money-in writers against the NetSuite sandbox (real HTTP) and the real PostgreSQL.

No Kafka and no worker: a test plays the orders flow itself (it writes the sales order with the client and
saves its ``order_links`` row), builds BigCommerce snapshots and NetSuite fulfilments, and calls
``DepositWriter``, ``InvoiceWriter`` and ``PayoutPoster`` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.http import Backoff
from connectors.netsuite import ConcurrencyGovernor, NetSuiteClient, NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, accounts, start_sandbox
from state import orders as orders_store
from state.db import create_pool
from streams.cash.settings import CashSettings, GatewayAccounts
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcTransaction
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine
from tests.support.orders import snapshot

STORE = "cashit"
CUSTOMER = "101"
SKUS = ("TEE-BLK-M", "TEE-BLK-L", "TEE-WHT-S")
STRIPE = GatewayAccounts(
    clearing=accounts.STRIPE_CLEARING, bank=accounts.OPERATING_BANK,
    fees={"default": accounts.STRIPE_FEES, "dispute:stripe_fee": accounts.DISPUTE_FEES}, refunds=accounts.REFUNDS,
    disputes=accounts.CHARGEBACKS, reserves=accounts.GATEWAY_RESERVES, adjustments=accounts.PAYOUT_ADJUSTMENTS)
PAYPAL = GatewayAccounts(
    clearing=accounts.PAYPAL_CLEARING, bank=accounts.OPERATING_BANK, fees={"default": accounts.PAYPAL_FEES},
    refunds=accounts.REFUNDS, disputes=accounts.CHARGEBACKS, reserves=accounts.GATEWAY_RESERVES,
    adjustments=accounts.PAYOUT_ADJUSTMENTS)


def settings(**changes: Any) -> CashSettings:
    """The money-in settings of a test, every field given (nothing read from the environment)."""
    values: dict[str, Any] = {"enabled": True, "payouts_enabled": True, "invoicing": "o2c",
                              "accounts": {"stripe": STRIPE, "paypal": PAYPAL},
                              "store_credit_account": accounts.STORE_CREDIT_CLEARING,
                              "gift_certificate_account": None}
    return CashSettings(**{**values, **changes})


def order(order_id: int, *lines: tuple[int, str, int], shipping: str = "5.00", **extra: Any) -> BcOrderSnapshot:
    """An untaxed order of ``lines`` (index into :data:`SKUS`, unit price, quantity)."""
    return snapshot(order_id=order_id, store_hash=STORE, email=f"cash{order_id}@example.com",
                    tax_rate=Decimal(0), shipping=Decimal(shipping),
                    lines=[(SKUS[i], Decimal(price), qty, Decimal(0)) for i, price, qty in lines], **extra)


def txn(txn_id: int, event: str, amount: Decimal, reference: str, gateway: str = "stripe",
        status: str = "ok") -> BcTransaction:
    return BcTransaction(id=txn_id, event=event, amount=amount, currency="USD", gateway=gateway,
                         gateway_transaction_id=reference, status=status)


def with_transactions(o: BcOrderSnapshot, *transactions: BcTransaction, **changes: Any) -> BcOrderSnapshot:
    """A later snapshot of the order carrying ``transactions`` (BigCommerce bumps ``date_modified``)."""
    return o.model_copy(update={"transactions": transactions, "date_modified": datetime.now(UTC), **changes})


def d(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass
class Books:
    """What a test drives: the pool, the NetSuite client and the sandbox's admin routes."""

    pool: asyncpg.Pool
    ns: NetSuiteClient
    admin: httpx.AsyncClient
    items: dict[str, str]

    async def records(self, record_type: str) -> list[dict[str, Any]]:
        response = await self.admin.get(f"/__sandbox/records/{record_type}")
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found

    async def by_external_id(self, record_type: str, external_id: str) -> list[dict[str, Any]]:
        return [r for r in await self.records(record_type) if r.get("externalId") == external_id]

    async def sales_order(self, o: BcOrderSnapshot, *, link: bool = True, **header: Any) -> str:
        """Write ``o``'s sales order as the orders flow would (one line per BigCommerce line, its shipping)
        and, with ``link``, save its ``order_links`` row (status synced); returns its internal id."""
        body: dict[str, Any] = {
            "entity": {"id": CUSTOMER}, "location": {"id": "1"}, "currency": {"id": "1"},
            "shippingCost": o.shipping_cost_ex_tax,
            "item": {"items": [{"item": {"id": self.items[x.sku]}, "quantity": x.quantity, "rate": x.price_ex_tax}
                               for x in o.lines]}, **header}
        so = await self.ns.upsert("salesOrder", f"BC-SO-{o.store_hash}-{o.order_id}", body)
        if link:
            await self.link(o, so.id)
        return so.id

    async def link(self, o: BcOrderSnapshot, so_id: str) -> None:
        total = d((await self.ns.get("salesOrder", so_id))["total"])
        await orders_store.save_link(
            self.pool, store_hash=o.store_hash, order_id=o.order_id, external_id=f"BC-SO-{o.store_hash}-{o.order_id}",
            content_hash="test", source_version=o.date_modified, status="synced", bc_total=o.total_inc_tax,
            ns_id=so_id, ns_customer_id=CUSTOMER, ns_total=total, order_created_at=o.date_created)

    async def fulfil(self, so_id: str, order_id: int, quantities: dict[str, int]) -> NsFulfilment:
        """Fulfil ``quantities`` (sales order line → quantity) in NetSuite; the shipped fulfilment o2c reads."""
        sales_order = await self.ns.get("salesOrder", so_id, expand=True)
        goods = [x for x in sales_order["item"]["items"] if x["itemType"]["id"] == "InvtPart"]
        items = [{"orderLine": x["line"], "quantity": quantities[str(x["line"])]} if str(x["line"]) in quantities
                 else {"orderLine": x["line"], "itemReceive": False} for x in goods]
        made = await self.ns.transform("salesOrder", so_id, "itemFulfillment", {"item": {"items": items}})
        record = await self.ns.get("itemFulfillment", made.id)
        by_line = {str(x["line"]): x for x in goods}
        return NsFulfilment(
            ns_id=made.id, tran_id=record.get("tranId", ""), sales_order_ns_id=so_id, bc_order_id=order_id,
            store_hash=STORE, ship_date=date.today(), status="shipped", last_modified=datetime.now(UTC),
            lines=tuple(NsFulfilmentLine(sku=str(by_line[k]["item"].get("refName", "")),
                                         ns_item_id=str(by_line[k]["item"]["id"]), quantity=Decimal(q), order_line=k)
                        for k, q in quantities.items()))

    async def goods_lines(self, so_id: str) -> list[str]:
        sales_order = await self.ns.get("salesOrder", so_id, expand=True)
        return [str(x["line"]) for x in sales_order["item"]["items"] if x["itemType"]["id"] == "InvtPart"]

    async def deposit_rows(self, order_id: int) -> dict[str, asyncpg.Record]:
        rows = await self.pool.fetch("SELECT * FROM cash_deposits WHERE store_hash = $1 AND order_id = $2",
                                     STORE, order_id)
        return {r["n"]: r for r in rows}

    async def exceptions(self, kind: str) -> list[asyncpg.Record]:
        return list(await self.pool.fetch("SELECT * FROM exceptions WHERE kind = $1 ORDER BY id", kind))


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=2))
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def books(sandbox: SandboxHandle, migrated_db: str) -> AsyncIterator[Books]:
    pool = await create_pool(migrated_db)
    client = NetSuiteClient(NetSuiteSettings(base_url=sandbox.url), governor=ConcurrencyGovernor(15),
                            backoff=Backoff(base=0.01, cap=0.05, max_attempts=5))
    try:
        async with client as ns, httpx.AsyncClient(base_url=sandbox.url, timeout=30) as admin:
            items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
            for sku in SKUS:
                (await admin.post("/__sandbox/stock", json={"sku": sku, "location": "1", "quantity": 100})
                 ).raise_for_status()
            yield Books(pool, ns, admin, items)
    finally:
        await pool.close()
