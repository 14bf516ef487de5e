"""The change source's PostgreSQL records (``state/migrations/003_bigcommerce_source.sql`` and ``007``).

- ``bc_webhook_receipts``: webhook ``hash`` values already taken (dedupe that survives restarts);
- ``bc_published``: order versions and refunds already published (the webhook path and the poller
  skip what the other already did; consumers still dedupe on ``event_id``);
- ``bc_hydration_failures``: orders that failed to hydrate, how often in a row and for which version
  (the rule that counts them is ``connectors/bigcommerce/source/failures.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from state.db import Executor

Conn = asyncpg.Connection | asyncpg.Pool


async def claim_webhook(conn: Conn, store_hash: str, hash_: str, scope: str, resource_id: str | None) -> bool:
    """Record a delivery; False when this ``hash`` was already taken (a duplicate)."""
    row = await conn.fetchval(
        """INSERT INTO bc_webhook_receipts (store_hash, hash, scope, resource_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (store_hash, hash) DO NOTHING RETURNING 1""",
        store_hash, hash_, scope, resource_id,
    )
    return row is not None


async def release_webhook(conn: Conn, store_hash: str, hash_: str) -> None:
    """Forget a delivery whose work failed, so a redelivery of it is processed."""
    await conn.execute("DELETE FROM bc_webhook_receipts WHERE store_hash = $1 AND hash = $2", store_hash, hash_)


async def is_published(conn: Conn, store_hash: str, kind: str, resource_id: int, version: str = "") -> bool:
    row = await conn.fetchval(
        """SELECT 1 FROM bc_published
           WHERE store_hash = $1 AND kind = $2 AND resource_id = $3 AND version = $4""",
        store_hash, kind, resource_id, version,
    )
    return row is not None


async def published_versions(conn: Conn, store_hash: str, kind: str, versions: list[tuple[int, str]]) -> set[int]:
    """Which of ``(resource id, version)`` were published already; one query for a whole page."""
    if not versions:
        return set()
    rows = await conn.fetch(
        """SELECT resource_id, version FROM bc_published
           WHERE store_hash = $1 AND kind = $2 AND resource_id = ANY($3::bigint[])""",
        store_hash, kind, [resource_id for resource_id, _ in versions],
    )
    done = {(int(r["resource_id"]), r["version"]) for r in rows}
    return {resource_id for resource_id, version in versions if (resource_id, version) in done}


async def published_refunds(conn: Conn, store_hash: str, refund_ids: list[int]) -> set[int]:
    rows = await conn.fetch(
        """SELECT resource_id FROM bc_published
           WHERE store_hash = $1 AND kind = 'refund' AND resource_id = ANY($2::bigint[])""",
        store_hash, refund_ids,
    )
    return {int(r["resource_id"]) for r in rows}


async def mark_published(
    conn: Conn, store_hash: str, kind: str, resource_id: int, event_id: str, version: str = ""
) -> None:
    await conn.execute(
        """INSERT INTO bc_published (store_hash, kind, resource_id, version, event_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
        store_hash, kind, resource_id, version, event_id,
    )


async def cleanup(conn: Conn, ttl_seconds: float) -> tuple[int, int]:
    """Delete receipts and order versions older than the TTL; returns (receipts, versions) deleted."""
    receipts = await conn.fetchval(
        """WITH gone AS (DELETE FROM bc_webhook_receipts
                         WHERE received_at < now() - make_interval(secs => $1) RETURNING 1)
           SELECT count(*) FROM gone""",
        ttl_seconds,
    )
    versions = await conn.fetchval(
        """WITH gone AS (DELETE FROM bc_published
                         WHERE kind = 'order' AND published_at < now() - make_interval(secs => $1) RETURNING 1)
           SELECT count(*) FROM gone""",
        ttl_seconds,
    )
    return int(receipts or 0), int(versions or 0)


# --------------------------------------------------------------------------- failed hydrations (007)


@dataclass(frozen=True)
class HydrationFailure:
    """How often one order failed to hydrate in a row, for which version, and the last error."""

    order_id: int
    version: str
    failures: int
    last_error: str
    first_failed_at: datetime
    last_failed_at: datetime


_FAILURE_COLUMNS = "order_id, version, failures, last_error, first_failed_at, last_failed_at"


def _failure(row: asyncpg.Record) -> HydrationFailure:
    return HydrationFailure(int(row["order_id"]), row["version"], int(row["failures"]), row["last_error"],
                            row["first_failed_at"], row["last_failed_at"])


async def lock_failure(conn: Executor, store_hash: str, order_id: int) -> HydrationFailure:
    """The order's failure row, locked until the caller's transaction ends (a zero row when there was none).

    Run inside a transaction: concurrent counters of one order then wait for each other, so no
    failure is lost between reading the count and writing the next one.
    """
    await conn.execute(
        """INSERT INTO bc_hydration_failures (store_hash, order_id) VALUES ($1, $2)
           ON CONFLICT (store_hash, order_id) DO NOTHING""",
        store_hash, order_id,
    )
    row = await conn.fetchrow(
        f"""SELECT {_FAILURE_COLUMNS} FROM bc_hydration_failures
            WHERE store_hash = $1 AND order_id = $2 FOR UPDATE""",
        store_hash, order_id,
    )
    assert row is not None
    return _failure(row)


async def save_failure(conn: Executor, store_hash: str, failure: HydrationFailure) -> None:
    await conn.execute(
        """UPDATE bc_hydration_failures
           SET version = $3, failures = $4, last_error = $5, first_failed_at = $6, last_failed_at = $7
           WHERE store_hash = $1 AND order_id = $2""",
        store_hash, failure.order_id, failure.version, failure.failures, failure.last_error,
        failure.first_failed_at, failure.last_failed_at,
    )


async def failures_of(conn: Executor, store_hash: str, order_ids: list[int]) -> dict[int, HydrationFailure]:
    """The failure rows of these orders (one query for a page)."""
    if not order_ids:
        return {}
    rows = await conn.fetch(
        f"""SELECT {_FAILURE_COLUMNS} FROM bc_hydration_failures
            WHERE store_hash = $1 AND order_id = ANY($2::bigint[]) AND failures > 0""",
        store_hash, order_ids,
    )
    return {int(r["order_id"]): _failure(r) for r in rows}


async def reset_failures(conn: Executor, store_hash: str, order_id: int) -> None:
    """Start the order's count over (an operator asked for a retry); the row stays until a success."""
    await conn.execute(
        "UPDATE bc_hydration_failures SET failures = 0 WHERE store_hash = $1 AND order_id = $2",
        store_hash, order_id,
    )


async def mark_order_published(conn: Executor, store_hash: str, order_id: int, event_id: str, version: str) -> bool:
    """Record a published order version and forget the order's failures; True when it had a failure row."""
    cleared = await conn.fetchval(
        """WITH cleared AS (DELETE FROM bc_hydration_failures WHERE store_hash = $1 AND order_id = $2
                            RETURNING 1),
                published AS (INSERT INTO bc_published (store_hash, kind, resource_id, version, event_id)
                              VALUES ($1, 'order', $2, $3, $4) ON CONFLICT DO NOTHING)
           SELECT count(*) FROM cleared""",
        store_hash, order_id, version, event_id,
    )
    return bool(cleared)


async def retrying_orders(conn: Executor, store_hash: str) -> list[int]:
    """Orders of this store whose ``order_unreadable`` exception an operator asked to retry."""
    rows = await conn.fetch(
        """SELECT DISTINCT bc_id::bigint AS order_id FROM exceptions
           WHERE kind = 'order_unreadable' AND status = 'retrying' AND payload->>'store' = $1
             AND bc_id ~ '^[0-9]+$'
           ORDER BY 1""",
        store_hash,
    )
    return [int(r["order_id"]) for r in rows]
