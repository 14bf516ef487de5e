"""The change source's PostgreSQL records (tables of ``state/migrations/003_bigcommerce_source.sql``).

- ``bc_webhook_receipts``: webhook ``hash`` values already taken (dedupe that survives restarts);
- ``bc_published``: order versions and refunds already published (the webhook path and the poller
  skip what the other already did; consumers still dedupe on ``event_id``).
"""

from __future__ import annotations

import asyncpg

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
