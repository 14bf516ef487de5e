"""The shared exception actions (page and CLI) against a real PostgreSQL: retry, resolve, bulk retry."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from state import exceptions as store
from state import ops_actions
from state.db import create_pool
from streams.platform import exception_actions as actions


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


async def _raise(pool: asyncpg.Pool, kind: str, bc_id: str, owner: store.Owner = "operations") -> int:
    return await store.record(pool, store.NewException(kind=kind, object_type="order", owner=owner,
                                                       message=f"{kind} on {bc_id}", bc_id=bc_id))


async def test_retry_sets_retrying_and_records_the_action(pool: asyncpg.Pool) -> None:
    eid = await _raise(pool, "order_unreadable", "501")
    result = await actions.retry(pool, eid, actor="cli:ann", role=None, source="cli")
    assert result.ok, result.message
    found = await store.get(pool, eid)
    assert found is not None
    assert (found.status, found.retries, found.retry_requested_by) == ("retrying", 1, "cli:ann")
    [row] = await ops_actions.recent(pool, object_type="exception", object_id=str(eid))
    assert (row.action, row.actor, row.source, row.detail["kind"]) == ("retry", "cli:ann", "cli", "order_unreadable")

    again = await actions.retry(pool, eid, actor="cli:ann", role=None, source="cli")
    assert not again.ok and "already being retried" in again.message
    assert len(await ops_actions.recent(pool, object_type="exception", object_id=str(eid))) == 1


async def test_retry_refuses_kinds_not_retried_and_unknown_ids(pool: asyncpg.Pool) -> None:
    eid = await _raise(pool, "missing_sku", "502")
    refused = await actions.retry(pool, eid, actor="ann", role="operator", source="page")
    assert not refused.ok and "fix the cause, then resolve it" in refused.message
    assert (await store.get(pool, eid)).status == "open"  # type: ignore[union-attr]
    missing = await actions.retry(pool, 10**9, actor="ann", role="operator", source="page")
    assert not missing.ok and "no exception" in missing.message
    assert await ops_actions.recent(pool, object_type="exception") == []
    with pytest.raises(ValueError):
        await actions.retry(pool, eid, actor="ann", role=None, source="email")


async def test_resolve_needs_a_note_and_records_it(pool: asyncpg.Pool) -> None:
    eid = await _raise(pool, "missing_sku", "503")
    assert not (await actions.resolve(pool, eid, actor="ann", note="  ", role="operator", source="page")).ok
    result = await actions.resolve(pool, eid, actor="ann", note="item created in NetSuite", role="operator",
                                   source="page")
    assert result.ok, result.message
    found = await store.get(pool, eid)
    assert found is not None
    assert (found.status, found.resolved_by, found.resolution_note) == ("resolved", "ann", "item created in NetSuite")
    [row] = await ops_actions.recent(pool, object_type="exception", object_id=str(eid))
    assert (row.action, row.note, row.role, row.source) == ("resolve", "item created in NetSuite", "operator", "page")
    twice = await actions.resolve(pool, eid, actor="ann", note="again", role="operator", source="page")
    assert not twice.ok and "not open" in twice.message


async def test_retry_many_counts_and_rate(pool: asyncpg.Pool) -> None:
    retryable = [await _raise(pool, "invalid_event", f"6{i:02d}", owner="engineering") for i in range(6)]
    refused = await _raise(pool, "missing_sku", "650", owner="engineering")
    await store.request_retry(pool, retryable[0])  # already retrying: skipped
    await _raise(pool, "invalid_event", "651", owner="finance")  # another owner: not matched

    started = time.monotonic()
    result = await actions.retry_many(pool, store.Filters(owner="engineering"), actor="cli:ann", role=None,
                                      source="cli", per_second=10, page_size=2)
    elapsed = time.monotonic() - started
    assert (result.requested, result.refused, result.skipped) == (5, 1, 1)
    assert elapsed >= 0.35  # 5 requests at 10/s: at least 4 intervals of 0.1 s
    assert (await store.get(pool, refused)).status == "open"  # type: ignore[union-attr]
    rows = await ops_actions.recent(pool, object_type="exception")
    assert sorted(int(r.object_id or 0) for r in rows) == retryable[1:]
    assert all(r.detail["bulk"] and r.action == "retry" for r in rows)
    assert "5 retry requested" in result.message
