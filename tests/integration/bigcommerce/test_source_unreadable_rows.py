"""One malformed order row never stalls the catch-up poller: the sandbox serves one order's row with a field
of the wrong type (``/__sandbox/faults/rows``) over HTTP, with real PostgreSQL, a real Kafka broker and the
worker's own sink (no worker process)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from connectors.bigcommerce.formats import loads
from connectors.bigcommerce.models import Order
from connectors.bigcommerce.models.rows import row_fingerprint
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.source import WebhookJob
from connectors.bigcommerce.versions import order_modified, order_version
from state import cursors
from state import exceptions as exceptions_store
from streams.contract import event_id

from .test_source_failures import (
    LIMIT,
    exception_of,
    failures_of,
    give_up_on,
    make_source,
    published_ids,
    three_orders,
)


async def malform(admin: httpx.AsyncClient, order_id: int, **extra: Any) -> None:
    """The order's row is served with ``status_id`` = a status name (lists and its GET, unless told)."""
    answer = await admin.post("/__sandbox/faults/rows", json={"order_id": order_id, **extra})
    assert answer.status_code == 200, answer.text


async def row_version(sandbox: SandboxServer, admin: httpx.AsyncClient, order: Order) -> str:
    """The version the poller gives the order's malformed row: its date_modified + the raw row's fingerprint."""
    answer = await admin.get(f"/stores/{sandbox.config.store_hash}/v2/orders",
                             params={"min_id": order.id, "max_id": order.id})
    (raw,) = loads(answer.content)
    return f"{order_modified(order).isoformat()}/{row_fingerprint(raw)}"


def rows_left_out(store: str) -> float:
    return REGISTRY.get_sample_value("o2c_bigcommerce_order_rows_unreadable_total",
                                     {"store": store, "endpoint": "orders_list", "identified": "false"}) or 0.0


async def test_a_malformed_row_is_counted_given_up_passed_and_published_after_a_retry(sandbox, quick, pool,
                                                                                      publisher, admin) -> None:
    store = sandbox.config.store_hash
    cursor = f"bigcommerce:{store}:orders"
    src = make_source(sandbox, quick, pool, publisher)
    good, bad, later = await three_orders(quick)
    await malform(admin, bad.id)
    with pytest.raises(ValueError):
        await quick.list_orders_page()  # what stalled the poller: the page as a whole does not validate

    await give_up_on(src, pool, bad, cursor)  # held below it until the limit, then passed
    assert sorted(published_ids(publisher)) == [good.id, later.id]  # the rest of the page went through
    state = await cursors.load(pool, cursor)
    assert state is not None and state.watermark == order_modified(later)

    row = await exception_of(pool, store, bad.id)
    assert row is not None and (row["status"], row["occurrences"], row["bc_id"]) == ("open", 1, str(bad.id))
    version = await row_version(sandbox, admin, bad)
    assert row["payload"]["version"] == version != order_version(bad)
    assert row["payload"]["failures"] == LIMIT
    assert "ValidationError" in row["payload"]["error"] and "status_id" in row["payload"]["error"]

    quiet = await src.poll()  # given up: passed without being read or counted again
    assert (quiet.failed, quiet.held, quiet.published) == (0, 0, 0)
    assert await failures_of(pool, bad.id) == LIMIT
    assert (await exception_of(pool, store, bad.id))["occurrences"] == 1  # type: ignore[index]

    assert await exceptions_store.request_retry(pool, row["id"])
    failed = await src.poll()  # the row is still malformed: the retry fails, the exception opens again
    assert (failed.retried, failed.retry_failed) == (0, 1)
    assert (await exception_of(pool, store, bad.id))["status"] == "open"  # type: ignore[index]

    assert (await admin.delete(f"/__sandbox/faults/rows/{bad.id}")).json() == {"cleared": 1}
    assert await exceptions_store.request_retry(pool, row["id"])
    result = await src.poll()
    assert (result.retried, result.retry_failed) == (1, 0)
    assert published_ids(publisher).count(bad.id) == 1
    assert publisher.sent[-1].event_id == event_id(store, "order", bad.id, order_version(bad))
    assert (await exception_of(pool, store, bad.id))["status"] == "auto_resolved"  # type: ignore[index]
    assert await failures_of(pool, bad.id) is None
    after = await src.poll()  # the row reads again now, and its version was published by the retry
    assert (after.failed, after.published, after.unreadable_rows) == (0, 0, 0)


