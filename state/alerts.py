"""The global facts silent-failure detection samples (``streams/alerts``), and the stock marks it needs (015).

Every figure is measured against PostgreSQL's clock, so a worker's clock skew cannot fire or clear a rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from state.db import Executor


async def database_now(conn: Executor) -> datetime:
    value: datetime = await conn.fetchval("SELECT now()")
    return value


@dataclass(frozen=True)
class OrderFlow:
    """Within the window: orders first published from BigCommerce, and sales orders written (``synced_at``)."""

    received: int
    written: int
    last_written: datetime | None


async def order_flow(conn: Executor, store_hash: str, window_seconds: float) -> OrderFlow:
    row = await conn.fetchrow(
        """SELECT
             (SELECT count(*) FROM (SELECT resource_id FROM bc_published
                                    WHERE store_hash = $1 AND kind = 'order'
                                    GROUP BY resource_id
                                    HAVING min(published_at) > now() - make_interval(secs => $2)) AS fresh)
               AS received,
             (SELECT count(*) FROM order_links
               WHERE store_hash = $1 AND synced_at > now() - make_interval(secs => $2)) AS written,
             (SELECT max(synced_at) FROM order_links WHERE store_hash = $1) AS last_written""",
        store_hash, window_seconds,
    )
    assert row is not None
    return OrderFlow(int(row["received"]), int(row["written"]), row["last_written"])


async def cursor_times(conn: Executor, names: Sequence[str]) -> dict[str, datetime]:
    """When each poller cursor was last advanced (every completed poll advances it); absent = never."""
    rows = await conn.fetch("SELECT name, updated_at FROM cursors WHERE name = ANY($1::text[])", list(names))
    return {r["name"]: r["updated_at"] for r in rows}


async def last_webhook(conn: Executor, store_hash: str) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT max(received_at) FROM bc_webhook_receipts WHERE store_hash = $1", store_hash)
    return value


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None


async def orders_waiting_on_retry(conn: Executor, older_than_seconds: float) -> Waiting:
    """Orders parked after a transient NetSuite failure for longer than ``older_than_seconds``."""
    row = await conn.fetchrow(
        """SELECT count(*) AS n, min(parked_at) AS oldest FROM parked_orders
           WHERE reason = 'retry' AND parked_at < now() - make_interval(secs => $1)""", older_than_seconds)
    assert row is not None
    return Waiting(int(row["n"]), row["oldest"])


async def new_exceptions(conn: Executor, window_seconds: float) -> list[tuple[str, str, int]]:
    """(kind, owner, exceptions opened) within the window, alerts' own kinds left out."""
    rows = await conn.fetch(
        """SELECT kind, owner, count(*) AS n FROM exceptions
           WHERE created_at > now() - make_interval(secs => $1) AND kind NOT LIKE 'alert\\_%'
           GROUP BY kind, owner ORDER BY kind, owner""", window_seconds)
    return [(r["kind"], r["owner"], int(r["n"])) for r in rows]


@dataclass(frozen=True)
class LatePayout:
    gateway: str
    payout_id: str
    currency: str
    posted_at: datetime
    result: str
    residual: Decimal | None


async def unreconciled_payouts(conn: Executor, older_than_seconds: float, limit: int = 200) -> list[LatePayout]:
    """Payouts posted longer ago than ``older_than_seconds`` whose reconciliation is still pending or off."""
    rows = await conn.fetch(
        """SELECT gateway, payout_id, currency, posted_at, result, residual FROM payouts
           WHERE posted_at IS NOT NULL AND posted_at < now() - make_interval(secs => $1)
             AND result IN ('pending', 'mismatch')
           ORDER BY posted_at LIMIT $2""", older_than_seconds, limit)
    return [LatePayout(r["gateway"], r["payout_id"], r["currency"], r["posted_at"], r["result"], r["residual"])
            for r in rows]


# --------------------------------------------------------------------------- stock marks (015)


@dataclass(frozen=True)
class StaleStock:
    store_hash: str
    sku: str
    pending_since: datetime


async def stale_stock(conn: Executor, older_than_seconds: float, limit: int = 200) -> tuple[int, list[StaleStock]]:
    """(how many, the oldest ``limit``) SKUs whose stock change has waited for BigCommerce too long; SKUs with
    an open ``stock_sync_failed`` exception are left out (that exception already tells operations)."""
    where = """m.pending_since < now() - make_interval(secs => $1)
               AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.kind = 'stock_sync_failed'
                               AND e.status IN ('open', 'retrying') AND e.bc_id = m.sku)"""
    total = await conn.fetchval(f"SELECT count(*) FROM stock_sync_marks m WHERE {where}", older_than_seconds)
    rows = await conn.fetch(f"""SELECT store_hash, sku, pending_since FROM stock_sync_marks m WHERE {where}
                                ORDER BY pending_since LIMIT $2""", older_than_seconds, limit)
    return int(total or 0), [StaleStock(r["store_hash"], r["sku"], r["pending_since"]) for r in rows]


async def stock_queued(conn: Executor, store_hash: str, sku: str, at: float) -> None:
    """A stock change for ``sku`` waits for BigCommerce since ``at`` (Unix time); an older wait is kept."""
    await conn.execute(
        """INSERT INTO stock_sync_marks (store_hash, sku, pending_since) VALUES ($1, $2, to_timestamp($3))
           ON CONFLICT (store_hash, sku) DO UPDATE
           SET pending_since = COALESCE(stock_sync_marks.pending_since, EXCLUDED.pending_since)""",
        store_hash, sku, at,
    )


async def stock_settled(conn: Executor, store_hash: str, settled: Sequence[tuple[str, float | None]],
                        *, written: bool = True) -> None:
    """BigCommerce took (or, ``written=False``, will never need) these SKUs' stock; each SKU's next wait
    starts at its Unix time (None: nothing waits)."""
    if not settled:
        return
    await conn.execute(
        """INSERT INTO stock_sync_marks (store_hash, sku, pending_since, written_at)
           SELECT $1, s.sku, to_timestamp(s.next), CASE WHEN $4 THEN now() END
           FROM unnest($2::text[], $3::float8[]) AS s(sku, next)
           ON CONFLICT (store_hash, sku) DO UPDATE
           SET pending_since = EXCLUDED.pending_since,
               written_at = COALESCE(EXCLUDED.written_at, stock_sync_marks.written_at)""",
        store_hash, [s for s, _ in settled], [n for _, n in settled], written,
    )


# --------------------------------------------------------------------------- the alerts' own exceptions


async def open_alert_keys(conn: Executor) -> set[str]:
    """Dedupe keys of the open (or retrying) exceptions of kind ``alert_*``."""
    rows = await conn.fetch("SELECT dedupe_key FROM exceptions WHERE kind LIKE 'alert\\_%' "
                            "AND status IN ('open', 'retrying')")
    return {r["dedupe_key"] for r in rows}


async def refresh_alert(conn: Executor, dedupe_key: str, message: str, payload: object) -> None:
    """Bring a still-firing alert's message and figures up to date (its occurrences stay as they are)."""
    await conn.execute(
        """UPDATE exceptions SET message = $2, payload = $3, updated_at = now()
           WHERE dedupe_key = $1 AND status IN ('open', 'retrying') AND message IS DISTINCT FROM $2""",
        dedupe_key, message, payload)
