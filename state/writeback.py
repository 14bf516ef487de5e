"""The write-back queue: NetSuite document numbers waiting to be written to BigCommerce orders (006_writeback).

A synced order is ``enqueue``d once per NetSuite sales order (a replay of the same result changes
nothing); a writer ``claim``s due rows in batches under a lease, then marks each one ``written`` or
schedules it again with a growing delay. Nothing is held in memory between batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from state.db import Executor


@dataclass(frozen=True)
class Writeback:
    store_hash: str
    order_id: int
    ns_id: str
    status: str
    tran_id: str | None
    metafield_id: int | None
    attempts: int
    last_error: str | None
    retry_at: datetime
    created_at: datetime
    updated_at: datetime
    written_at: datetime | None


@dataclass(frozen=True)
class Written:
    order_id: int
    ns_id: str
    tran_id: str
    metafield_id: int


@dataclass(frozen=True)
class Retry:
    order_id: int
    ns_id: str
    error: str
    #: The metafield to update next time (``None``: create one).
    metafield_id: int | None = None


async def enqueue(conn: Executor, store_hash: str, order_id: int, ns_id: str) -> bool:
    """Queue the write-back of ``order_id``'s sales order ``ns_id``; False if it is queued or written already.

    A different sales order for the same BigCommerce order (rare: recreated in NetSuite) queues it again;
    the metafield id already known is kept, so the existing metafield is updated rather than duplicated.
    """
    result: str = await conn.execute(
        """INSERT INTO order_writebacks (store_hash, order_id, ns_id, status)
           VALUES ($1, $2, $3, 'pending')
           ON CONFLICT (store_hash, order_id) DO UPDATE SET
               ns_id = EXCLUDED.ns_id, status = 'pending', attempts = 0, last_error = NULL, retry_at = now(),
               updated_at = now(), written_at = NULL
           WHERE order_writebacks.ns_id <> EXCLUDED.ns_id""",
        store_hash, order_id, ns_id,
    )
    return result.endswith(" 1")


async def due(conn: Executor, store_hash: str, limit: int) -> int:
    """How many rows are due now (counted up to ``limit``)."""
    value = await conn.fetchval(
        """SELECT count(*) FROM (SELECT 1 FROM order_writebacks
                                 WHERE store_hash = $1 AND status = 'pending' AND retry_at <= now() LIMIT $2) d""",
        store_hash, limit,
    )
    return int(value or 0)


async def claim(conn: Executor, store_hash: str, limit: int, *, lease: float) -> list[Writeback]:
    """Up to ``limit`` due rows, oldest first, each hidden from other claims for ``lease`` seconds."""
    rows = await conn.fetch(
        """UPDATE order_writebacks w SET retry_at = now() + make_interval(secs => $3), updated_at = now()
           FROM (SELECT store_hash, order_id FROM order_writebacks
                 WHERE store_hash = $1 AND status = 'pending' AND retry_at <= now()
                 ORDER BY retry_at, order_id LIMIT $2 FOR UPDATE SKIP LOCKED) due
           WHERE w.store_hash = due.store_hash AND w.order_id = due.order_id
           RETURNING w.*""",
        store_hash, limit, lease,
    )
    return sorted((Writeback(**dict(r)) for r in rows), key=lambda w: w.order_id)


async def mark_written(conn: Executor, store_hash: str, done: Iterable[Written]) -> None:
    """Record written metafields (a row whose sales order changed meanwhile stays pending)."""
    await conn.executemany(
        """UPDATE order_writebacks SET status = 'written', tran_id = $4, metafield_id = $5, last_error = NULL,
               written_at = now(), updated_at = now()
           WHERE store_hash = $1 AND order_id = $2 AND ns_id = $3""",
        [(store_hash, w.order_id, w.ns_id, w.tran_id, w.metafield_id) for w in done],
    )


async def retry_later(conn: Executor, store_hash: str, retries: Sequence[Retry], *, base: float,
                      cap: float) -> dict[int, int]:
    """Schedule each row again after ``base * 2^attempts`` seconds (at most ``cap``); returns the attempts."""
    attempts: dict[int, int] = {}
    for r in retries:
        value = await conn.fetchval(
            """UPDATE order_writebacks SET attempts = attempts + 1, last_error = $4, metafield_id = $5,
                   retry_at = now() + make_interval(
                       secs => LEAST($7::float8, $6::float8 * power(2, LEAST(attempts, 16)))),
                   updated_at = now()
               WHERE store_hash = $1 AND order_id = $2 AND ns_id = $3 AND status = 'pending'
               RETURNING attempts""",
            store_hash, r.order_id, r.ns_id, r.error[:2000], r.metafield_id, base, cap,
        )
        if value is not None:
            attempts[r.order_id] = int(value)
    return attempts


async def get(conn: Executor, store_hash: str, order_id: int) -> Writeback | None:
    row = await conn.fetchrow("SELECT * FROM order_writebacks WHERE store_hash = $1 AND order_id = $2",
                              store_hash, order_id)
    return Writeback(**dict(row)) if row else None


async def counts(conn: Executor, store_hash: str) -> dict[str, int]:
    """Rows per status (``pending``, ``written``) for one store."""
    rows = await conn.fetch("SELECT status, count(*) AS n FROM order_writebacks WHERE store_hash = $1 "
                            "GROUP BY status", store_hash)
    return {str(r["status"]): int(r["n"]) for r in rows}
