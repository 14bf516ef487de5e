"""Bad input and outages end to end: the bad event is set aside or waits, the next good order syncs,
and every event on ``bc.orders`` got an outcome before it was acknowledged.

Real broker, real PostgreSQL, a real worker process and the NetSuite sandbox over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port
from state.migrate import migrate
from streams.contract import BcOrderEvent, BcOrderSnapshot
from tests.e2e.orders.test_order_to_cash import STORE, ids_base, order_message, sales_orders, wait_for
from tests.support.kafka import produce
from tests.support.netsuite import publish_items, records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess


async def first_child_sku(kafka: KafkaBroker, netsuite: SandboxHandle) -> str:
    """Publish the sandbox's items on ns.items; one matrix child's SKU."""
    return next(s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2)


def tampered(order: BcOrderSnapshot, change: Callable[[dict[str, Any]], None]) -> tuple[bytes, bytes]:
    """The order's event with its JSON payload edited (as a faulty producer would send it)."""
    key, value = order_message(order)
    data = orjson.loads(value)
    change(data["payload"])
    return key, orjson.dumps(data)


def metric_sums(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def assert_every_event_has_an_outcome(worker: WorkerProcess, topic: str = BcOrderEvent.TOPIC) -> None:
    """Events consumed on ``topic`` = events with an outcome (handled, invalid, failed), none waiting."""

    async def balanced() -> bool:
        async with httpx.AsyncClient(timeout=5.0) as http:
            text = (await http.get(f"{worker.url}/metrics")).text
        consumed = metric_sums(text, "o2c_events_in_total", topic=topic)
        outcomes = metric_sums(text, "o2c_event_outcomes_total", topic=topic)
        waiting = metric_sums(text, "o2c_agent_events_waiting")
        return consumed > 0 and consumed == outcomes and waiting == 0

    await eventually(balanced, timeout=60, what=f"every {topic} event with an outcome")


async def exceptions_for(dsn: str, kind: str, bc_ids: set[str]) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT bc_id, message, payload, owner FROM exceptions WHERE kind = $1 "
                                "AND bc_id = ANY($2::text[])", kind, list(bc_ids))
        return {r["bc_id"]: r for r in rows}
    finally:
        await conn.close()


@pytest.fixture
async def order_worker(kafka: KafkaBroker, netsuite: SandboxHandle,
                       make_worker: Callable[..., WorkerProcess]) -> WorkerProcess:
    return await asyncio.to_thread(make_worker, O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE,
                                   O2C_NS_BASE_URL=netsuite.url, O2C_ORDERS_PARK_EXCEPTION_AFTER="1",
                                   O2C_ORDERS_WRITEBACK_ENABLED="false")


async def test_out_of_bounds_amounts_are_set_aside_and_the_next_order_syncs(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess, worker_env: dict[str, str]
) -> None:
    base = ids_base()
    sku = await first_child_sku(kafka, netsuite)

    def order(n: int) -> BcOrderSnapshot:
        return snapshot(order_id=base + n, store_hash=STORE, lines=[(sku, Decimal("12.00"), 1, Decimal(0))],
                        email=f"bounds{n}@example.com")

    def line_price(value: str) -> Callable[[dict[str, Any]], None]:
        return lambda payload: payload["lines"][0].update(price_ex_tax=value)

    bad = {
        base + 1: (lambda payload: payload.update(subtotal_ex_tax="1e30"), "too large to book"),
        base + 2: (line_price("NaN"), "finite number"),
        base + 3: (line_price("-Infinity"), "finite number"),
        base + 4: (line_price("-3.00"), "negative"),
    }
    good = {base + 11, base + 12, base + 13, base + 14}
    messages: list[tuple[bytes | None, bytes | None]] = []
    for (order_id, (change, _)), good_id in zip(bad.items(), sorted(good), strict=True):
        messages += [tampered(order(order_id - base), change), order_message(order(good_id - base))]
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, messages)

    await wait_for(kafka, good, "synced")
    by_eid = await sales_orders(netsuite.url)
    assert {f"BC-SO-{STORE}-{i}" for i in good} <= set(by_eid)
    assert not {f"BC-SO-{STORE}-{i}" for i in bad} & set(by_eid)

    async def all_set_aside() -> bool:
        return len(await exceptions_for(worker_env["O2C_DATABASE_URL"], "invalid_event", {str(i) for i in bad})) \
            == len(bad)

    await eventually(all_set_aside, timeout=30, what="an invalid_event exception per bad order")
    found = await exceptions_for(worker_env["O2C_DATABASE_URL"], "invalid_event", {str(i) for i in bad})
    for order_id, (_, words) in bad.items():
        row = found[str(order_id)]
        assert row["owner"] == "engineering" and words in row["message"], row["message"]
        assert str(order_id) in orjson.loads(row["payload"])["value"]  # the payload is kept for a replay
    assert order_worker.proc is not None and order_worker.proc.poll() is None, "the worker must keep running"
    await assert_every_event_has_an_outcome(order_worker)


