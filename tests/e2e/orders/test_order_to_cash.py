"""Orders → sales orders end to end: real broker, PostgreSQL, worker and the NetSuite sandbox over HTTP."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
import pytest

from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, BcOrderSnapshot, SyncResultEvent, event_id
from streams.contract.codec import decode, encode
from tests.support.kafka import produce, read
from tests.support.netsuite import insert_item, item_event, publish_items, records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

STORE = "e2estore"


def ids_base() -> int:
    """Order ids unique to one test: every worker in a session reads the whole shared bc.orders topic."""
    return random.randint(10**6, 10**8) * 10


@pytest.fixture
async def order_worker(
    kafka: KafkaBroker, netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess]
) -> WorkerProcess:
    worker = await asyncio.to_thread(make_worker, O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE,
                                     O2C_NS_BASE_URL=netsuite.url, O2C_ORDERS_PARK_EXCEPTION_AFTER="1")
    return worker


def order_message(order: BcOrderSnapshot) -> tuple[bytes, bytes]:
    event = BcOrderEvent.build(order, key=str(order.order_id), source=f"bigcommerce:{order.store_hash}",
                               event_id=event_id(order.store_hash, "order", order.order_id, order.date_modified))
    return str(order.order_id).encode(), encode(event)


async def results_for(kafka: KafkaBroker, order_ids: set[int], status: str, timeout: float = 90.0) -> dict[int, Any]:
    keys = {str(i).encode() for i in order_ids}
    found: dict[int, Any] = {}
    records_ = await read(kafka.bootstrap, SyncResultEvent.TOPIC, count=10_000, timeout=timeout,
                          match=lambda r: r.key in keys and decode(SyncResultEvent, r.value).payload.status == status
                          and _remember(found, r))
    assert records_ is not None
    return found


def _remember(found: dict[int, Any], record: Any) -> bool:
    result = decode(SyncResultEvent, record.value).payload
    found[int(result.source_id)] = result
    return True


async def wait_for(kafka: KafkaBroker, order_ids: set[int], status: str, timeout: float = 120.0) -> dict[int, Any]:
    """Read sync.results until every order in ``order_ids`` reported ``status``."""
    found: dict[int, Any] = {}
    deadline = asyncio.get_running_loop().time() + timeout
    while set(found) < order_ids and asyncio.get_running_loop().time() < deadline:
        found.update(await results_for(kafka, order_ids - set(found), status, timeout=5.0))
    assert set(found) >= order_ids, f"no '{status}' result for orders {sorted(order_ids - set(found))}"
    return found


async def sales_orders(url: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for record in await records(url, "salesOrder"):
        assert record["externalId"] not in out, f"duplicate sales order {record['externalId']}"
        out[record["externalId"]] = record
    return out


async def test_orders_become_exactly_one_sales_order_each_to_the_cent(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess, worker_env: dict[str, str]
) -> None:
    base = ids_base()
    skus = await publish_items(kafka.bootstrap, netsuite.url)
    children = [s for s in skus if s.count("-") == 2]
    a, b, c = children[0], children[1], children[2]
    orders = [
        # tax-exclusive, coupon and a line discount, registered customer whose NetSuite email differs in case
        snapshot(order_id=base + 1, store_hash=STORE, lines=[(a, Decimal("24.99"), 2, Decimal("2.00")),
                                                         (b, Decimal("15.00"), 1, Decimal(0))],
                 coupons=[("SAVE10", 1, Decimal(10))], email="bob.smith@example.com", customer_id=42),
        # tax-inclusive guest order
        snapshot(order_id=base + 2, store_hash=STORE, inclusive=True, tax_rate=Decimal("0.2"),
                 lines=[(c, Decimal("30.00"), 3, Decimal(0))], email="guest.one@example.org"),
        # one new customer, two orders at once (different case): one NetSuite customer
        snapshot(order_id=base + 3, store_hash=STORE, lines=[(a, Decimal("10.00"), 1, Decimal(0))],
                 email="New.Buyer@Example.net", customer_id=77),
        snapshot(order_id=base + 4, store_hash=STORE, lines=[(b, Decimal("11.00"), 2, Decimal(0))],
                 email="new.buyer@example.net", customer_id=77),
        # B2B company
        snapshot(order_id=base + 5, store_hash=STORE, lines=[(c, Decimal("99.95"), 10, Decimal(0))],
                 email="buyer@acme-outfitters.example", company="Acme Outfitters", customer_id=9),
    ]
    ids = {o.order_id for o in orders}
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in orders])
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(orders[0])])  # a redelivery

    synced = await wait_for(kafka, ids, "synced")
    assert all(r.target_id for r in synced.values())

    by_eid = await sales_orders(netsuite.url)
    for order in orders:
        record = by_eid[f"BC-SO-{STORE}-{order.order_id}"]
        assert Decimal(str(record["total"])) == order.total_inc_tax, order.order_id
        assert record["otherRefNum"] == str(order.order_id)
        assert record["custbody_bc_order_id"] == str(order.order_id)

    customers = await records(netsuite.url, "customer")
    bob = [x for x in customers if (x.get("email") or "").lower() == "bob.smith@example.com"]
    assert len(bob) == 1, "the existing customer was linked, not duplicated"
    assert by_eid[f"BC-SO-{STORE}-{base + 1}"]["entity"]["id"] == str(bob[0]["id"])
    buyers = [x for x in customers if (x.get("email") or "").lower() == "new.buyer@example.net"]
    assert len(buyers) == 1, "two orders from one new customer made one NetSuite customer"
    assert by_eid[f"BC-SO-{STORE}-{base + 3}"]["entity"]["id"] == by_eid[f"BC-SO-{STORE}-{base + 4}"]["entity"]["id"]

    # a status-only change does not rewrite the sales order; an edit does
    before = by_eid[f"BC-SO-{STORE}-{base + 2}"]["lastModifiedDate"]
    shipped = orders[1].model_copy(update={"status_id": 2, "status": "Shipped",
                                           "date_modified": orders[1].date_modified.replace(minute=45)})
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(shipped)])
    await asyncio.sleep(3)
    assert (await sales_orders(netsuite.url))[f"BC-SO-{STORE}-{base + 2}"]["lastModifiedDate"] == before
    assert order_worker.proc is not None and order_worker.proc.poll() is None
    mine = [k for k in await sales_orders(netsuite.url) if int(k.rsplit("-", 1)[1]) in ids]
    assert len(mine) == len(orders)

    # a cancellation closes the sales order (nothing was fulfilled)
    cancelled = orders[4].model_copy(update={"status_id": 5, "status": "Cancelled",
                                             "date_modified": orders[4].date_modified.replace(minute=50)})
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(cancelled)])
    closed = await wait_for(kafka, {base + 5}, "closed")
    assert closed[base + 5].target_id == by_eid[f"BC-SO-{STORE}-{base + 5}"]["id"]
    record = (await sales_orders(netsuite.url))[f"BC-SO-{STORE}-{base + 5}"]
    assert all(line.get("isClosed") for line in record["item"]["items"])
    del worker_env


async def test_missing_sku_parks_then_releases_and_bad_totals_are_held(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess, worker_env: dict[str, str]
) -> None:
    base = ids_base()
    items = [r for r in await records(netsuite.url, "inventoryItem")
             if (r.get("matrixType") or {}).get("id") == "CHILD"]
    late = await insert_item(netsuite.url, f"LATE-{base}")
    await publish_items(kafka.bootstrap, netsuite.url, skip={late["itemId"]})
    good = items[0]["itemId"]

    parked = snapshot(order_id=base + 1, store_hash=STORE, lines=[(late["itemId"], Decimal("20.00"), 1, Decimal(0))])
    drift_small = snapshot(order_id=base + 2, store_hash=STORE, lines=[(good, Decimal("12.34"), 1, Decimal(0))])
    drift_small = drift_small.model_copy(update={"total_inc_tax": drift_small.total_inc_tax + Decimal("0.01")})
    drift_big = snapshot(order_id=base + 3, store_hash=STORE, lines=[(good, Decimal("12.34"), 1, Decimal(0))])
    drift_big = drift_big.model_copy(update={"total_inc_tax": drift_big.total_inc_tax + Decimal("0.50")})
    after_bad = snapshot(order_id=base + 4, store_hash=STORE, lines=[(good, Decimal("5.00"), 1, Decimal(0))])
    malformed = orjson.dumps({"event_id": "x", "type": "bc.order.snapshot", "payload": {"order_id": "nope"}})

    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [
        order_message(parked), order_message(drift_small), order_message(drift_big),
        (str(base + 99).encode(), malformed), order_message(after_bad),
    ])
    await wait_for(kafka, {base + 1}, "parked")
    await wait_for(kafka, {base + 3}, "failed")
    synced = await wait_for(kafka, {base + 2, base + 4}, "synced")
    assert synced[base + 4].target_id

    by_eid = await sales_orders(netsuite.url)
    assert f"BC-SO-{STORE}-{base + 1}" not in by_eid and f"BC-SO-{STORE}-{base + 3}" not in by_eid
    small = by_eid[f"BC-SO-{STORE}-{base + 2}"]
    assert Decimal(str(small["total"])) == drift_small.total_inc_tax
    assert any(line.get("amount") in (0.01, "0.01") or Decimal(str(line.get("amount"))) == Decimal("0.01")
               for line in small["item"]["items"])

    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        kinds = {(r["kind"], r["bc_id"], r["owner"]) for r in await conn.fetch(
            "SELECT kind, bc_id, owner FROM exceptions WHERE status = 'open'")}
        assert ("total_mismatch", str(base + 3), "finance") in kinds
        assert ("invalid_event", str(base + 99), "engineering") in kinds
        await eventually(lambda: _has_missing_sku(conn, base + 1), what="missing_sku exception")
    finally:
        await conn.close()

    await produce(kafka.bootstrap, "ns.items", [item_event(late)])
    await wait_for(kafka, {base + 1}, "synced")
    assert f"BC-SO-{STORE}-{base + 1}" in await sales_orders(netsuite.url)
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        status = await conn.fetchval("SELECT status FROM exceptions WHERE kind = 'missing_sku' AND bc_id = $1",
                                     str(base + 1))
        assert status == "auto_resolved"
        assert await conn.fetchval("SELECT count(*) FROM parked_orders WHERE order_id = $1", base + 1) == 0
    finally:
        await conn.close()


async def _has_missing_sku(conn: asyncpg.Connection, order_id: int) -> bool:
    return bool(await conn.fetchval(
        "SELECT count(*) FROM exceptions WHERE kind = 'missing_sku' AND bc_id = $1 AND status = 'open'",
        str(order_id)))
