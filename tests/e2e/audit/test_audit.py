"""The audit end to end: both sandboxes over HTTP and a real PostgreSQL, built consistent by hand (as o2c would
have left them), audited clean, then drifted once in every way the audit knows and audited again."""

from __future__ import annotations

import argparse
import csv
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.models import InventoryAdjustment, PriceRecordUpsert, ShipmentCreate, ShipmentItemCreate
from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from state.db import create_pool
from streams.audit.checks import Context
from streams.audit.cli import audit_command
from streams.audit.runner import run_audit
from streams.inventory.settings import InventorySettings
from streams.orders.settings import OrderSettings
from streams.platform.settings import Settings
from streams.prices.settings import PricesSettings
from tests.support.netsuite import insert_item, records

D = Decimal


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=f"au{uuid.uuid4().hex[:8]}", rng_seed=3, styles=1,
                                                     customers=0, inventory_delay_ms=0))
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


class World:
    """Both systems as o2c would have left them, and the hands that drift them."""

    def __init__(self, bc: SandboxServer, ns: SandboxHandle, bcc: BigCommerceClient, nsc: NetSuiteClient,
                 http: httpx.AsyncClient) -> None:
        self.bc, self.ns, self.bcc, self.nsc, self.http = bc, ns, bcc, nsc, http
        self.hash = bc.config.store_hash

    async def ns_records(self, record_type: str) -> list[dict[str, Any]]:
        return await records(self.ns.url, record_type)

    async def item_id(self, sku: str) -> str:
        return str(next(r["id"] for r in await self.ns_records("inventoryItem") if r.get("itemId") == sku))

    def variants(self) -> list[dict[str, Any]]:
        return sorted(self.bc.store.variants.values(), key=lambda v: v["id"])

    def place(self, index: int) -> int:
        v = self.variants()[index]
        address = {"first_name": "Jane", "last_name": "Doe", "street_1": "1 Main St", "city": "Austin",
                   "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
                   "email": "jane.doe@example.com"}
        body = {"customer_id": 0, "status_id": 11, "billing_address": address,
                "shipping_addresses": [{**address, "shipping_method": "Flat Rate", "cost_ex_tax": "5.00",
                                        "cost_inc_tax": "5.00"}],
                "products": [{"product_id": v["product_id"], "variant_id": v["id"], "quantity": 1}],
                "_sandbox_gateway": "stripe"}
        return int(self.bc.store.create_order(body)["id"])

    async def book(self, order_id: int, customer: str) -> str:
        """The sales order o2c would have written: what was charged, on the order's SKU."""
        order = await self.bcc.get_order(order_id)
        sku = self.bc.store.order_products[order_id][0]["sku"]
        made = await self.nsc.upsert("salesOrder", f"BC-SO-{self.hash}-{order_id}", {
            "entity": {"id": customer}, "custbody_bc_order_id": str(order_id), "custbody_bc_store_hash": self.hash,
            "location": {"id": "1"}, "item": {"items": [{"item": {"id": await self.item_id(sku)}, "quantity": 1,
                                                          "rate": order.total_inc_tax,
                                                          "amount": order.total_inc_tax}]}})
        return made.id

    async def fulfil(self, so_id: str) -> str:
        so = await self.nsc.get("salesOrder", so_id, expand=True)
        line = so["item"]["items"][0]["line"]
        made = await self.nsc.transform("salesOrder", so_id, "itemFulfillment", {
            "shipStatus": {"id": "C"}, "item": {"items": [{"orderLine": line, "quantity": 1}]}})
        return made.id

    async def ship(self, order_id: int, fulfilment_id: str) -> None:
        product = self.bc.store.order_products[order_id][0]
        await self.bcc.create_shipment(order_id, ShipmentCreate(
            order_address_id=product["order_address_id"], tracking_number="1Z999",
            items=[ShipmentItemCreate(order_product_id=product["id"], quantity=1)],
            comments=f"NetSuite fulfilment (o2c:{fulfilment_id}:1)"))

    async def refund(self, order_id: int) -> dict[str, Any]:
        product = self.bc.store.order_products[order_id][0]
        base = f"{self.bc.url}/stores/{self.hash}/v3/orders/{order_id}/payment_actions"
        items = [{"item_type": "PRODUCT", "item_id": product["id"], "quantity": 1}]
        quote = await self.http.post(f"{base}/refund_quotes", json={"items": items})
        assert quote.status_code == 201, quote.text
        method = quote.json()["data"]["refund_methods"][0]
        payments = [{"provider_id": m["provider_id"], "amount": str(m["amount"]), "offline": m.get("offline", False)}
                    for m in method]
        response = await self.http.post(f"{base}/refunds", json={"items": items, "payments": payments})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def credit(self, refund: dict[str, Any], customer: str, sku: str) -> None:
        amount = D(str(refund["total_amount"]))
        await self.nsc.upsert("creditMemo", f"BC-CM-{self.hash}-{refund['id']}", {
            "entity": {"id": customer}, "item": {"items": [{"item": {"id": await self.item_id(sku)}, "quantity": 1,
                                                             "rate": amount, "amount": amount}]}})

    async def align_stock(self) -> None:
        """What the inventory flow keeps: BigCommerce location 1 = NetSuite's available at locations 1 and 2."""
        wanted: dict[str, Decimal] = {}
        async for row in self.nsc.suiteql("SELECT i.itemid sku, a.location, a.quantityavailable FROM "
                                          "aggregateitemlocation a JOIN item i ON i.id = a.item"):
            if str(row["location"]) in ("1", "2"):
                wanted[row["sku"]] = wanted.get(row["sku"], D(0)) + D(str(row.get("quantityavailable") or 0))
        by_sku = {v["sku"]: v["id"] for v in self.variants()}
        await self.bcc.adjust_inventory_absolute([
            InventoryAdjustment(location_id=1, variant_id=by_sku[sku], quantity=max(0, int(q)))
            for sku, q in sorted(wanted.items()) if sku in by_sku])

    async def wholesale(self) -> dict[str, Decimal]:
        """NetSuite's Wholesale (level 2) price of each child item."""
        out = {}
        for item in await self.ns_records("inventoryItem"):
            for row in (item.get("price") or {}).get("items") or []:
                if str((row.get("priceLevel") or {}).get("id")) == "2":
                    out[item["itemId"]] = D(str(row["price"]))
        return out