async def test_a_custom_product_line_books_on_the_custom_item_instead_of_parking(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess
) -> None:
    base = ids_base()
    sku = await first_child_sku(kafka, netsuite)
    order = snapshot(order_id=base + 1, store_hash=STORE, lines=[(sku, Decimal("20.00"), 1, Decimal(0)),
                                                             ("", Decimal("7.50"), 2, Decimal(0))])
    engraving = order.lines[1].model_copy(update={"product_id": 0, "variant_id": None, "name": "Engraving"})
    order = order.model_copy(update={"lines": (order.lines[0], engraving)})
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(order)])

    await wait_for(kafka, {order.order_id}, "synced")
    record = (await sales_orders(netsuite.url))[f"BC-SO-{STORE}-{order.order_id}"]
    assert Decimal(str(record["total"])) == order.total_inc_tax
    items = {str(i["id"]): i for i in await records(netsuite.url, "nonInventoryResaleItem")}
    custom = [line for line in record["item"]["items"] if str(line["item"]["id"]) in items]
    assert len(custom) == 1 and custom[0]["description"] == "Engraving"
    assert items[str(custom[0]["item"]["id"])]["itemId"] == "O2C-CUSTOM"
    assert Decimal(str(custom[0]["quantity"])) == 2
    await assert_every_event_has_an_outcome(order_worker)


async def test_netsuite_answering_503_for_two_minutes_delays_orders_but_loses_none(
    kafka: KafkaBroker, netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    # A new consumer group reads the shared bc.orders from the start, so the orders of earlier tests meet
    # the outage too: few client retries and many writer slots keep them from delaying this test's orders.
    order_worker = await asyncio.to_thread(
        make_worker, O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE, O2C_NS_BASE_URL=netsuite.url,
        O2C_ORDERS_PARK_EXCEPTION_AFTER="1", O2C_ORDERS_WRITEBACK_ENABLED="false", O2C_NS_MAX_ATTEMPTS="2",
        O2C_NS_BACKOFF_CAP="1", O2C_ORDERS_WRITER_CONCURRENCY="64")
    base = ids_base()
    sku = await first_child_sku(kafka, netsuite)
    orders = [snapshot(order_id=base + n, store_hash=STORE, lines=[(sku, Decimal("9.00"), n, Decimal(0))],
                       email=f"outage{n}@example.com") for n in (1, 2, 3)]
    netsuite.state.config.unavailable = True
    try:
        await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in orders])
        await wait_for(kafka, {o.order_id for o in orders}, "parked")  # waiting for a retry, not dropped

        async def reported() -> bool:
            found = await exceptions_for(worker_env["O2C_DATABASE_URL"], "netsuite_unavailable",
                                         {str(o.order_id) for o in orders})
            return len(found) == len(orders)

        await eventually(reported, timeout=60, what="netsuite_unavailable exceptions for engineering")
        await asyncio.sleep(120 - 60)  # the rest of two minutes of outage
        assert not {f"BC-SO-{STORE}-{o.order_id}" for o in orders} & set(await sales_orders(netsuite.url))
    finally:
        netsuite.state.config.unavailable = False

    await wait_for(kafka, {o.order_id for o in orders}, "synced", timeout=180)
    by_eid = await sales_orders(netsuite.url)
    for o in orders:
        assert Decimal(str(by_eid[f"BC-SO-{STORE}-{o.order_id}"]["total"])) == o.total_inc_tax

    async def resolved() -> bool:
        conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
        try:
            still = await conn.fetchval("SELECT count(*) FROM exceptions WHERE kind = 'netsuite_unavailable' "
                                        "AND status IN ('open', 'retrying') AND bc_id = ANY($1::text[])",
                                        [str(o.order_id) for o in orders])
            return int(still) == 0
        finally:
            await conn.close()

    await eventually(resolved, timeout=30, what="the outage exceptions resolved by the syncs")
    await assert_every_event_has_an_outcome(order_worker)


