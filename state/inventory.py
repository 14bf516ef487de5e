"""Inventory stores: the BigCommerce SKU map, order holds and resync reports (migration 005)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from state.db import Executor


@dataclass(frozen=True)
class BcItemRef:
    """What an adjustment names for one SKU: the variant, or the product when tracked by product."""

    sku: str
    product_id: int
    variant_id: int | None
    tracking: str  # variant | product | none


async def save_items(conn: Executor, store_hash: str, items: Iterable[BcItemRef]) -> None:
    """Replace the store's map with ``items`` (a full catalogue read)."""
    rows = [(store_hash, i.sku, i.product_id, i.variant_id, i.tracking) for i in items]
    await conn.execute("DELETE FROM bc_inventory_items WHERE store_hash = $1", store_hash)
    await conn.executemany(
        """INSERT INTO bc_inventory_items (store_hash, sku, product_id, variant_id, tracking)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (store_hash, sku) DO UPDATE SET product_id = EXCLUDED.product_id,
               variant_id = EXCLUDED.variant_id, tracking = EXCLUDED.tracking, refreshed_at = now()""",
        rows,
    )


async def load_items(conn: Executor, store_hash: str) -> dict[str, BcItemRef]:
    rows = await conn.fetch(
        "SELECT sku, product_id, variant_id, tracking FROM bc_inventory_items WHERE store_hash = $1", store_hash
    )
    return {r["sku"]: BcItemRef(r["sku"], int(r["product_id"]), r["variant_id"], r["tracking"]) for r in rows}


async def set_order_holds(conn: Executor, *, store_hash: str, order_id: int, status: int, modified: datetime,
                          lines: Mapping[str, Decimal]) -> list[str]:
    """Record what one order version holds per SKU (empty = nothing); returns the SKUs whose hold changed.

    A version older than the one stored is ignored; a released hold stays released.
    """
    rows = await conn.fetch(
        """WITH wanted AS (
               SELECT * FROM unnest($4::text[], $5::numeric[]) AS w(sku, quantity)
           ), current AS (
               SELECT sku, quantity, order_modified FROM inventory_holds WHERE store_hash = $1 AND order_id = $2
           ), newest AS (
               SELECT coalesce(max(order_modified), '-infinity') AS m FROM current
           ), upserted AS (
               INSERT INTO inventory_holds (store_hash, order_id, sku, quantity, order_status, order_modified)
               SELECT $1, $2, s.sku, coalesce(w.quantity, 0), $3, $6
               FROM (SELECT sku FROM wanted UNION SELECT sku FROM current) s
               LEFT JOIN wanted w ON w.sku = s.sku, newest
               WHERE newest.m <= $6
               ON CONFLICT (store_hash, order_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity,
                   order_status = EXCLUDED.order_status, order_modified = EXCLUDED.order_modified
               WHERE inventory_holds.quantity IS DISTINCT FROM EXCLUDED.quantity
                  OR inventory_holds.order_status IS DISTINCT FROM EXCLUDED.order_status
                  OR inventory_holds.order_modified < EXCLUDED.order_modified
               RETURNING sku, quantity, released_at
           )
           SELECT u.sku FROM upserted u LEFT JOIN current c ON c.sku = u.sku
           WHERE u.released_at IS NULL AND u.quantity IS DISTINCT FROM c.quantity""",
        store_hash, order_id, status, list(lines), [Decimal(q) for q in lines.values()], modified,
    )
    return [r["sku"] for r in rows]


async def held(conn: Executor, as_of: Mapping[str, datetime | None], *, grace: float, ttl: float,
               unsynced_ttl: float) -> dict[str, Decimal]:
    """Quantities still held per SKU, after releasing the holds NetSuite now reflects.

    A hold ends when the order's sales order was written (``order_links.synced_at``) and the NetSuite
    reading for the SKU (``as_of``) was taken at least ``grace`` seconds later; or ``ttl`` seconds
    after the sales order was written; or ``unsynced_ttl`` seconds after it was first seen.
    """
    if not as_of:
        return {}
    skus = list(as_of)
    stamps = [as_of[s] for s in skus]
    await conn.execute(
        """UPDATE inventory_holds h SET released_at = now()
           FROM unnest($1::text[], $2::timestamptz[]) AS r(sku, as_of)
           WHERE h.sku = r.sku AND h.released_at IS NULL AND (
               h.created_at + make_interval(secs => $5) < now()
               OR EXISTS (SELECT 1 FROM order_links l
                          WHERE l.store_hash = h.store_hash AND l.order_id = h.order_id
                            AND l.status IN ('synced', 'closed') AND l.synced_at IS NOT NULL
                            AND (l.synced_at + make_interval(secs => $3) <= r.as_of
                                 OR l.synced_at + make_interval(secs => $4) < now())))""",
        skus, stamps, grace, ttl, unsynced_ttl,
    )
    rows = await conn.fetch(
        """SELECT sku, sum(quantity) AS q FROM inventory_holds
           WHERE sku = ANY($1::text[]) AND released_at IS NULL AND quantity > 0 GROUP BY sku""",
        skus,
    )
    return {r["sku"]: Decimal(r["q"]) for r in rows}


async def active_hold_skus(conn: Executor) -> set[str]:
    rows = await conn.fetch("SELECT DISTINCT sku FROM inventory_holds WHERE released_at IS NULL AND quantity > 0")
    return {r["sku"] for r in rows}


async def save_resync(conn: Executor, *, trigger: str, started_at: datetime, checked: int, drifted: int,
                      pushed: int, unmapped: int, details: list[dict[str, Any]]) -> int:
    value = await conn.fetchval(
        """INSERT INTO inventory_resyncs (trigger, started_at, checked, drifted, pushed, unmapped, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        trigger, started_at, checked, drifted, pushed, unmapped, details,
    )
    return int(value)
