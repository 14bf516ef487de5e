"""The flows' shared retry loop against a real PostgreSQL: an unreachable system leaves that one retrying."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from connectors.http import RetryableError
from state import exceptions as store
from state.db import create_pool
from streams.platform import retries


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


async def _retrying(pool: asyncpg.Pool, kind: str, bc_id: str) -> int:
    eid = await store.record(pool, store.NewException(kind=kind, object_type="order", owner="operations",
                                                      message=f"{kind} on {bc_id}", bc_id=bc_id))
    assert await store.request_retry(pool, eid, by="test")
    return eid


async def test_an_unreachable_system_leaves_its_exception_retrying_and_the_others_still_run(
        pool: asyncpg.Pool) -> None:
    away = await _retrying(pool, "total_mismatch", "601")
    fine = await _retrying(pool, "total_mismatch", "602")
    other_kind = await _retrying(pool, "order_unreadable", "603")
    handled: list[int] = []

    async def handle(exc: store.StoredException) -> None:
        handled.append(exc.id)
        if exc.id == away:
            raise RetryableError("NetSuite is unavailable")
        await retries.settle(pool, exc, "planned again")

    await retries.each_retrying(pool, ["total_mismatch"], handle, what="held order")

    assert sorted(handled) == sorted([away, fine])
    statuses = {eid: (await store.get(pool, eid)).status for eid in (away, fine, other_kind)}  # type: ignore[union-attr]
    assert statuses == {away: "retrying", fine: "resolved", other_kind: "retrying"}
