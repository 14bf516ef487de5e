"""Failed hydrations, counted durably per store and order (``bc_hydration_failures``).

The rule (pure, :func:`count_failure` / :func:`given_up`): each failure of an order adds one; a
failure of another *known* version of it starts over at 1 (the order changed, so it deserves fresh
attempts); a failure whose version is unknown ('' — the order itself could not be read) counts towards
the version already counted. A version is given up once it failed ``limit`` times: the source then
reports it (:meth:`~.sink.Sink.unreadable`) and moves past it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import asyncpg

from connectors.http import MAX_ERROR, one_line
from state import bigcommerce_source as store
from state.bigcommerce_source import HydrationFailure

__all__ = ["MAX_ERROR", "FailureBook", "HydrationFailed", "count_failure", "given_up", "one_line"]


def count_failure(previous: HydrationFailure | None, *, order_id: int, version: str, error: str,
                  at: datetime) -> HydrationFailure:
    """The record after one more failure of ``version`` (see the module docstring for the rule)."""
    if previous is None or previous.failures <= 0 or (version and previous.version and version != previous.version):
        return HydrationFailure(order_id, version, 1, error, at, at)
    return replace(previous, version=version or previous.version, failures=previous.failures + 1,
                   last_error=error, last_failed_at=at)


def given_up(failure: HydrationFailure | None, version: str, limit: int) -> bool:
    """Whether ``version`` already failed ``limit`` times (the source skips it without reading it)."""
    return failure is not None and failure.failures >= limit and failure.version == version


class HydrationFailed(Exception):
    """A hydration failed and was counted; ``failure`` is the record after counting it."""

    def __init__(self, failure: HydrationFailure, limit: int) -> None:
        super().__init__(failure.last_error)
        self.failure = failure
        self.limit = limit

    @property
    def given_up(self) -> bool:
        return self.failure.failures >= self.limit


class FailureBook:
    """The durable counter of one store, applying :func:`count_failure` under a row lock."""

    def __init__(self, pool: asyncpg.Pool, store_hash: str, limit: int) -> None:
        self.pool = pool
        self.store_hash = store_hash
        self.limit = limit

    async def count(self, order_id: int, version: str, error: BaseException) -> HydrationFailure:
        async with self.pool.acquire() as conn, conn.transaction():
            previous = await store.lock_failure(conn, self.store_hash, order_id)
            failure = count_failure(previous, order_id=order_id, version=version, error=one_line(error),
                                    at=datetime.now(UTC))
            await store.save_failure(conn, self.store_hash, failure)
        return failure

    async def of(self, order_ids: list[int]) -> dict[int, HydrationFailure]:
        return await store.failures_of(self.pool, self.store_hash, order_ids)

    async def reset(self, order_id: int) -> None:
        await store.reset_failures(self.pool, self.store_hash, order_id)