async def test_postgresql_stopped_for_30_seconds_mid_stream_loses_nothing(
    kafka: KafkaBroker, netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg-outage"), port=free_port())
    await asyncio.to_thread(server.start)
    try:
        conn = await asyncpg.connect(server.dsn)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        worker = await asyncio.to_thread(make_worker, O2C_DATABASE_URL=server.dsn, O2C_ORDERS_ENABLED="true",
                                         O2C_BC_STORE_HASH=STORE, O2C_NS_BASE_URL=netsuite.url,
                                         O2C_ORDERS_WRITEBACK_ENABLED="false")
        base = ids_base()
        sku = await first_child_sku(kafka, netsuite)

        def order(n: int) -> BcOrderSnapshot:
            return snapshot(order_id=base + n, store_hash=STORE, lines=[(sku, Decimal("5.00"), 1, Decimal(0))],
                            email=f"pg{n}@example.com")

        before = [order(n) for n in (1, 2)]
        await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in before])
        await wait_for(kafka, {o.order_id for o in before}, "synced")

        await asyncio.to_thread(server.stop)
        during = [order(n) for n in (3, 4, 5, 6)]
        await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in during])
        await asyncio.sleep(30)
        assert worker.proc is not None and worker.proc.poll() is None, f"worker died:\n{worker.log_tail()}"
        await asyncio.to_thread(server.start)

        await wait_for(kafka, {o.order_id for o in during}, "synced", timeout=180)
        by_eid = await sales_orders(netsuite.url)
        for o in before + during:
            assert Decimal(str(by_eid[f"BC-SO-{STORE}-{o.order_id}"]["total"])) == o.total_inc_tax
        conn = await asyncpg.connect(server.dsn)
        try:  # (the worker also reads the earlier tests' events on the shared topic, bad ones included)
            failed = await conn.fetchval("SELECT count(*) FROM exceptions WHERE kind IN "
                                         "('processing_failed', 'invalid_event') AND bc_id = ANY($1::text[])",
                                         [str(o.order_id) for o in before + during])
        finally:
            await conn.close()
        assert failed == 0, "an outage is waited out, not turned into exceptions"
        assert "trying the same event again" in worker.log_tail(400)
        await assert_every_event_has_an_outcome(worker)
    finally:
        await asyncio.to_thread(server.stop)


async def test_an_event_whose_handling_fails_is_set_aside_as_processing_failed_and_can_be_replayed(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess, worker_env: dict[str, str]
) -> None:
    """A valid ns.items event PostgreSQL cannot store (a NUL character in the SKU) is set aside."""
    from state import exceptions as exceptions_store
    from streams.contract import NsItemEvent
    from tests.support.netsuite import item_event

    dsn = worker_env["O2C_DATABASE_URL"]
    base = ids_base()
    items = await records(netsuite.url, "inventoryItem")
    good_key, good_value = item_event(items[0])
    bad = orjson.loads(good_value)
    bad["payload"]["sku"] = f"BAD\u0000SKU-{base}"
    bad["event_id"] = f"bad-{base}"
    await produce(kafka.bootstrap, NsItemEvent.TOPIC, [(f"BAD-{base}".encode(), orjson.dumps(bad)),
                                                       (good_key, good_value)])

    async def set_aside() -> bool:
        return bool(await exceptions_for(dsn, "processing_failed", {f"BAD-{base}"}))

    await eventually(set_aside, timeout=60, what="a processing_failed exception")
    row = (await exceptions_for(dsn, "processing_failed", {f"BAD-{base}"}))[f"BAD-{base}"]
    payload = orjson.loads(row["payload"])
    assert row["owner"] == "engineering" and payload["agent"] == "map_items" and payload["topic"] == "ns.items"
    assert payload["offset"] is not None and "\\u0000" in payload["value"] and payload["error"]

    async def good_item_mapped() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM sku_map WHERE sku = $1", items[0]["itemId"]))
        finally:
            await conn.close()

    await eventually(good_item_mapped, timeout=30, what="the next item in the SKU map")
    assert order_worker.proc is not None and order_worker.proc.poll() is None
    await assert_every_event_has_an_outcome(order_worker, NsItemEvent.TOPIC)

    # an operator retries it: the stored value is replayed onto ns.items (and, still bad, set aside again)
    conn = await asyncpg.connect(dsn)
    try:
        first_id = await conn.fetchval("SELECT id FROM exceptions WHERE kind = 'processing_failed' AND bc_id = $1",
                                       f"BAD-{base}")
        assert await exceptions_store.request_retry(conn, first_id)
    finally:
        await conn.close()

    async def replayed() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch("SELECT id, status, resolution_note, payload FROM exceptions "
                                    "WHERE kind = 'processing_failed' AND bc_id = $1 ORDER BY id", f"BAD-{base}")
        finally:
            await conn.close()
        return (len(rows) == 2 and rows[0]["status"] == "resolved"
                and rows[0]["resolution_note"] == "replayed onto ns.items"
                and orjson.loads(rows[1]["payload"])["offset"] != payload["offset"])

    await eventually(replayed, timeout=60, what="the replayed event set aside again at its new offset")
