"""Refunds made with BigCommerce's real refund-quote and refund endpoints (the sandbox, over HTTP) reach
NetSuite as the documents of the refund plan, once each, through the real broker and PostgreSQL.

The whole path: BigCommerce sandbox order (paid through Stripe) → the worker's BigCommerce poller →
``bc.orders`` → sales order and deposit; the warehouse fulfils in the NetSuite sandbox → the NetSuite
fulfilment poller → ``ns.fulfilments`` → invoice with the deposit applied; a refund in BigCommerce → the
poller (the order's new version carries the refund) → ``bc.refunds`` → the returns flow.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.bigcommerce.models.payments import Refund
from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from connectors.netsuite import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, accounts, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import BcRefundEvent
from streams.contract.codec import encode
from streams.ingest.bigcommerce_events import refund_event
from tests.support.kafka import produce
from tests.support.netsuite import records
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

D = Decimal
TOKEN = "sandbox-token"
ACCOUNTS = {"stripe": {"clearing": accounts.STRIPE_CLEARING, "bank": accounts.OPERATING_BANK,
                       "fees": {"default": accounts.STRIPE_FEES}, "refunds": accounts.REFUNDS,
                       "disputes": accounts.CHARGEBACKS, "reserves": accounts.GATEWAY_RESERVES,
                       "adjustments": accounts.PAYOUT_ADJUSTMENTS}}
RETURNS_LOCATION = "1"


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=f"rf{uuid.uuid4().hex[:8]}", rng_seed=14, styles=1,
                                                     customers=3))
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


class Store:
    """The test's hands: BigCommerce over its API, NetSuite as the warehouse and as finance reads it."""

    def __init__(self, bc: SandboxServer, ns: SandboxHandle, client: NetSuiteClient, http: httpx.AsyncClient,
                 kafka: KafkaBroker) -> None:
        self.bc, self.ns, self.client, self.http, self.kafka = bc, ns, client, http, kafka
        self.hash = bc.config.store_hash

    def place(self, *quantities: int, guest: bool = False) -> int:
        variants = sorted(self.bc.store.variants.values(), key=lambda v: v["id"])
        customer = 0 if guest else min(self.bc.store.customers)
        address = {"first_name": "Ada", "last_name": "Byron", "street_1": "1 Main St", "city": "Austin",
                   "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
                   "email": f"ada{uuid.uuid4().hex[:6]}@example.com"}
        body = {"customer_id": customer, "status_id": 11, "billing_address": address,
                "shipping_addresses": [{**address, "shipping_method": "Flat Rate", "cost_ex_tax": "5.00",
                                        "cost_inc_tax": "5.00"}],
                "products": [{"product_id": v["product_id"], "variant_id": v["id"], "quantity": q}
                             for v, q in zip(variants, quantities, strict=False)],
                "_sandbox_gateway": "stripe"}
        return int(self.bc.store.create_order(body)["id"])

    async def record(self, record_type: str, external_id: str, timeout: float = 90) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        async def there() -> bool:
            hits = [r for r in await records(self.ns.url, record_type) if r.get("externalId") == external_id]
            assert len(hits) <= 1, f"{len(hits)} {record_type} {external_id}"
            found[:] = hits
            return bool(hits)

        await eventually(there, timeout=timeout, what=f"{record_type} {external_id}")
        return await self.client.get(record_type, found[0]["id"], expand=True)

    async def absent(self, record_type: str, external_id: str) -> bool:
        return not [r for r in await records(self.ns.url, record_type) if r.get("externalId") == external_id]

    async def synced(self, order_id: int) -> dict[str, Any]:
        await self.record("customerDeposit", f"BC-DEP-{self.hash}-{order_id}-1")
        return await self.record("salesOrder", f"BC-SO-{self.hash}-{order_id}")

    async def ship(self, order_id: int, lines: dict[str, int]) -> None:
        """Fulfil ``lines`` (sales-order line → quantity) as the warehouse; wait for the invoice."""
        so = await self.record("salesOrder", f"BC-SO-{self.hash}-{order_id}")
        goods = [x for x in so["item"]["items"] if x["itemType"]["id"] == "InvtPart"]
        items = [{"orderLine": x["line"], "quantity": lines[str(x["line"])]} if str(x["line"]) in lines
                 else {"orderLine": x["line"], "itemReceive": False} for x in goods]
        made = await self.client.transform("salesOrder", so["id"], "itemFulfillment",
                                           {"shipStatus": {"id": "C"}, "item": {"items": items}})
        await self.record("invoice", f"BC-INV-{self.hash}-{order_id}-{made.id}")

    def products(self, order_id: int) -> list[dict[str, Any]]:
        return sorted(self.bc.store.order_products[order_id], key=lambda p: p["id"])

    async def refund(self, order_id: int, items: list[dict[str, Any]], provider: str | None = None,
                     cents_off: bool = False) -> dict[str, Any]:
        """A refund quote, then the refund through its first method (or ``provider``'s), over BigCommerce's API."""
        base = f"{self.bc.url}/stores/{self.hash}/v3/orders/{order_id}/payment_actions"
        quote = await self.http.post(f"{base}/refund_quotes", json={"items": items})
        assert quote.status_code == 201, quote.text
        methods = quote.json()["data"]["refund_methods"]
        method = next((m for m in methods if m[0]["provider_id"] == provider), None) if provider else methods[0]
        if method is None:  # not offered (store credit to a guest): ask anyway, as a person might
            method = [{"provider_id": provider, "amount": quote.json()["data"]["total_refund_amount"],
                       "offline": True}]
        payments = [{"provider_id": m["provider_id"], "offline": m.get("offline", False),
                     "amount": str(D(str(m["amount"])) - (D("0.01") if cents_off else 0))} for m in method]
        response = await self.http.post(f"{base}/refunds", json={"items": items, "payments": payments})
        if response.status_code != 201:
            raise RefusedByBigCommerce(response.status_code, response.text)
        data: dict[str, Any] = response.json()["data"]
        return data

    async def stock(self, sku: str) -> D:
        item = next(r for r in await records(self.ns.url, "inventoryItem") if r.get("itemId") == sku)
        rows = (item.get("locations") or {}).get("items") or []
        return sum((D(str(r["quantityOnHand"])) for r in rows if str(r.get("locationId")) == RETURNS_LOCATION), D(0))


