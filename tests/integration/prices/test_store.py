"""The prices store against a real PostgreSQL: dirty records, leases, coalescing, comparison (state/prices.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from state import prices as store
from state.db import create_pool
from state.prices import BcRecord, RecordRow

S = "store1"
T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
TIERS = [{"quantity_min": 10, "type": "fixed", "amount": "9.00"}]


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


def usd(price: str | None, tiers: list[dict[str, object]] | None = None, *, level: str = "2",
        problem: str | None = None) -> RecordRow:
    return RecordRow(level, "usd", Decimal(price) if price is not None else None, tiers or [], problem)


async def test_a_new_price_is_dirty_once_and_written_at_its_latest_value(pool: asyncpg.Pool) -> None:
    assert await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0) == 1
    assert await store.store_wanted(pool, S, "SKU-1", [usd("11.00", TIERS)], T0 + timedelta(seconds=1)) == 1
    assert await store.dirty_count(pool, S) == 1  # two changes, one record to write (latest wins)
    [leased] = await store.lease_dirty(pool, S, limit=1000)
    assert (leased.sku, leased.price, leased.tiers) == ("SKU-1", Decimal("11.00"), TIERS)
    assert await store.lease_dirty(pool, S, limit=1000) == []  # leased: another writer skips it
    await store.mark_written(pool, S, [leased])
    assert await store.dirty_count(pool, S) == 0
    assert await store.store_wanted(pool, S, "SKU-1", [usd("11.00", TIERS)], T0 + timedelta(seconds=2)) == 0


async def test_a_change_while_a_write_is_in_flight_stays_dirty(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0)
    [leased] = await store.lease_dirty(pool, S, limit=10)
    await store.store_wanted(pool, S, "SKU-1", [usd("12.00")], T0 + timedelta(seconds=1))
    await store.mark_written(pool, S, [leased])  # wrote 10.00: 12.00 is still to write
    await store.release(pool, S, [])
    [again] = await store.lease_dirty(pool, S, limit=10, lease_seconds=0)
    assert again.price == Decimal("12.00")


async def test_an_older_version_of_the_item_changes_nothing(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0)
    assert await store.store_wanted(pool, S, "SKU-1", [usd("9.00")], T0 - timedelta(seconds=1)) is None
    [leased] = await store.lease_dirty(pool, S, limit=10)
    assert leased.price == Decimal("10.00")


async def test_removal_deletes_only_what_was_written(pool: asyncpg.Pool) -> None:
    assert await store.store_wanted(pool, S, "SKU-1", [usd(None)], T0) == 0  # never written: nothing to delete
    await store.store_wanted(pool, S, "SKU-2", [usd("5.00")], T0)
    await store.mark_written(pool, S, await store.lease_dirty(pool, S, limit=10))
    assert await store.store_wanted(pool, S, "SKU-2", [usd(None)], T0 + timedelta(seconds=1)) == 1
    [deletion] = await store.lease_dirty(pool, S, limit=10)
    assert (deletion.sku, deletion.price) == ("SKU-2", None)


async def test_upserts_and_deletions_are_leased_apart_one_level_at_a_time(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "A", [usd("1.00"), usd("2.00", level="3")], T0)
    await store.store_wanted(pool, S, "B", [usd("3.00")], T0)
    first = await store.lease_dirty(pool, S, limit=10)
    assert {(r.level_key, r.sku) for r in first} == {("2", "A"), ("2", "B")}
    assert await store.lease_dirty(pool, S, limit=10, paused=["3"]) == []
    [other] = await store.lease_dirty(pool, S, limit=10)
    assert other.level_key == "3"


async def test_an_invalid_price_keeps_the_last_good_one_unwritten(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0)
    await store.mark_written(pool, S, await store.lease_dirty(pool, S, limit=10))
    assert await store.store_wanted(pool, S, "SKU-1", [usd(None, problem="negative")],
                                    T0 + timedelta(seconds=1)) == 0
    assert await store.lease_dirty(pool, S, limit=10) == []
    assert await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0 + timedelta(seconds=2)) == 1


async def test_a_rejected_record_waits_for_a_change_or_a_retry(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0)
    [leased] = await store.lease_dirty(pool, S, limit=10)
    await store.mark_rejected(pool, S, leased)
    assert await store.dirty_count(pool, S) == 0
    assert await store.retry_rejected(pool, S, "2", "SKU-1", "usd")
    assert await store.dirty_count(pool, S) == 1


async def test_comparison_counts_and_fixes_only_the_drift(pool: asyncpg.Pool) -> None:
    for sku, price in (("SAME", "1.00"), ("DIFF", "2.00"), ("GONE", "3.00"), ("TIERED", "4.00")):
        await store.store_wanted(pool, S, sku, [usd(price, TIERS if sku == "TIERED" else None)], T0)
    await store.store_wanted(pool, S, "REMOVED", [usd("5.00")], T0)
    await store.mark_written(pool, S, await store.lease_dirty(pool, S, limit=10))
    await store.store_wanted(pool, S, "REMOVED", [usd(None)], T0 + timedelta(seconds=1))
    await store.mark_written(pool, S, await store.lease_dirty(pool, S, limit=10))
    bc = [BcRecord("SAME", "usd", Decimal("1.00"), []), BcRecord("DIFF", "usd", Decimal("2.50"), []),
          BcRecord("TIERED", "usd", Decimal("4.00"), TIERS), BcRecord("STRAY", "usd", Decimal("6.00"), []),
          BcRecord("REMOVED", "usd", Decimal("5.00"), [])]
    audit = T0 + timedelta(minutes=1)
    assert await store.compare_page(pool, S, "2", bc, audit, fix=False) == (1, 2)
    assert await store.finish_audit(pool, S, "2", audit, fix=False) == 1  # GONE
    assert await store.dirty_count(pool, S) == 0  # a dry run changes nothing

    assert await store.compare_page(pool, S, "2", bc, audit, fix=True) == (1, 2)
    assert await store.finish_audit(pool, S, "2", audit, fix=True) == 1
    leased = {r.sku: r for r in await store.lease_dirty(pool, S, limit=10)}
    leased |= {r.sku: r for r in await store.lease_dirty(pool, S, limit=10)}
    assert set(leased) == {"DIFF", "GONE", "STRAY", "REMOVED"}
    assert leased["DIFF"].price == Decimal("2.00") and leased["STRAY"].price is None
    assert leased["REMOVED"].price is None


async def test_lists_and_customers_are_remembered(pool: asyncpg.Pool) -> None:
    await store.save_list(pool, S, "2", 7, "Wholesale")
    await store.save_list(pool, S, "2", 8, "Wholesale")
    assert await store.load_lists(pool, S) == {"2": (8, "Wholesale")}
    assert await store.save_customer(pool, S, ns_customer_id="42", email="Buyer@Example.com", level_key="2",
                                     group_id=11, bc_customer_id=5, status="moved", source_modified=T0)
    assert not await store.save_customer(pool, S, ns_customer_id="42", email="x@example.com", level_key=None,
                                         group_id=None, bc_customer_id=None, status="left",
                                         source_modified=T0 - timedelta(seconds=1))
    assert await store.customer_emails(pool, S) == {"buyer@example.com"}


async def test_the_next_writer_takes_back_a_dead_writer_s_leases(pool: asyncpg.Pool) -> None:
    await store.store_wanted(pool, S, "SKU-1", [usd("10.00")], T0)
    assert len(await store.lease_dirty(pool, S, limit=10, owner="dead")) == 1
    assert await store.lease_dirty(pool, S, limit=10, owner="next") == []
    assert await store.release_others(pool, S, "next") == 1
    assert [r.sku for r in await store.lease_dirty(pool, S, limit=10, owner="next")] == ["SKU-1"]
    assert await store.release_others(pool, S, "next") == 0  # its own leases stay