async def test_a_changed_row_starts_its_count_over(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    cursor = f"bigcommerce:{store}:orders"
    src = make_source(sandbox, quick, pool, publisher)
    _, bad, _ = await three_orders(quick)
    await malform(admin, bad.id)
    await give_up_on(src, pool, bad, cursor)
    first = (await exception_of(pool, store, bad.id))["payload"]["version"]  # type: ignore[index]

    changed = await quick.update_order_status(bad.id, 9)  # still malformed, but another row
    result = await src.poll()
    assert (result.failed, result.held, result.given_up, result.unreadable_rows) == (1, 1, 0, 1)
    assert await failures_of(pool, bad.id) == 1
    counted = await pool.fetchval("SELECT version FROM bc_hydration_failures WHERE order_id = $1", bad.id)
    assert counted == await row_version(sandbox, admin, changed) != first
    state = await cursors.load(pool, cursor)
    assert state is not None and state.watermark <= order_modified(changed)  # held below the changed row

    await admin.delete("/__sandbox/faults/rows")
    fixed = await src.poll()
    assert fixed.published == 1 and published_ids(publisher)[-1] == bad.id
    assert (await exception_of(pool, store, bad.id))["status"] == "auto_resolved"  # type: ignore[index]
    state = await cursors.load(pool, cursor)
    assert state is not None and state.watermark == order_modified(changed)


async def test_a_row_malformed_only_in_lists_is_read_on_its_own(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    good, bad, later = await three_orders(quick)
    await malform(admin, bad.id, lists_only=True)
    result = await src.poll()
    assert (result.published, result.failed, result.held, result.unreadable_rows) == (3, 0, 0, 1)
    assert sorted(published_ids(publisher)) == [good.id, bad.id, later.id]
    assert await failures_of(pool, bad.id) is None and await exception_of(pool, store, bad.id) is None
    state = await cursors.load(pool, f"bigcommerce:{store}:orders")
    assert state is not None and state.watermark == order_modified(later)
    again = await src.poll()  # the row's version is remembered: not read again
    assert (again.published, again.failed, again.skipped) == (0, 0, 3)


async def test_a_row_without_a_readable_id_is_counted_and_left_out(sandbox, quick, pool, publisher, admin) -> None:
    store = sandbox.config.store_hash
    src = make_source(sandbox, quick, pool, publisher)
    good, bad, later = await three_orders(quick)
    await malform(admin, bad.id, field="id", value="not-an-id")
    before = rows_left_out(store)
    result = await src.poll()
    assert (result.listed, result.published, result.failed, result.held) == (2, 2, 0, 0)
    assert sorted(published_ids(publisher)) == [good.id, later.id]
    assert rows_left_out(store) == before + 1
    assert await pool.fetchval("SELECT count(*) FROM bc_hydration_failures") == 0
    state = await cursors.load(pool, f"bigcommerce:{store}:orders")
    assert state is not None and state.watermark == order_modified(later)


async def test_a_webhook_batch_reads_the_good_orders_in_one_request_and_counts_the_bad_one(sandbox, quick, pool,
                                                                                          publisher, admin) -> None:
    src = make_source(sandbox, quick, pool, publisher)
    good, bad, later = await three_orders(quick)
    await malform(admin, bad.id)
    await admin.post("/__sandbox/state/stats/reset")
    await src.handle_many([WebhookJob(hash=uuid.uuid4().hex, scope="store/order/updated", order_id=o.id)
                           for o in (good, bad, later)])
    assert sorted(published_ids(publisher)) == [good.id, later.id]
    assert await failures_of(pool, bad.id) == 1
    reads = (await admin.get("/__sandbox/state/stats")).json()["by_endpoint"]
    assert reads["GET /v2/orders"] == 1  # one batched read for all three, the malformed row left out of it
    assert reads["GET /v2/orders/{order_id}"] == 1  # only the bad one read on its own (its 200 is not retried)