class RefusedByBigCommerce(Exception):
    def __init__(self, status: int, text: str) -> None:
        self.status = status
        super().__init__(f"{status}: {text}")


def line_of(so: dict[str, Any], order_product_id: int) -> str:
    return next(str(x["line"]) for x in so["item"]["items"]
                if str(x.get("custcol_bc_order_product_id")) == str(order_product_id))


def total(record: dict[str, Any]) -> D:
    return D(str(record["total"]))


async def test_every_row_of_the_refund_plan_from_bigcommerce_refunds(
        kafka: KafkaBroker, bc: SandboxServer, ns: SandboxHandle, worker_env: dict[str, str], tmp_path: Path) -> None:
    worker = WorkerProcess(env={
        **worker_env, "O2C_BC_SOURCE_ENABLED": "true", "O2C_BC_API_BASE": bc.url, "O2C_BC_ACCESS_TOKEN": TOKEN,
        "O2C_BC_STORE_HASH": bc.config.store_hash, "O2C_BC_WEBHOOK_SECRET": "e2e-secret",
        "O2C_BC_POLL_INTERVAL": "1", "O2C_BC_POLL_OVERLAP": "30", "O2C_ORDERS_ENABLED": "true",
        "O2C_ORDERS_WRITEBACK_ENABLED": "false", "O2C_NS_BASE_URL": ns.url, "O2C_NS_SOURCE_ENABLED": "true",
        "O2C_NS_ITEMS_POLL_SECONDS": "1", "O2C_NS_FULFILMENTS_POLL_SECONDS": "1", "O2C_NS_STOCK_POLL_SECONDS": "3600",
        "O2C_CASH_ENABLED": "true", "O2C_CASH_ACCOUNTS": json.dumps(ACCOUNTS),
        "O2C_CASH_STORE_CREDIT_ACCOUNT": accounts.STORE_CREDIT_CLEARING, "O2C_CASH_RECONCILE_INTERVAL": "2",
        "O2C_RETURNS_ENABLED": "true", "O2C_RETURNS_RECEIVE_ON_REFUND": "true",
        "O2C_RETURNS_LOCATION_ID": RETURNS_LOCATION, "O2C_RETURNS_INTERVAL": "2"}, log_path=tmp_path / "worker.log")
    await asyncio.to_thread(worker.start)
    clearing = accounts.STRIPE_CLEARING
    async with NetSuiteClient(NetSuiteSettings(base_url=ns.url)) as client, \
            httpx.AsyncClient(timeout=30, headers={"X-Auth-Token": TOKEN}) as http:
        store = Store(bc, ns, client, http, kafka)
        try:
            returned, unshipped, credit, guest, part = (store.place(2, 1), store.place(1, 2), store.place(1),
                                                        store.place(1, guest=True), store.place(1, 1))
            sales_orders = {o: await store.synced(o) for o in (returned, unshipped, credit, guest, part)}
            h = store.hash

            # Row 1-3: shipped units come back (return authorization, receipt into the returns location),
            # credited and refunded from Stripe clearing; two partial refunds seconds apart, each once.
            so = sales_orders[returned]
            first, second = store.products(returned)
            await store.ship(returned, {line_of(so, first["id"]): 2, line_of(so, second["id"]): 1})
            stock_before = await store.stock(first["sku"])
            one = await store.refund(returned, [{"item_type": "PRODUCT", "item_id": first["id"], "quantity": 1}])
            two = await store.refund(returned, [{"item_type": "PRODUCT", "item_id": second["id"], "quantity": 1},
                                                {"item_type": "PRODUCT", "item_id": first["id"], "quantity": 1}])
            # the same refund delivered again (a webhook retried, then the catch-up poll): nothing new
            await produce(kafka.bootstrap, BcRefundEvent.TOPIC, [
                (str(returned).encode(), encode(refund_event(h, Refund.model_validate(one))))])
            for refund in (one, two):
                rid = refund["id"]
                ra = await store.record("returnAuthorization", f"BC-RA-{h}-{rid}")
                await store.record("itemReceipt", f"BC-IR-{h}-{rid}")
                rf = await store.record("customerRefund", f"BC-RF-{h}-{rid}-1")
                cm = await store.record("creditMemo", f"BC-CM-{h}-{rid}")  # read after its refund applied to it
                assert total(cm) == D(str(refund["total_amount"])) == total(rf)
                assert rf["account"]["id"] == clearing and D(str(cm["amountRemaining"])) == 0
                assert ra["createdFrom"]["id"] == so["id"]
            assert await store.stock(first["sku"]) == stock_before + 2
            print(f"\nOrder {returned} with two partial refunds, as NetSuite holds it:")
            for refund in (one, two):
                for kind, prefix in (("returnAuthorization", "RA"), ("itemReceipt", "IR"), ("creditMemo", "CM"),
                                     ("customerRefund", "RF")):
                    eid = f"BC-{prefix}-{h}-{refund['id']}" + ("-1" if prefix == "RF" else "")
                    rec = await store.record(kind, eid)
                    print(f"  {kind:20} {eid:28} total {rec.get('total', '-')!s:>8} status "
                          f"{(rec.get('status') or {}).get('refName', '-')}")

            # Row: a full refund before anything shipped closes the sales order and refunds the deposit.
            items = [{"item_type": "PRODUCT", "item_id": p["id"], "quantity": p["quantity"]}
                     for p in store.products(unshipped)]
            whole = await store.refund(unshipped, items)
            rf = await store.record("customerRefund", f"BC-RF-{h}-{whole['id']}-1")
            assert total(rf) == D(str(whole["total_amount"])) and rf["deposit"]["items"]

            async def closed() -> bool:
                return (await client.get("salesOrder", sales_orders[unshipped]["id"]))["status"]["id"] == "H"

            await eventually(closed, timeout=30, what="the unshipped order's sales order closed")
            assert await store.absent("creditMemo", f"BC-CM-{h}-{whole['id']}")
            assert await store.absent("returnAuthorization", f"BC-RA-{h}-{whole['id']}")

            # Row: a store-credit refund leaves the credit on the customer (no customer refund).
            [product] = store.products(credit)
            await store.ship(credit, {line_of(sales_orders[credit], product["id"]): 1})
            stored = await store.refund(credit, [{"item_type": "PRODUCT", "item_id": product["id"], "quantity": 1}],
                                        provider="storecredit")
            cm = await store.record("creditMemo", f"BC-CM-{h}-{stored['id']}")
            assert D(str(cm["amountRemaining"])) == total(cm) == D(str(stored["total_amount"]))

            # Row: part shipped, all refunded: what shipped comes back, the rest comes off the order.
            so = sales_orders[part]
            sent, kept = store.products(part)
            await store.ship(part, {line_of(so, sent["id"]): 1})
            mixed = await store.refund(part, [{"item_type": "PRODUCT", "item_id": p["id"], "quantity": 1}
                                              for p in (sent, kept)])
            rf = await store.record("customerRefund", f"BC-RF-{h}-{mixed['id']}-1")
            cm = await store.record("creditMemo", f"BC-CM-{h}-{mixed['id']}")
            assert total(rf) == D(str(mixed["total_amount"])) and total(cm) < total(rf)
            so_after = await client.get("salesOrder", so["id"], expand=True)
            assert next(x for x in so_after["item"]["items"]
                        if str(x["line"]) == line_of(so, kept["id"])).get("isClosed") is True

            # Bad input BigCommerce refuses: nothing reaches NetSuite.
            [product] = store.products(guest)
            with pytest.raises(RefusedByBigCommerce) as guest_credit:
                await store.refund(guest, [{"item_type": "PRODUCT", "item_id": product["id"], "quantity": 1}],
                                   provider="storecredit")
            assert guest_credit.value.status == 422
            with pytest.raises(RefusedByBigCommerce) as cent:
                await store.refund(guest, [{"item_type": "PRODUCT", "item_id": product["id"], "quantity": 1}],
                                   cents_off=True)
            assert cent.value.status == 422
            await asyncio.sleep(3)
            for kind in ("creditMemo", "customerRefund", "returnAuthorization"):
                assert not [r for r in await records(ns.url, kind) if f"order #{guest}" in str(r.get("memo"))]

            # Exactly once overall: no externalId twice in any returns record type.
            for kind in ("returnAuthorization", "itemReceipt", "creditMemo", "customerRefund"):
                ids = [r["externalId"] for r in await records(ns.url, kind) if r.get("externalId")]
                assert len(ids) == len(set(ids)), f"a {kind} written twice"
        finally:
            await asyncio.to_thread(worker.stop)

