"""The first stores (exceptions, ledger, cursors) against a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from state import cursors, exceptions, ledger, summary
from state.db import create_pool


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


async def test_one_open_exception_per_object_and_kind(pool: asyncpg.Pool) -> None:
    new = exceptions.NewException(kind="missing_sku", object_type="order", owner="operations",
                                  message="SKU TEE-BLK-M is not in NetSuite.", bc_id="101",
                                  payload={"sku": "TEE-BLK-M"})
    first = await exceptions.record(pool, new)
    second = await exceptions.record(pool, new)
    assert first == second
    [open_one] = await exceptions.list_open(pool, owner="operations")
    assert (open_one.occurrences, open_one.payload) == (2, {"sku": "TEE-BLK-M"})

    assert await exceptions.auto_resolve(pool, object_type="order", bc_id="101") == 1
    assert await exceptions.list_open(pool) == []
    third = await exceptions.record(pool, new)  # a new occurrence after resolution opens a new record
    assert third != first
    assert await exceptions.resolve(pool, third, by="ops", note="item created")
    assert not await exceptions.resolve(pool, third, by="ops")


async def test_ledger_counts_attempts_and_keeps_ids(pool: asyncpg.Pool) -> None:
    key = {"object_type": "order", "direction": "bc_to_ns", "source_id": "101"}
    await ledger.mark(pool, **key, status="parked", error="SKU missing", external_id="BC-SO-s-101")  # type: ignore[arg-type]
    await ledger.mark(pool, **key, status="synced", target_id="9001")  # type: ignore[arg-type]
    entry = await ledger.get(pool, **key)  # type: ignore[arg-type]
    assert entry is not None
    assert (entry.status, entry.attempts, entry.target_id, entry.external_id, entry.last_error) == (
        "synced", 2, "9001", "BC-SO-s-101", None)
    assert entry.synced_at is not None


async def test_cursor_never_moves_back_and_keeps_ids_at_the_watermark(pool: asyncpg.Pool) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    await cursors.advance(pool, "bigcommerce:orders", t0, {"1"})
    await cursors.advance(pool, "bigcommerce:orders", t0, {"2"})
    await cursors.advance(pool, "bigcommerce:orders", t0 - timedelta(minutes=5), {"0"})
    cursor = await cursors.load(pool, "bigcommerce:orders")
    assert cursor is not None
    assert (cursor.watermark, cursor.seen_ids) == (t0, frozenset({"1", "2"}))
    await cursors.advance(pool, "bigcommerce:orders", t0 + timedelta(seconds=1), {"3"})
    cursor = await cursors.load(pool, "bigcommerce:orders")
    assert cursor is not None and cursor.seen_ids == frozenset({"3"})
    assert await cursors.load(pool, "netsuite:items") is None


async def test_demo_figures_count_shipments_created_since_the_start(pool: asyncpg.Pool) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    before = (await summary.demo_figures(pool, since))["shipments"]
    await pool.execute("""INSERT INTO fulfilment_shipments (store_hash, ns_id, package_key, status, shipment_id)
                          VALUES ('demo', 'IF-STATE-1', '1', 'created', 7),
                                 ('demo', 'IF-STATE-1', '2', 'pending', NULL)""")
    assert (await summary.demo_figures(pool, since))["shipments"] == before + 1
