"""Fulfilments → shipments: what o2c sent to BigCommerce per fulfilment and package, the order lines a
shipment can name, and payment captures at shipment (migration 008)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from state.db import Executor


@dataclass(frozen=True)
class ShipmentRow:
    package_key: str
    status: str
    shipment_id: int | None
    items_fingerprint: str
    fields: tuple[str, ...]
    source_modified: datetime | None
    bc_order_id: int | None


@dataclass(frozen=True)
class OrderLineRow:
    order_product_id: int
    order_address_id: int
    quantity: int
    sku: str


async def shipments(conn: Executor, store_hash: str, ns_id: str) -> dict[str, ShipmentRow]:
    """Every package row of one fulfilment, by package key."""
    rows = await conn.fetch(
        """SELECT package_key, status, shipment_id, items_fingerprint, fields, source_modified, bc_order_id
           FROM fulfilment_shipments WHERE store_hash = $1 AND ns_id = $2""", store_hash, ns_id)
    return {r["package_key"]: ShipmentRow(r["package_key"], r["status"], r["shipment_id"], r["items_fingerprint"],
                                          tuple(r["fields"] or ()), r["source_modified"], r["bc_order_id"])
            for r in rows}


async def order_of(conn: Executor, store_hash: str, ns_id: str) -> int | None:
    """The BigCommerce order a fulfilment's shipments were sent to (for a deletion, which names none)."""
    value = await conn.fetchval(
        "SELECT bc_order_id FROM fulfilment_shipments WHERE store_hash = $1 AND ns_id = $2 AND bc_order_id IS NOT NULL "
        "LIMIT 1", store_hash, ns_id)
    return int(value) if value is not None else None


async def save(conn: Executor, *, store_hash: str, ns_id: str, package_key: str, status: str, tran_id: str = "",
               bc_order_id: int | None = None, shipment_id: int | None = None, items_fingerprint: str = "",
               fields: Iterable[str] = (), source_modified: datetime | None = None) -> None:
    """Write one package row (``pending`` before the POST, ``created`` after, ``deleted``)."""
    await conn.execute(
        """INSERT INTO fulfilment_shipments (store_hash, ns_id, package_key, tran_id, bc_order_id, shipment_id,
                                             status, items_fingerprint, fields, source_modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (store_hash, ns_id, package_key) DO UPDATE SET
               tran_id = COALESCE(NULLIF(EXCLUDED.tran_id, ''), fulfilment_shipments.tran_id),
               bc_order_id = COALESCE(EXCLUDED.bc_order_id, fulfilment_shipments.bc_order_id),
               shipment_id = EXCLUDED.shipment_id, status = EXCLUDED.status,
               items_fingerprint = EXCLUDED.items_fingerprint, fields = EXCLUDED.fields,
               source_modified = GREATEST(EXCLUDED.source_modified, fulfilment_shipments.source_modified),
               updated_at = now()""",
        store_hash, ns_id, package_key, tran_id, bc_order_id, shipment_id, status, items_fingerprint,
        list(fields), source_modified)


async def shipments_created(conn: Executor, store_hash: str, order_id: int) -> int:
    """Shipments o2c has created (and not deleted) for this BigCommerce order."""
    value = await conn.fetchval(
        "SELECT count(*) FROM fulfilment_shipments WHERE store_hash = $1 AND bc_order_id = $2 AND status = 'created' "
        "AND package_key <> '*'", store_hash, order_id)
    return int(value or 0)


async def order_lines(conn: Executor, store_hash: str, order_id: int) -> dict[int, OrderLineRow] | None:
    """The order's products and their addresses, or None if none are recorded."""
    rows = await conn.fetch(
        """SELECT order_product_id, order_address_id, quantity, sku FROM fulfilment_order_lines
           WHERE store_hash = $1 AND order_id = $2""", store_hash, order_id)
    if not rows:
        return None
    return {int(r["order_product_id"]): OrderLineRow(int(r["order_product_id"]), int(r["order_address_id"]),
                                                     int(r["quantity"]), r["sku"]) for r in rows}


async def save_order_lines(conn: Executor, store_hash: str, order_id: int, lines: Iterable[OrderLineRow]) -> None:
    """Record (or refresh) an order's products and addresses."""
    rows = [(store_hash, order_id, line.order_product_id, line.order_address_id, line.quantity, line.sku)
            for line in lines]
    if not rows:
        return
    await conn.executemany(
        """INSERT INTO fulfilment_order_lines (store_hash, order_id, order_product_id, order_address_id, quantity, sku)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (store_hash, order_id, order_product_id) DO UPDATE SET
               order_address_id = EXCLUDED.order_address_id, quantity = EXCLUDED.quantity, sku = EXCLUDED.sku,
               updated_at = now()
           WHERE (fulfilment_order_lines.order_address_id, fulfilment_order_lines.quantity, fulfilment_order_lines.sku)
                 IS DISTINCT FROM (EXCLUDED.order_address_id, EXCLUDED.quantity, EXCLUDED.sku)""",
        rows)


async def capture_status(conn: Executor, store_hash: str, order_id: int) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT status FROM fulfilment_captures WHERE store_hash = $1 AND order_id = $2", store_hash, order_id)
    return value


async def record_capture(conn: Executor, store_hash: str, order_id: int, status: str, detail: str = "") -> None:
    await conn.execute(
        """INSERT INTO fulfilment_captures (store_hash, order_id, status, detail) VALUES ($1, $2, $3, $4)
           ON CONFLICT (store_hash, order_id) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
               attempted_at = now()""", store_hash, order_id, status, detail)


async def counts(conn: Executor, ns_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Package rows by status (of these fulfilments, or all): for tests and the operations guide."""
    ids = list(ns_ids) if ns_ids is not None else None
    rows = await conn.fetch(
        """SELECT status, count(*) AS n FROM fulfilment_shipments
           WHERE package_key <> '*' AND ($1::text[] IS NULL OR ns_id = ANY($1::text[])) GROUP BY status""", ids)
    return {r["status"]: int(r["n"]) for r in rows}
