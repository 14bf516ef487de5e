"""A real worker polls the sandbox and publishes to real topics; every change arrives exactly once,
across a stop and a restart, and a signed push from the sandbox's "user-event script" is accepted."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from connectors.netsuite.push import sign
from deploy.local.kafka import KafkaBroker
from streams.contract import NsCustomerEvent, NsFulfilmentEvent, NsItemEvent, NsPriceEvent, NsStockEvent
from streams.contract.codec import decode
from tests.e2e.netsuite.conftest import ThreadedSandbox
from tests.support.kafka import read
from tests.support.worker import WorkerProcess

SECRET = "e2e-push-secret"


def source_env(sandbox: ThreadedSandbox) -> dict[str, str]:
    return {
        "O2C_NS_SOURCE_ENABLED": "true",
        "O2C_NS_BASE_URL": sandbox.url,
        "O2C_NS_ITEMS_POLL_SECONDS": "1",
        "O2C_NS_STOCK_POLL_SECONDS": "1",
        "O2C_NS_FULFILMENTS_POLL_SECONDS": "1",
        "O2C_NS_PRICES_POLL_SECONDS": "1",
        "O2C_NS_CUSTOMERS_POLL_SECONDS": "1",
        "O2C_NS_OVERLAP_SECONDS": "120",
        "O2C_NS_PUSH_SECRET": SECRET,
    }


async def topic_events(kafka: KafkaBroker, event_type: Any, account_skus: set[str] | None, *, settle: float = 4.0,
                       timeout: float = 120.0, at_least: int = 1) -> list[Any]:
    """Everything on the topic (there is one worker group per test, but topics are shared: filter by source)."""
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = await read(kafka.bootstrap, event_type.TOPIC, match=lambda r: True, count=10**9, timeout=settle)
        found = [decode(event_type, r.value) for r in records]
        if account_skus is not None:
            found = [e for e in found if e.key in account_skus]
        if len(found) >= at_least:
            return found
    return found


def no_duplicates(events: list[Any]) -> None:
    counts = Counter(e.event_id for e in events)
    assert [i for i, n in counts.items() if n > 1] == []
    contents = Counter(e.payload.model_dump_json() for e in events if not isinstance(e, NsStockEvent))
    assert [c for c, n in contents.items() if n > 1] == []


async def test_pollers_publish_each_change_exactly_once_across_restarts(
    kafka: KafkaBroker, make_worker: Callable[..., WorkerProcess], threaded_sandbox: ThreadedSandbox
) -> None:
    sandbox = threaded_sandbox
    account = f"E2E{int(time.time() * 1000) % 10**9}"
    env = {**source_env(sandbox), "O2C_NS_ACCOUNT_ID": account}
    admin = httpx.AsyncClient(base_url=sandbox.url)
    (await admin.post("/__sandbox/config", json={"account_id": account})).raise_for_status()
    records = (await admin.get("/__sandbox/records/inventoryItem")).json()
    skus = {r["itemId"]: r["id"] for r in records}
    children = {s for s in skus if s.count("-") == 2}
    worker = make_worker(**env)

    items = await topic_events(kafka, NsItemEvent, set(skus), at_least=len(skus))
    items = [e for e in items if e.source == f"netsuite:{account}"]
    assert {e.payload.sku for e in items} == set(skus)
    stock_before = await topic_events(kafka, NsStockEvent, children, at_least=3 * len(children))
    stock_before = [e for e in stock_before if e.source == f"netsuite:{account}"]
    assert len(stock_before) == 3 * len(children)
    assert worker.stop() == 0

    # While the worker is down: a price, a name, stock, an order and a partial shipment.
    sku = sorted(children)[0]
    other = sorted(children)[1]
    (await admin.patch(f"/__sandbox/records/inventoryItem/{skus[sku]}",
                       json={"displayName": "Renamed while down",
                             "price": {"items": [{"priceLevel": {"id": "3"}, "price": "12.34"}]}})).raise_for_status()
    (await admin.post("/__sandbox/warehouse/stock",
                      json={"sku": sku, "location": "1", "quantity": 50})).raise_for_status()
    (await admin.post("/__sandbox/pricing/customer",
                      json={"customer": "101", "priceLevel": "Trade"})).raise_for_status()
    order = await admin.post("/__sandbox/records/salesOrder", json={
        "externalId": f"BC-SO-{account}-4242", "entity": {"id": "101"}, "location": {"id": "1"},
        "item": {"items": [{"item": {"id": skus[sku]}, "quantity": 5, "rate": 10},
                           {"item": {"id": skus[other]}, "quantity": 1, "rate": 10}]}})
    assert order.status_code == 201, order.text
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": order.json()["id"], "lines": [{"sku": sku, "quantity": 2}], "carrier": "FedEx",
        "tracking": ["FX123"]})
    assert shipped.status_code == 201, shipped.text

    restarted = make_worker(**env)
    fulfilments = await topic_events(kafka, NsFulfilmentEvent, {"4242"})
    assert [f.payload.tracking_numbers for f in fulfilments] == [("FX123",)]
    assert fulfilments[0].payload.lines[0].quantity == 2

    # Push: the sandbox plays the user-event script and signs its notice; a bad signature is refused.
    body = b'{"recordType":"inventoryitem","id":"1","type":"edit"}'
    stamp = str(int(time.time()))
    async with httpx.AsyncClient(base_url=restarted.webhook_url) as web:
        good = await web.post("/webhooks/netsuite", content=body, headers={
            "X-O2C-Timestamp": stamp, "X-O2C-Signature": sign(SECRET, stamp, body)})
        bad = await web.post("/webhooks/netsuite", content=body, headers={
            "X-O2C-Timestamp": stamp, "X-O2C-Signature": sign("wrong", stamp, body)})
    assert good.status_code == 202 and set(good.json()["polls"]) == {"items", "stock", "prices"}
    assert bad.status_code == 401

    await asyncio.sleep(6)  # several more polls: nothing new may appear
    assert restarted.stop() == 0

    mine = f"netsuite:{account}"
    items = [e for e in await topic_events(kafka, NsItemEvent, set(skus)) if e.source == mine]
    stock = [e for e in await topic_events(kafka, NsStockEvent, children) if e.source == mine]
    prices = [e for e in await topic_events(kafka, NsPriceEvent, children) if e.source == mine]
    fulfilments = [e for e in await topic_events(kafka, NsFulfilmentEvent, {"4242"}) if e.source == mine]
    customers = [e for e in await topic_events(kafka, NsCustomerEvent, None) if e.source == mine]
    for events in (items, stock, prices, fulfilments, customers):
        no_duplicates(events)
    seeded_customers = {r["id"] for r in (await admin.get("/__sandbox/records/customer")).json()}
    assert sorted(e.key for e in customers) == sorted([*seeded_customers, "101"])  # each once, 101 twice
    assert [(e.payload.price_level_id, e.payload.price_level_name) for e in customers if e.key == "101"] == [
        (None, ""), ("3", "Trade")]
    assert len(items) == len(skus) + 1
    assert [e.payload.display_name for e in items if e.payload.sku == sku][-1] == "Renamed while down"
    tables = [p.payload.prices for p in prices if p.payload.sku == sku]
    assert len(tables) == 2 and {(r.price_level_id, str(r.price)) for r in tables[-1]} >= {("3", "12.34")}
    assert len(prices) == len(children) + 1  # each child's table once, and the changed one again
    latest = {}
    for e in stock:
        latest[(e.payload.sku, e.payload.location_id)] = e.payload
    moved = latest[(sku, "1")]
    assert (moved.on_hand, moved.committed, moved.available) == (48, 3, 45)
    assert latest[(other, "1")].committed == 1
    assert len(stock) == 3 * len(children) + 2  # one change each for the two SKUs at location 1
    assert len(fulfilments) == 1
    await admin.aclose()
