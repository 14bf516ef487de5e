"""Order links (BigCommerce order ↔ NetSuite sales order), customer links and parked orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from state.db import Executor


@dataclass(frozen=True)
class OrderLink:
    store_hash: str
    order_id: int
    external_id: str
    ns_id: str | None
    ns_customer_id: str | None
    content_hash: str
    source_version: datetime
    status: str
    bc_total: Decimal
    ns_total: Decimal | None
    order_created_at: datetime | None
    synced_at: datetime | None
    updated_at: datetime


async def get_link(conn: Executor, store_hash: str, order_id: int) -> OrderLink | None:
    row = await conn.fetchrow("SELECT * FROM order_links WHERE store_hash = $1 AND order_id = $2", store_hash, order_id)
    return OrderLink(**dict(row)) if row else None


async def save_link(
    conn: Executor,
    *,
    store_hash: str,
    order_id: int,
    external_id: str,
    content_hash: str,
    source_version: datetime,
    status: str,
    bc_total: Decimal,
    ns_id: str | None = None,
    ns_customer_id: str | None = None,
    ns_total: Decimal | None = None,
    order_created_at: datetime | None = None,
) -> bool:
    """Write the link unless a newer source version is stored; True if written."""
    result: str = await conn.execute(
        """INSERT INTO order_links (store_hash, order_id, external_id, ns_id, ns_customer_id, content_hash,
                                    source_version, status, bc_total, ns_total, order_created_at, synced_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $8 = 'synced' THEN now() END)
           ON CONFLICT (store_hash, order_id) DO UPDATE SET
               ns_id = COALESCE(EXCLUDED.ns_id, order_links.ns_id),
               ns_customer_id = COALESCE(EXCLUDED.ns_customer_id, order_links.ns_customer_id),
               content_hash = EXCLUDED.content_hash, source_version = EXCLUDED.source_version,
               status = EXCLUDED.status, bc_total = EXCLUDED.bc_total,
               ns_total = COALESCE(EXCLUDED.ns_total, order_links.ns_total),
               synced_at = CASE WHEN EXCLUDED.status = 'synced' THEN now() ELSE order_links.synced_at END,
               updated_at = now()
           WHERE order_links.source_version <= EXCLUDED.source_version""",
        store_hash, order_id, external_id, ns_id, ns_customer_id, content_hash, source_version, status, bc_total,
        ns_total, order_created_at,
    )
    return result.endswith(" 1")


async def mark_closed(conn: Executor, store_hash: str, order_id: int) -> None:
    await conn.execute("UPDATE order_links SET status = 'closed', updated_at = now() "
                       "WHERE store_hash = $1 AND order_id = $2", store_hash, order_id)


async def get_customer(conn: Executor, store_hash: str, email_norm: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT ns_id FROM customer_links WHERE store_hash = $1 AND email_norm = $2", store_hash, email_norm
    )
    return value


async def save_customer(conn: Executor, store_hash: str, email_norm: str, ns_id: str,
                        *, external_id: str | None, matched_by: str) -> None:
    await conn.execute(
        """INSERT INTO customer_links (store_hash, email_norm, ns_id, external_id, matched_by)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (store_hash, email_norm) DO NOTHING""",
        store_hash, email_norm, ns_id, external_id, matched_by,
    )


async def park(conn: Executor, *, store_hash: str, order_id: int, reason: str,
               snapshot: Any, source_version: datetime, missing: list[str] | None = None,
               detail: str | None = None, retry_in: float = 0.0) -> None:
    """Park an order (the newest version wins); the original parking time is kept for the exception clock."""
    await conn.execute(
        """INSERT INTO parked_orders (store_hash, order_id, reason, missing, snapshot, source_version, detail,
                                      retry_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
           ON CONFLICT (store_hash, order_id) DO UPDATE SET reason = EXCLUDED.reason, missing = EXCLUDED.missing,
               snapshot = EXCLUDED.snapshot, source_version = EXCLUDED.source_version,
               detail = COALESCE(EXCLUDED.detail, parked_orders.detail), retry_at = EXCLUDED.retry_at,
               -- waiting for something else starts a new clock (and a new exception)
               parked_at = CASE WHEN parked_orders.reason = EXCLUDED.reason THEN parked_orders.parked_at
                                ELSE now() END,
               exception_id = CASE WHEN parked_orders.reason = EXCLUDED.reason THEN parked_orders.exception_id END
           WHERE parked_orders.source_version <= EXCLUDED.source_version""",
        store_hash, order_id, reason, sorted(missing or []), snapshot, source_version, detail, retry_in,
    )


async def unpark(conn: Executor, store_hash: str, order_id: int) -> None:
    await conn.execute("DELETE FROM parked_orders WHERE store_hash = $1 AND order_id = $2", store_hash, order_id)


async def parked_needing(conn: Executor, skus: list[str]) -> list[Any]:
    """Snapshots of orders parked on any of ``skus``."""
    rows = await conn.fetch("SELECT snapshot FROM parked_orders WHERE reason = 'missing_sku' AND missing && $1",
                            skus)
    return [r["snapshot"] for r in rows]


async def due_retries(conn: Executor, limit: int = 200) -> list[Any]:
    rows = await conn.fetch("SELECT snapshot FROM parked_orders WHERE reason = 'retry' AND retry_at <= now() "
                            "ORDER BY retry_at LIMIT $1", limit)
    return [r["snapshot"] for r in rows]


async def overdue(conn: Executor, older_than: float) -> list[asyncpg.Record]:
    """Parked orders past the wait without an exception yet, with what they wait for (``reason``)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT store_hash, order_id, reason, missing, detail, parked_at FROM parked_orders
           WHERE exception_id IS NULL AND parked_at < now() - make_interval(secs => $1)""", older_than)
    return rows


async def set_exception(conn: Executor, store_hash: str, order_id: int,
                        exception_id: int) -> None:
    await conn.execute("UPDATE parked_orders SET exception_id = $3 WHERE store_hash = $1 AND order_id = $2",
                       store_hash, order_id, exception_id)
