"""Price tables (``ns.prices`` v2) and customers (``ns.customers``) from the change source: the sandbox over
real HTTP (its ``/__sandbox/pricing`` routes play the pricing manager) and real PostgreSQL.

A "restart" is a new ``NetSuiteSource`` on the same database: everything it knows comes from there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.netsuite.changes import ItemPricingChange
from connectors.netsuite.sandbox import SandboxHandle
from connectors.netsuite.source import NetSuiteSource
from state import cursors
from state.db import create_pool
from streams.contract import NsCustomerEvent, NsPriceEvent
from streams.ingest.netsuite_events import publishing
from tests.integration.netsuite.conftest import make_client
from tests.integration.netsuite.test_source import Collector, assert_no_duplicates

ACCOUNT = "1234567_SB1"


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(migrated_db, max_size=8)
    try:
        yield p
    finally:
        await p.close()


class Polls:
    """Polls of one kind through a source that can be restarted, each answering the events it produced."""

    def __init__(self, sandbox: SandboxHandle, pool: asyncpg.Pool, kind: str) -> None:
        self.sandbox, self.pool, self.kind = sandbox, pool, kind
        self.out = Collector()
        self.unfit: list[tuple[str, str]] = []

    async def __call__(self) -> list[Any]:
        before, set_aside = len(self.out.events), len(self.unfit)

        async def unfit(change: ItemPricingChange, reason: str) -> None:
            self.unfit.append((change.sku, reason))

        client = make_client(self.sandbox, overlap_seconds=120, initial_lookback_seconds=60)
        async with client:
            result = await NetSuiteSource(client, self.pool, publishing(self.out, unfit)).poll(self.kind)
        assert result is not None
        new = self.out.events[before:]
        assert result.published == len(new) + len(self.unfit) - set_aside
        return new


def table(event: NsPriceEvent) -> set[tuple[str, str, str, Decimal, Decimal]]:
    return {(r.price_level_id, r.price_level_name, r.currency, r.min_quantity, r.price) for r in event.payload.prices}


async def post(admin: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = await admin.post(f"/__sandbox/pricing/{path}", json=body)
    assert response.status_code == status, response.text
    return response.json()


async def set_table(admin: httpx.AsyncClient, sku: str, rows: list[tuple[str, str, int, str]]) -> None:
    await post(admin, "item", {"sku": sku, "prices": [
        {"level": level, "currency": currency, "quantity": quantity, "price": price}
        for level, currency, quantity, price in rows]})


async def test_each_items_whole_price_table_is_handed_on_when_it_changes(sandbox, admin, pool):
    # An account that published version 1 (its cursor is recent): version 2 reads every item once all the same.
    await cursors.advance(pool, f"netsuite:{ACCOUNT}:prices", datetime.now(UTC), set())
    polls = Polls(sandbox, pool, "prices")
    first = await polls()
    seeded = {e.payload.sku: e for e in first}
    assert "TEE-BLK-M" in seeded and "TEE" not in seeded  # matrix parents have no price table of their own
    assert {(r[0], r[1], r[2]) for r in table(seeded["TEE-BLK-M"])} == {
        ("1", "Base Price", "USD"), ("2", "Wholesale", "USD"), ("3", "Trade", "USD"), ("4", "Online Price", "USD")}
    assert await polls() == []  # nothing changed: nothing handed on

    # A new item: its whole table, once.
    made = await post(admin, "seed", {"skus": ["B2B-1"], "levels": ["1", "Wholesale"], "currencies": ["USD", "EUR"],
                                      "quantityBreaks": [0, 10], "returnItems": True}, 201)
    assert made["rows"] == 8 and set(made["items"]) == {"B2B-1"}
    (new,) = await polls()
    assert isinstance(new, NsPriceEvent) and (new.key, new.payload.ns_item_id) == ("B2B-1", made["items"]["B2B-1"])
    rows = sorted(table(new))
    assert len(rows) == 8 and {(r[0], r[2], r[3]) for r in rows} == {
        (level, currency, Decimal(q)) for level in ("1", "2") for currency in ("USD", "EUR") for q in (0, 10)}
    assert await polls() == []

    # One price changed: the whole table again, with it.
    base = [("1", "USD", 0, "20.00"), ("1", "USD", 10, "19.00"), ("1", "EUR", 0, "18.00"), ("1", "EUR", 10, "17.00")]
    wholesale = [("2", "USD", 0, "12.00"), ("2", "USD", 10, "11.00"), ("2", "EUR", 0, "10.00"),
                 ("2", "EUR", 10, "9.00")]
    await set_table(admin, "B2B-1", base + wholesale)
    (changed,) = await polls()
    assert len(changed.payload.prices) == 8 and ("2", "Wholesale", "EUR", Decimal(10), Decimal(9)) in table(changed)
    await set_table(admin, "B2B-1", base + wholesale[:3] + [("2", "EUR", 10, "8.50")])
    (changed,) = await polls()
    assert len(changed.payload.prices) == 8 and ("2", "Wholesale", "EUR", Decimal(10), Decimal("8.5")) in table(changed)

    # A level dropped: the table without it. Then every row: an empty table, once.
    await set_table(admin, "B2B-1", base)
    (dropped,) = await polls()
    assert {r[0] for r in table(dropped)} == {"1"} and len(dropped.payload.prices) == 4
    await set_table(admin, "B2B-1", [])
    (emptied,) = await polls()
    assert emptied.payload.prices == () and emptied.key == "B2B-1"
    assert await polls() == []

    # Edits that leave the table as it was hand nothing on; neither does an item never priced.
    await set_table(admin, "B2B-1", [])
    await post(admin, "seed", {"skus": ["B2B-UNPRICED"], "levels": ["1"], "currencies": ["USD"]}, 201)
    (priced,) = await polls()
    await set_table(admin, "B2B-UNPRICED", [])
    (unpriced,) = await polls()
    assert (priced.key, len(priced.payload.prices), unpriced.payload.prices) == ("B2B-UNPRICED", 1, ())
    await set_table(admin, "B2B-1", base)
    (again,) = await polls()
    assert len(again.payload.prices) == 4
    ids = (await admin.get("/__sandbox/records/inventoryItem")).json()
    item_id = next(r["id"] for r in ids if r["itemId"] == "B2B-1")
    patched = await admin.patch(f"/__sandbox/records/inventoryItem/{item_id}", json={"displayName": "Renamed"})
    assert patched.status_code == 200
    assert await polls() == []

    # A row without a price (a null unitprice) is not priced.
    patched = await admin.patch(f"/__sandbox/records/inventoryItem/{item_id}", json={"price": {"items": [
        {"priceLevel": {"id": "3"}, "currencyPage": {"id": "1"}, "quantity": 0, "price": None}]}})
    assert patched.status_code == 200
    assert await polls() == []
    await set_table(admin, "B2B-1", [*base, ("3", "USD", 0, "15.00"), ("4", "USD", 0, "-1.00")])
    (last,) = await polls()
    assert ("3", "Trade", "USD", Decimal(0), Decimal(15)) in table(last)
    assert ("4", "Online Price", "USD", Decimal(0), Decimal(-1)) in table(last)  # the consumer decides
    assert await polls() == []
    assert_no_duplicates(polls.out.events)


async def test_a_price_the_contract_cannot_carry_does_not_stop_the_source(sandbox, admin, pool):
    polls = Polls(sandbox, pool, "prices")
    await polls()
    await set_table(admin, "TEE-BLK-M", [("1", "USD", 0, "0.00125"), ("2", "USD", 0, "9.00")])
    await set_table(admin, "TEE-BLK-S", [("1", "USD", 0, "19.00")])
    (event,) = await polls()  # the other item goes on; the unfit one is set aside, once
    assert event.key == "TEE-BLK-S" and [sku for sku, _ in polls.unfit] == ["TEE-BLK-M"]
    assert "more than 4 decimal places" in polls.unfit[0][1]
    assert await polls() == [] and len(polls.unfit) == 1
    await set_table(admin, "TEE-BLK-M", [("1", "USD", 0, "0.0013"), ("2", "USD", 0, "9.00")])  # corrected
    (fixed,) = await polls()
    assert fixed.key == "TEE-BLK-M" and ("1", "Base Price", "USD", Decimal(0), Decimal("0.0013")) in table(fixed)


async def test_random_price_changes_reach_the_source(sandbox, admin, pool):
    polls = Polls(sandbox, pool, "prices")
    await post(admin, "seed", {"count": 40, "skuPattern": "BULK-{n:03d}", "levels": 5, "currencies": ["USD", "GBP"],
                               "quantityBreaks": [0, 5], "seed": 3}, 201)
    first = [e for e in await polls() if e.key.startswith("BULK-")]
    assert len(first) == 40 and all(len(e.payload.prices) == 20 for e in first)
    assert {r.price_level_name for r in first[0].payload.prices} >= {"Base Price", "Level 5"}
    answer = await post(admin, "change-random", {"count": 6, "seed": 11, "skuPrefix": "BULK-"})
    assert len(answer["changed"]) == 6
    events = {e.key: e for e in await polls()}
    assert set(events) == {c["sku"] for c in answer["changed"]} and len(events) == answer["items"]
    for change in answer["changed"]:
        currency = "USD" if change["currency"] == "1" else "GBP"
        prices = {(r.price_level_id, r.currency, r.min_quantity): r.price for r in events[change["sku"]].payload.prices}
        assert prices[(change["priceLevel"], currency, Decimal(change["quantity"]))] != Decimal(change["old"])
    last = {(c["sku"], c["priceLevel"], c["currency"], c["quantity"]): c["new"] for c in answer["changed"]}
    for (sku, level, currency, quantity), price in last.items():
        symbol = "USD" if currency == "1" else "GBP"
        prices = {(r.price_level_id, r.currency, r.min_quantity): r.price for r in events[sku].payload.prices}
        assert prices[(level, symbol, Decimal(quantity))] == Decimal(price)


async def test_settled_tables_are_not_read_again_until_their_item_changes(sandbox, admin, pool):
    polls = Polls(sandbox, pool, "prices")

    async def pricing_reads() -> int:
        return int((await admin.get("/__sandbox/stats")).json()["by_kind"].get("POST suiteql pricing", 0))

    assert len(await polls()) > 0
    # Items just written may still change within the same second as a poll: read again (and compared).
    reads = await pricing_reads()
    assert await polls() == [] and await pricing_reads() > reads
    # A minute later (the sandbox's clock moves on) their tables are settled: the next poll reads none of them.
    (await admin.post("/__sandbox/config", json={"clock_offset_seconds": 60})).raise_for_status()
    assert await polls() == []
    reads = await pricing_reads()
    assert await polls() == [] and await pricing_reads() == reads
    # An item that changes is read again.
    await set_table(admin, "TEE-BLK-M", [("1", "USD", 0, "30.00")])
    (changed,) = await polls()
    assert changed.key == "TEE-BLK-M" and table(changed) == {("1", "Base Price", "USD", Decimal(0), Decimal(30))}
    assert await pricing_reads() == reads + 1


async def test_customers_are_handed_on_when_email_price_level_or_inactive_change(sandbox, admin, pool):
    polls = Polls(sandbox, pool, "customers")
    first = await polls()
    assert all(isinstance(e, NsCustomerEvent) for e in first)
    by_email = {e.payload.email: e for e in first}
    acme = by_email["buyer@acme-outfitters.example"]
    assert (acme.payload.price_level_id, acme.payload.price_level_name, acme.payload.company_name) == (
        "2", "Wholesale", "Acme Outfitters")
    jane = by_email["jane.doe@example.com"]
    assert (jane.payload.price_level_id, jane.payload.price_level_name) == (None, "")
    assert jane.key == jane.payload.ns_customer_id
    assert await polls() == []

    # A price level set: handed on once.
    level = await post(admin, "level", {"name": "Gold", "discountPct": -15})
    assert level["created"] and (await post(admin, "level", {"name": "gold"}))["id"] == level["id"]
    await post(admin, "customer", {"email": "jane.doe@example.com", "priceLevel": "Gold"})
    (gold,) = await polls()
    assert (gold.key, gold.payload.price_level_id, gold.payload.price_level_name) == (jane.key, level["id"], "Gold")
    assert await polls() == []

    # An unrelated field: nothing. Email, inactive, level cleared: each once.
    customer = f"/__sandbox/records/customer/{jane.key}"
    assert (await admin.patch(customer, json={"phone": "555-0100", "companyName": "Doe Ltd"})).status_code == 200
    assert await polls() == []
    assert (await admin.patch(customer, json={"email": "jane@doe.example"})).status_code == 200
    (moved,) = await polls()
    assert (moved.payload.email, moved.payload.company_name) == ("jane@doe.example", "Doe Ltd")
    assert (await admin.patch(customer, json={"isInactive": True})).status_code == 200
    (inactive,) = await polls()
    assert inactive.payload.is_inactive
    await post(admin, "customer", {"customer": jane.key, "priceLevel": None})
    (cleared,) = await polls()
    assert (cleared.payload.price_level_id, cleared.payload.price_level_name) == (None, "")
    assert await polls() == []
    assert_no_duplicates(polls.out.events)


async def test_pricing_routes_refuse_what_netsuite_would(sandbox, admin, pool):
    await post(admin, "item", {"sku": "TEE-BLK-M", "prices": [{"level": "Platinum", "price": "1"}]}, 400)
    await post(admin, "item", {"sku": "NO-SUCH-SKU", "prices": []}, 404)
    await post(admin, "item", {"sku": "TEE-BLK-M", "prices": [{"level": "1", "currency": "JPY", "price": "1"}]}, 400)
    await post(admin, "item", {"sku": "TEE-BLK-M", "prices": [{"level": "1", "price": "abc"}]}, 400)
    await post(admin, "customer", {"email": "nobody@example.com", "priceLevel": "2"}, 404)
    await post(admin, "seed", {"skus": ["TEE-BLK-M"]}, 400)  # exists already
    assert (await post(admin, "change-random", {"count": 2, "skuPrefix": "NOTHING-"}))["changed"] == []


async def test_a_customer_push_polls_customers(sandbox, pool):
    client = make_client(sandbox)
    async with client:
        source = NetSuiteSource(client, pool, publishing(Collector()))
        assert source.request_for_record_type("customer") == ("customers",)
        await source.close()
