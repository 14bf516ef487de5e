"""The change source against the sandbox (real HTTP) and real PostgreSQL; its changes are mapped to events
(``streams.ingest.netsuite_events``) and collected.

A "restart" is a new ``NetSuiteSource`` on the same database: everything it knows comes from there.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.sandbox import SandboxHandle
from connectors.netsuite.source import NetSuiteSource
from state.db import create_pool
from streams.contract import Envelope, NsFulfilmentEvent, NsItemEvent, NsPriceEvent, NsStockEvent
from streams.ingest.netsuite_events import publishing
from tests.integration.netsuite.conftest import make_client


class Collector:
    def __init__(self) -> None:
        self.events: list[Envelope[Any]] = []

    async def __call__(self, event: Envelope[Any]) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(migrated_db, max_size=8)
    try:
        yield p
    finally:
        await p.close()


def new_source(sandbox: SandboxHandle, pool: asyncpg.Pool, out: Collector) -> tuple[NetSuiteSource, NetSuiteClient]:
    client = make_client(sandbox, overlap_seconds=120, initial_lookback_seconds=3600)
    return NetSuiteSource(client, pool, publishing(out)), client


async def poll_all(source: NetSuiteSource) -> None:
    for kind in ("items", "stock", "fulfilments", "prices", "customers"):
        await source.poll(kind)


def assert_no_duplicates(events: list[Envelope[Any]]) -> None:
    ids = Counter(e.event_id for e in events)
    assert [(e.type, e.key, e.payload) for e in events if ids[e.event_id] > 1] == []


async def sales_order(admin: httpx.AsyncClient, eid: str, lines: list[tuple[str, int]], location: str = "1") -> str:
    body = {"externalId": eid, "entity": {"id": "101"}, "location": {"id": location},
            "custbody_bc_order_id": eid.rsplit("-", 1)[1],
            "item": {"items": [{"item": {"id": item}, "quantity": qty, "rate": 10,
                                "custcol_bc_order_product_id": 500 + n} for n, (item, qty) in enumerate(lines)]}}
    response = await admin.post("/__sandbox/records/salesOrder", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def item_ids(admin: httpx.AsyncClient) -> dict[str, str]:
    records = (await admin.get("/__sandbox/records/inventoryItem")).json()
    return {r["itemId"]: r["id"] for r in records}


async def test_each_poller_publishes_every_change_once_across_restarts(sandbox, admin, pool):
    out = Collector()
    source, client = new_source(sandbox, pool, out)
    async with client:
        await poll_all(source)
        await poll_all(source)  # nothing changed: nothing new
    first = len(out.events)
    items = out.of(NsItemEvent)
    assert {e.payload.sku for e in items} >= {"TEE", "TEE-BLK-M"}
    child = next(e.payload for e in items if e.payload.sku == "TEE-BLK-M")
    assert child.parent_sku == "TEE" and ("Size", "M") in child.options and child.sellable
    assert child.base_price is not None and child.item_type == "inventoryItem"
    parent = next(e.payload for e in items if e.payload.sku == "TEE")
    assert parent.is_matrix_parent and not parent.sellable
    stock = out.of(NsStockEvent)
    assert {e.payload.location_id for e in stock} == {"1", "2", "3"}
    prices = out.of(NsPriceEvent)
    assert {row.price_level_name for e in prices for row in e.payload.prices} >= {"Base Price", "Wholesale"}
    assert len({e.key for e in prices}) == len(prices)  # one table per item
    assert_no_duplicates(out.events)

    # Changes while "down", then a restart: a new source on the same database.
    skus = await item_ids(admin)
    await admin.patch(f"/__sandbox/records/inventoryItem/{skus['TEE-BLK-M']}",
                      json={"displayName": "Classic Tee - Black / M (new)",
                            "price": {"items": [{"priceLevel": {"id": "2"}, "price": "9.99"}]}})
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-BLK-S", "location": "2", "quantity": 77})
    so = await sales_order(admin, "BC-SO-store1-1001", [(skus["TEE-BLK-S"], 3), (skus["TEE-WHT-M"], 1)],
                           location="2")
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "lines": [{"sku": "TEE-BLK-S", "quantity": 2}], "carrier": "UPS",
        "shipMethod": "UPS Ground", "tracking": ["1Z999", "1Z998"]})
    assert shipped.status_code == 201, shipped.text

    source, client = new_source(sandbox, pool, out)
    async with client:
        await poll_all(source)
        await poll_all(source)
    new = out.events[first:]
    assert_no_duplicates(out.events)
    assert [e.payload.display_name for e in new if isinstance(e, NsItemEvent)] == ["Classic Tee - Black / M (new)"]
    (changed_prices,) = [e.payload for e in new if isinstance(e, NsPriceEvent)]
    assert changed_prices.sku == "TEE-BLK-M" and len(changed_prices.prices) == 4  # the whole table
    assert {(r.price_level_id, r.price) for r in changed_prices.prices if r.price_level_id == "2"} == {
        ("2", Decimal("9.99"))}
    moves = {(e.payload.sku, e.payload.location_id): e.payload for e in new if isinstance(e, NsStockEvent)}
    blk_s = moves[("TEE-BLK-S", "2")]
    assert (blk_s.on_hand, blk_s.committed, blk_s.available) == (Decimal(75), Decimal(1), Decimal(74))
    assert ("TEE-WHT-M", "2") in moves  # committed by the order
    assert moves[("TEE-WHT-M", "2")].committed == Decimal(1)
    (fulfilment,) = [e for e in new if isinstance(e, NsFulfilmentEvent)]
    payload = fulfilment.payload
    assert fulfilment.key == "1001" and payload.bc_order_id == 1001
    assert payload.tracking_numbers == ("1Z999", "1Z998")
    assert (payload.carrier, payload.ship_method, payload.status) == ("ups", "UPS Ground", "shipped")
    assert [(line.sku, line.quantity, line.bc_order_product_id) for line in payload.lines] == [
        ("TEE-BLK-S", Decimal(2), 500)]


async def test_fulfilment_without_link_field_uses_external_id(sandbox, admin, pool):
    skus = await item_ids(admin)
    body = {"externalId": "BC-SO-abc123-2002", "entity": {"id": "101"}, "location": {"id": "1"},
            "item": {"items": [{"item": {"id": skus["TEE-BLK-L"]}, "quantity": 1, "rate": 10}]}}
    so = (await admin.post("/__sandbox/records/salesOrder", json=body)).json()["id"]
    await admin.post("/__sandbox/warehouse/fulfil", json={"salesOrder": so, "tracking": ["TRK1"]})
    out = Collector()
    source, client = new_source(sandbox, pool, out)
    async with client:
        await source.poll("fulfilments")
    (event,) = out.of(NsFulfilmentEvent)
    assert event.payload.bc_order_id == 2002 and event.key == "2002"
    assert event.payload.lines[0].bc_order_product_id is None


async def test_overlap_window_rereads_but_does_not_republish(sandbox, admin, pool):
    out = Collector()
    source, client = new_source(sandbox, pool, out)
    async with client:
        await source.poll("items")
        before = len(out.events)
        result = await source.poll("items")
    assert result is not None and result.published == 0 and result.skipped > 0  # re-read inside the overlap
    assert len(out.events) == before


async def test_polls_of_one_kind_never_overlap(sandbox, pool):
    out = Collector()
    first, c1 = new_source(sandbox, pool, out)
    second, c2 = new_source(sandbox, pool, out)
    async with c1, c2:
        results = await asyncio.gather(first.poll("items"), second.poll("items"))
        await first.poll("items")
    assert_no_duplicates(out.events)
    assert None in results or sum(r.published for r in results if r) == len(out.events)


async def test_push_request_polls_in_the_background(sandbox, admin, pool):
    out = Collector()
    source, client = new_source(sandbox, pool, out)
    async with client:
        assert source.request_for_record_type("itemFulfillment") == ("fulfilments", "stock")
        source.request_for_record_type("itemfulfillment")  # coalesced with the running one
        for _ in range(200):
            if out.of(NsStockEvent):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        await source.close()
    assert out.of(NsStockEvent)
    assert_no_duplicates(out.events)
