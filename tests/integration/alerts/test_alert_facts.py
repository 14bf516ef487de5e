"""The alerts' facts (state/alerts.py) against a real PostgreSQL: stock marks, exception counts, late payouts,
the order flow window, and how one round records, refreshes and auto-resolves alert exceptions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest

from state import alerts, exceptions
from state.db import create_pool
from streams.alerts.evaluate import evaluate
from streams.alerts.firing import Firing


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


async def test_stock_marks_keep_the_oldest_wait_until_written(pool: asyncpg.Pool) -> None:
    long_ago = time.time() - 3600
    await alerts.stock_queued(pool, "s1", "A", long_ago)
    await alerts.stock_queued(pool, "s1", "A", time.time())  # a newer change keeps the older wait
    await alerts.stock_queued(pool, "s1", "B", long_ago)
    await alerts.stock_queued(pool, "s1", "C", time.time())
    await exceptions.record(pool, exceptions.NewException(kind="stock_sync_failed", object_type="inventory",
                                                          owner="operations", message="…", bc_id="B"))
    total, rows = await alerts.stale_stock(pool, 600)
    assert (total, [r.sku for r in rows]) == (1, ["A"])  # B has its own exception, C is recent

    await alerts.stock_settled(pool, "s1", [("A", None)])
    assert await alerts.stale_stock(pool, 600) == (0, [])
    await alerts.stock_settled(pool, "s1", [("C", long_ago)], written=False)  # its next wait starts long ago
    assert [r.sku for r in (await alerts.stale_stock(pool, 600))[1]] == ["C"]
    written = await pool.fetch("SELECT sku, written_at IS NOT NULL AS w FROM stock_sync_marks ORDER BY sku")
    assert [(r["sku"], r["w"]) for r in written] == [("A", True), ("B", False), ("C", False)]


async def test_new_exceptions_leave_the_alerts_out_and_late_payouts_are_listed(pool: asyncpg.Pool) -> None:
    for i in range(3):
        await exceptions.record(pool, exceptions.NewException(kind="missing_sku", object_type="order",
                                                              owner="operations", message="…", bc_id=str(i)))
    await exceptions.record(pool, exceptions.NewException(kind="alert_backlog", object_type="alert",
                                                          owner="engineering", message="…", bc_id="x"))
    assert await alerts.new_exceptions(pool, 600) == [("missing_sku", "operations", 3)]

    for payout_id, hours, result in (("late", 30, "mismatch"), ("fresh", 2, "mismatch"), ("fine", 30, "reconciled"),
                                     ("manual", 30, "date_window")):
        await pool.execute(
            """INSERT INTO payouts (gateway, payout_id, status, amount, currency, arrival_date, created, result,
                                    residual, posted_at)
               VALUES ('stripe', $1, 'paid', 100, 'usd', current_date, now(), $2, 12.5,
                       now() - make_interval(hours => $3))""", payout_id, result, hours)
    late = await alerts.unreconciled_payouts(pool, 24 * 3600)
    assert [(p.payout_id, p.residual) for p in late] == [("late", Decimal("12.5000"))]


async def test_order_flow_counts_new_orders_and_sales_orders_of_the_store(pool: asyncpg.Pool) -> None:
    for order_id, age in ((1, 60), (2, 60), (3, 7200)):
        await pool.execute("INSERT INTO bc_published (store_hash, kind, resource_id, version, event_id, published_at) "
                           "VALUES ('s1', 'order', $1, 'v1', $2, now() - make_interval(secs => $3))",
                           order_id, f"e{order_id}", age)
    await pool.execute("INSERT INTO bc_published (store_hash, kind, resource_id, version, event_id) "
                       "VALUES ('s1', 'order', 3, 'v2', 'e3b'), ('other', 'order', 9, 'v1', 'e9')")
    flow = await alerts.order_flow(pool, "s1", 900)
    assert (flow.received, flow.written, flow.last_written) == (2, 0, None)  # order 3 is an old order's new version


async def test_a_round_records_refreshes_and_auto_resolves(pool: asyncpg.Pool) -> None:
    firing: list[Firing] = [Firing("s1", "first words", payload={"n": 1})]

    async def stalled() -> list[Firing]:
        return firing

    async def broken() -> list[Firing]:
        raise OSError("Kafka unreachable")

    async def pool_factory() -> asyncpg.Pool:
        return pool

    await exceptions.record(pool, exceptions.NewException(  # from an earlier round: its check now fails
        kind="alert_backlog", object_type="alert", owner="engineering", message="…", dedupe_key="alert_backlog:x"))
    results = await evaluate(pool_factory, {"orders_stalled": stalled, "backlog": broken})
    assert results["backlog"] is None and results["orders_stalled"] == firing
    firing[:] = [Firing("s1", "newer words", payload={"n": 2})]
    await evaluate(pool_factory, {"orders_stalled": stalled, "backlog": broken})
    rows = await pool.fetch("SELECT kind, status, occurrences, message, payload, owner, severity FROM exceptions "
                            "ORDER BY id")
    assert [(r["kind"], r["status"]) for r in rows] == [("alert_backlog", "open"), ("alert_orders_stalled", "open")]
    stalled_row = rows[1]
    assert (stalled_row["occurrences"], stalled_row["message"], stalled_row["owner"], stalled_row["severity"]) == (
        1, "newer words", "engineering", "critical")
    assert stalled_row["payload"] == {"n": 2, "alert": "orders_stalled",
                                      "runbook": "docs/operations.md#alert-orders_stalled"}
    firing.clear()
    await evaluate(pool_factory, {"orders_stalled": stalled, "backlog": broken})
    assert [r["status"] for r in await pool.fetch("SELECT status FROM exceptions ORDER BY id")] == [
        "open", "auto_resolved"]
