"""An order that cannot be read never stalls the source and is never lost: sandbox over HTTP (per-order
fault injection), real PostgreSQL and a real Kafka broker, the worker's own sink (no worker process)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings
from connectors.bigcommerce.models import Order
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.source import BigCommerceSource, WebhookJob
from connectors.bigcommerce.versions import order_modified, order_version
from state import cursors
from state import exceptions as exceptions_store
from streams.contract import BcOrderEvent, event_id
from streams.ingest.bigcommerce_sink import EventSink, exception_key

from .conftest import KafkaPublisher
from .helpers import paid_order

LIMIT = 3


def make_source(sandbox: SandboxServer, client: BigCommerceClient, pool: asyncpg.Pool,
                publisher: KafkaPublisher) -> BigCommerceSource:
    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash, webhook_secret="s",
                                   poll_overlap=30, poll_initial_lookback=3600, max_hydration_failures=LIMIT)
    return BigCommerceSource(settings, client, pool, EventSink(pool, sandbox.config.store_hash, publisher))


async def fault(admin: httpx.AsyncClient, order_id: int, **extra: Any) -> None:
    answer = await admin.post("/__sandbox/faults/orders", json={"order_id": order_id, "status": 500,
                                                                "message": "order serializer crashed", **extra})
    assert answer.status_code == 200, answer.text


async def served(admin: httpx.AsyncClient, order_id: int) -> int:
    faults = (await admin.get("/__sandbox/faults/orders")).json()
    return next((f["served"] for f in faults if f["order_id"] == order_id), 0)


async def three_orders(client: BigCommerceClient) -> tuple[Order, Order, Order]:
    """Good, bad, good, each in its own second (``date_modified`` has one-second precision)."""
    orders = []
    for _ in range(3):
        orders.append(await paid_order(client, quantities=(1,)))
        await asyncio.sleep(1.05)
    return orders[0], orders[1], orders[2]


async def exception_of(pool: asyncpg.Pool, store: str, order_id: int) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT id, status, occurrences, payload, message, owner, severity, object_type, bc_id FROM exceptions "
        "WHERE dedupe_key = $1 ORDER BY id DESC LIMIT 1", exception_key(store, order_id))


async def failures_of(pool: asyncpg.Pool, order_id: int) -> int | None:
    value = await pool.fetchval("SELECT failures FROM bc_hydration_failures WHERE order_id = $1", order_id)
    return None if value is None else int(value)


def published_ids(publisher: KafkaPublisher) -> list[int]:
    return [e.payload.order_id for e in publisher.sent if isinstance(e, BcOrderEvent)]


async def give_up_on(src: BigCommerceSource, pool: asyncpg.Pool, bad: Order, cursor: str) -> None:
    """Poll until the bad order is given up; before that the watermark waits at or below it."""
    for attempt in range(1, LIMIT + 1):
        result = await src.poll()
        assert result.failed == 1
        state = await cursors.load(pool, cursor)
        assert state is not None
        if attempt < LIMIT:
            assert (result.held, result.given_up) == (1, 0)
            assert state.watermark <= order_modified(bad)
        else:
            assert (result.held, result.given_up) == (0, 1)
            assert state.watermark > order_modified(bad)
        assert await failures_of(pool, bad.id) == attempt


async def test_the_poller_moves_past_an_order_that_keeps_failing(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    cursor = f"bigcommerce:{store}:orders"
    src = make_source(sandbox, quick, pool, publisher)
    good, bad, later = await three_orders(quick)
    await fault(admin, bad.id)

    await give_up_on(src, pool, bad, cursor)
    assert sorted(published_ids(publisher)) == [good.id, later.id]  # the good ones were not held up
    state = await cursors.load(pool, cursor)
    assert state is not None and state.watermark == order_modified(later)

    row = await exception_of(pool, store, bad.id)
    assert row is not None and row["status"] == "open" and row["occurrences"] == 1
    assert (row["object_type"], row["bc_id"], row["owner"], row["severity"]) == (
        "order", str(bad.id), "engineering", "error")
    assert row["payload"]["store"] == store and row["payload"]["order_id"] == bad.id
    assert row["payload"]["version"] == order_version(bad) and row["payload"]["failures"] == LIMIT
    assert "order serializer crashed" in row["payload"]["error"] and "HTTP 500" in row["payload"]["error"]
    assert f"BigCommerce order {bad.id}" in row["message"]

    before = await served(admin, bad.id)
    quiet = await src.poll()  # given up: not read again, not counted again, one exception
    assert (quiet.failed, quiet.published) == (0, 0)
    assert await served(admin, bad.id) == before and await failures_of(pool, bad.id) == LIMIT
    assert (await exception_of(pool, store, bad.id))["occurrences"] == 1  # type: ignore[index]


async def test_a_changed_order_is_read_again_and_its_exception_resolves(sandbox, quick, pool, publisher,
                                                                         admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    _, bad, _ = await three_orders(quick)
    await fault(admin, bad.id)
    await give_up_on(src, pool, bad, f"bigcommerce:{store}:orders")

    await admin.delete(f"/__sandbox/faults/orders/{bad.id}")
    unchanged = await src.poll()
    assert bad.id not in published_ids(publisher) and unchanged.failed == 0  # the same version stays given up

    changed = await quick.update_order_status(bad.id, 9)
    result = await src.poll()
    assert result.published == 1 and published_ids(publisher)[-1] == bad.id
    event = publisher.sent[-1]
    assert event.event_id == event_id(store, "order", bad.id, order_version(changed))
    assert (await exception_of(pool, store, bad.id))["status"] == "auto_resolved"  # type: ignore[index]
    assert await failures_of(pool, bad.id) is None


async def test_an_operator_retry_fails_while_the_fault_lasts_then_publishes(sandbox, quick, pool, publisher,
                                                                           admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    _, bad, _ = await three_orders(quick)
    await fault(admin, bad.id)
    await give_up_on(src, pool, bad, f"bigcommerce:{store}:orders")
    row = await exception_of(pool, store, bad.id)
    assert row is not None

    assert await exceptions_store.request_retry(pool, row["id"])
    assert not await exceptions_store.request_retry(pool, row["id"])  # already asked
    failed = await src.poll()
    assert (failed.retried, failed.retry_failed) == (0, 1)
    again = await exception_of(pool, store, bad.id)
    assert again is not None and again["id"] == row["id"]  # the same exception, open again
    assert (again["status"], again["occurrences"]) == ("open", 2) and again["payload"]["retried"] is True
    assert await failures_of(pool, bad.id) == 1  # the count started over

    await admin.delete(f"/__sandbox/faults/orders/{bad.id}")
    assert await exceptions_store.request_retry(pool, row["id"])
    result = await src.poll()
    assert (result.retried, result.retry_failed) == (1, 0)
    assert published_ids(publisher).count(bad.id) == 1
    assert publisher.sent[-1].event_id == event_id(store, "order", bad.id, order_version(bad))
    assert (await exception_of(pool, store, bad.id))["status"] == "auto_resolved"  # type: ignore[index]
    assert await failures_of(pool, bad.id) is None
    assert (await src.poll()).retried == 0  # nothing left to retry


async def test_webhook_failures_feed_the_same_counter(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    bad = await paid_order(quick)
    await fault(admin, bad.id)
    for _ in range(LIMIT):
        await src.handle(WebhookJob(hash=uuid.uuid4().hex, scope="store/order/updated", order_id=bad.id))
    assert await failures_of(pool, bad.id) == LIMIT
    row = await exception_of(pool, store, bad.id)
    assert row is not None and row["status"] == "open"
    # the webhook path could not read the order, so it counted towards an unknown version
    assert row["payload"]["version"] == ""
    assert await pool.fetchval("SELECT count(*) FROM bc_webhook_receipts") == 0  # released for redelivery

    # the poller knows the version from its list: it tries that version once, then gives it up too
    result = await src.poll()
    assert (result.failed, result.given_up, result.held) == (1, 1, 0)
    assert (await exception_of(pool, store, bad.id))["payload"]["version"] == order_version(bad)  # type: ignore[index]
    before = await served(admin, bad.id)
    assert (await src.poll()).failed == 0 and await served(admin, bad.id) == before


async def test_a_failure_that_clears_by_itself_leaves_no_exception(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    order = await paid_order(quick)
    await fault(admin, order.id, times=2)  # one hydration: two attempts of the single read
    first = await src.poll()
    assert (first.failed, first.held, first.published) == (1, 1, 0) and await failures_of(pool, order.id) == 1
    second = await src.poll()
    assert second.published == 1 and published_ids(publisher) == [order.id]
    assert await failures_of(pool, order.id) is None and await exception_of(pool, store, order.id) is None


async def test_a_broker_failure_is_not_counted_against_the_order(sandbox, quick, pool, kafka, publisher) -> None:
    order = await paid_order(quick)
    # (``publisher`` created the topics) a real producer that refuses every event as larger than its
    # max_request_size: delivery fails, whatever the order
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, max_request_size=64)
    await producer.start()
    try:
        src = make_source(sandbox, quick, pool, KafkaPublisher(producer))
        for _ in range(LIMIT + 1):
            result = await src.poll()
            assert (result.failed, result.held, result.given_up) == (1, 1, 0)
    finally:
        await producer.stop()
    assert await failures_of(pool, order.id) is None
    assert await exception_of(pool, sandbox.config.store_hash, order.id) is None
    state = await cursors.load(pool, f"bigcommerce:{sandbox.config.store_hash}:orders")
    assert state is not None and state.watermark <= order_modified(order)