async def audit(world: World, pool: Any) -> list[tuple[str, str, str | None, str | None]]:
    ctx = Context(world.bcc, world.nsc, pool, world.hash, datetime.now(UTC) - timedelta(days=1),
                  world.nsc.settings, OrderSettings(), InventorySettings(locations=("1", "2")),
                  PricesSettings(levels={"2": "Wholesale"}))
    result = await run_audit(ctx, trigger="cli")
    assert not result.errors, result.errors
    assert set(result.compared) == {"orders", "customers", "items", "stock", "shipments", "refunds", "prices",
                                    "payouts"} and all(result.compared.values()), result.compared
    return sorted((f.check_name, f.kind, f.bc_id, f.ns_id) for f in result.findings)


async def test_a_consistent_pair_is_clean_and_every_drift_is_found(
        bc: SandboxServer, ns: SandboxHandle, migrated_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pool = await create_pool(migrated_db)
    try:
        await scenario(bc, ns, pool, migrated_db, monkeypatch, tmp_path, capsys)
    finally:
        await pool.close()


async def scenario(bc: SandboxServer, ns: SandboxHandle, pool: Any, migrated_db: str, monkeypatch: pytest.MonkeyPatch,
                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bc_settings = BigCommerceSettings(api_base=bc.url, store_hash=bc.config.store_hash)
    governor = RateLimitGovernor(f"au-{uuid.uuid4().hex[:6]}", policy=PacingPolicy())
    async with BigCommerceClient(bc_settings, governor=governor) as bcc, \
            NetSuiteClient(NetSuiteSettings(base_url=ns.url)) as nsc, \
            httpx.AsyncClient(timeout=30, headers={"X-Auth-Token": bc.config.access_token}) as http:
        w = World(bc, ns, bcc, nsc, http)
        # -- consistent: customers, four booked orders (one shipped, one refunded and credited), prices, a payout
        customers = await w.ns_records("customer")
        emails = sorted({c["email"].lower() for c in customers if not c.get("isInactive")})
        await http.post(f"{bc.url}/__sandbox/seed/customers", json={"customers": [{"email": e} for e in emails]})
        jane = str(next(c["id"] for c in customers if c["email"] == "jane.doe@example.com"))
        orders = [w.place(i) for i in range(4)]
        sales = {o: await w.book(o, jane) for o in orders}
        await w.ship(orders[0], await w.fulfil(sales[orders[0]]))
        refund = await w.refund(orders[1])
        await w.credit(refund, jane, bc.store.order_products[orders[1]][0]["sku"])
        seeded_list = await bcc.price_list_by_name("Wholesale")
        if seeded_list is not None:  # the sandbox's demo list: start from an empty one
            await bcc.delete_price_list(seeded_list.id)
        listed = await bcc.create_price_list("Wholesale")
        prices = await w.wholesale()
        by_sku = {v["sku"]: v for v in w.variants()}
        await bcc.upsert_price_records(listed.id, [PriceRecordUpsert(sku=s, currency="usd", price=p)
                                                   for s, p in sorted(prices.items()) if s in by_sku])
        journal = await http.post(f"{ns.url}/__sandbox/records/journalEntry",
                                  json={"externalId": "PAYOUT-JE-stripe-po_ok", "tranDate": date.today().isoformat()})
        assert journal.status_code == 201, journal.text
        await pool.execute(
            """INSERT INTO payouts (gateway, payout_id, status, amount, currency, arrival_date, created, result,
                                   residual, je_status, je_external_id, je_ns_id)
               VALUES ('stripe', $1, 'paid', 100, 'usd', current_date, now(), $2, $3, $4, $5, $6)""",
            "po_ok", "reconciled", D(0), "posted", "PAYOUT-JE-stripe-po_ok", str(journal.json()["id"]))
        await w.align_stock()

        assert await audit(w, pool) == []

        # -- drift, once in every way
        await nsc.delete("salesOrder", sales[orders[2]])
        so = await nsc.get("salesOrder", sales[orders[3]], expand=True)
        line = so["item"]["items"][0]
        charged = D(str(line["amount"]))
        await nsc.patch("salesOrder", sales[orders[3]], {"item": {"items": [
            {"line": line["line"], "rate": charged - 1, "amount": charged - 1}]}})
        twin = await http.post(f"{ns.url}/__sandbox/records/customer", json={
            "entityId": "Jane Doe (twin)", "email": "JANE.DOE@example.com", "subsidiary": {"id": "1"}})
        seeded = await http.post(f"{bc.url}/__sandbox/seed/products",
                                 json={"prefix": "ZZ", "products": 1, "variants": 1, "skus": ["ZZ-NOT-IN-NS"]})
        assert seeded.status_code == 200, seeded.text
        stray = next(v for v in w.variants() if v["sku"] == "ZZ-NOT-IN-NS")
        lonely = await insert_item(ns.url, "NS-ONLY-1")
        unshipped = await w.fulfil(sales[orders[3]])
        uncredited = await w.refund(orders[0])
        first = sorted(prices)[0]
        await bcc.upsert_price_records(listed.id, [PriceRecordUpsert(sku=first, currency="usd",
                                                                     price=prices[first] + 1)])
        await pool.execute(
            """INSERT INTO payouts (gateway, payout_id, status, amount, currency, arrival_date, created, result,
                                   residual, detail)
               VALUES ('stripe', 'po_bad', 'paid', 50, 'usd', current_date, now(), 'mismatch', 5,
                       'order 9 undeposited')""")
        await w.align_stock()
        counted = sorted(by_sku)[1]
        items = [i async for i in bcc.list_inventory_items(variant_ids=[by_sku[counted]["id"]])]
        shown = items[0].onhand(1)
        await bcc.adjust_inventory_absolute([InventoryAdjustment(location_id=1, variant_id=by_sku[counted]["id"],
                                                                 quantity=shown + 3)])

        found = await audit(w, pool)
        assert found == sorted([
            ("customers", "duplicate_customer", None, f"{jane},{twin.json()['id']}"),
            ("items", "item_without_variant", None, str(lonely["id"])),
            ("items", "variant_without_item", str(stray["id"]), None),
            ("orders", "order_without_sales_order", str(orders[2]), None),
            ("orders", "total_differs", str(orders[3]), sales[orders[3]]),
            ("payouts", "payout_unreconciled", "stripe:po_bad", None),
            ("prices", "price_differs", first, "2"),
            ("refunds", "refund_without_credit", str(uncredited["id"]), None),
            ("shipments", "fulfilment_without_shipment", str(orders[3]), unshipped),
            ("stock", "stock_differs", str(by_sku[counted]["id"]), await w.item_id(counted)),
        ])

    # -- the command line: prints the findings with counts per check and the run id, writes CSV, exit code 0
    for name, value in {"O2C_BC_API_BASE": bc.url, "O2C_BC_STORE_HASH": bc.config.store_hash,
                        "O2C_NS_BASE_URL": ns.url, "O2C_DATABASE_URL": migrated_db,
                        "O2C_PRICES_LEVELS": '{"2": "Wholesale"}'}.items():
        monkeypatch.setenv(name, value)
    assert await audit_command(Settings(), argparse.Namespace(checks=[], since="1d", format="text",
                                                              output=None)) == 0
    text = capsys.readouterr().out
    print(text)
    assert "10 finding(s)" in text and "orders     2 finding(s)" in text and "[order_without_sales_order]" in text
    out = tmp_path / "audit.csv"
    assert await audit_command(Settings(), argparse.Namespace(checks=["orders", "payouts"], since="1d",
                                                              format="csv", output=out)) == 0
    rows = list(csv.DictReader(out.open()))
    assert sorted(r["kind"] for r in rows) == ["order_without_sales_order", "payout_unreconciled", "total_differs"]
    runs = await pool.fetch("SELECT trigger, status, findings FROM audit_runs ORDER BY id")
    assert [(r["trigger"], r["status"], r["findings"]) for r in runs][-2:] == [("cli", "done", 10), ("cli", "done", 3)]
