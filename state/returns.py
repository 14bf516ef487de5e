"""BigCommerce refunds o2c has seen and the NetSuite documents each became (migration 011)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from state.db import Executor, transaction


@dataclass(frozen=True)
class RefundRow:
    store_hash: str
    refund_id: int
    order_id: int
    total: Decimal
    currency: str
    status: str
    credit: Decimal | None
    detail: str
    payload: dict[str, Any]
    plan: dict[str, Any] | None = None


@dataclass(frozen=True)
class DocumentRow:
    store_hash: str
    refund_id: int
    doc: str
    n: str
    order_id: int
    external_id: str
    status: str
    ns_id: str | None
    amount: Decimal | None
    gateway: str
    gateway_transaction_id: str | None
    account_id: str | None


_REFUND_COLUMNS = "store_hash, refund_id, order_id, total, currency, status, credit, detail, payload, plan"
_DOC_COLUMNS = ("store_hash, refund_id, doc, n, order_id, external_id, status, ns_id, amount, gateway, "
                "gateway_transaction_id, account_id")


def _refund(row: Any) -> RefundRow:
    data = dict(row)
    for key in ("payload", "plan"):
        if isinstance(data[key], str):
            data[key] = orjson.loads(data[key])
    return RefundRow(**data)


async def record_refund(conn: Executor, *, store_hash: str, refund_id: int, order_id: int, total: Decimal,
                        currency: str, payload: dict[str, Any]) -> RefundRow:
    """Store a refund as ``waiting`` the first time it is seen; the stored row either way."""
    row = await conn.fetchrow(
        f"""INSERT INTO return_refunds (store_hash, refund_id, order_id, total, currency, status, payload)
            VALUES ($1, $2, $3, $4, $5, 'waiting', $6::jsonb)
            ON CONFLICT (store_hash, refund_id) DO UPDATE SET updated_at = return_refunds.updated_at
            RETURNING {_REFUND_COLUMNS}""",
        store_hash, refund_id, order_id, total, currency, orjson.dumps(payload).decode())
    return _refund(row)


async def get_refund(conn: Executor, store_hash: str, refund_id: int) -> RefundRow | None:
    row = await conn.fetchrow(f"SELECT {_REFUND_COLUMNS} FROM return_refunds WHERE store_hash = $1 AND refund_id = $2",
                              store_hash, refund_id)
    return _refund(row) if row else None


async def order_refunds(conn: Executor, store_hash: str, order_id: int) -> list[RefundRow]:
    rows = await conn.fetch(f"SELECT {_REFUND_COLUMNS} FROM return_refunds WHERE store_hash = $1 AND order_id = $2 "
                            "ORDER BY refund_id", store_hash, order_id)
    return [_refund(r) for r in rows]


async def set_status(conn: Executor, store_hash: str, refund_id: int, status: str, detail: str = "",
                     credit: Decimal | None = None) -> None:
    await conn.execute(
        "UPDATE return_refunds SET status = $3, detail = $4, credit = COALESCE($5, credit), updated_at = now() "
        "WHERE store_hash = $1 AND refund_id = $2", store_hash, refund_id, status, detail, credit)


async def save_plan(conn: Executor, store_hash: str, refund_id: int, plan: dict[str, Any]) -> None:
    """Keep the refund's plan (status ``writing``): a retry writes these documents, never a new decision."""
    await conn.execute(
        "UPDATE return_refunds SET plan = $3::jsonb, status = 'writing', detail = '', updated_at = now() "
        "WHERE store_hash = $1 AND refund_id = $2", store_hash, refund_id, orjson.dumps(plan).decode())


async def waiting_orders(conn: Executor, older_than: float = 0.0, limit: int = 200) -> list[tuple[str, int]]:
    """Orders with a refund waiting or half written for ``older_than`` seconds (oldest first)."""
    rows = await conn.fetch(
        """SELECT store_hash, order_id FROM return_refunds WHERE status IN ('waiting', 'writing')
               AND updated_at < now() - make_interval(secs => $2)
           GROUP BY store_hash, order_id ORDER BY MIN(updated_at) LIMIT $1""", limit, older_than)
    return [(r["store_hash"], int(r["order_id"])) for r in rows]


async def documents(conn: Executor, store_hash: str, refund_id: int) -> dict[tuple[str, str], DocumentRow]:
    rows = await conn.fetch(f"SELECT {_DOC_COLUMNS} FROM return_documents WHERE store_hash = $1 AND refund_id = $2",
                            store_hash, refund_id)
    return {(r["doc"], r["n"]): DocumentRow(**dict(r)) for r in rows}


async def order_documents(conn: Executor, store_hash: str, order_id: int) -> list[DocumentRow]:
    rows = await conn.fetch(f"SELECT {_DOC_COLUMNS} FROM return_documents WHERE store_hash = $1 AND order_id = $2 "
                            "ORDER BY refund_id, doc, n", store_hash, order_id)
    return [DocumentRow(**dict(r)) for r in rows]


async def document_pending(conn: Executor, *, store_hash: str, refund_id: int, doc: str, n: str, order_id: int,
                           external_id: str, amount: Decimal | None = None, gateway: str = "",
                           gateway_transaction_id: str | None = None, account_id: str | None = None) -> None:
    """Record a document about to be written (a created one is left as it is)."""
    await conn.execute(
        f"""INSERT INTO return_documents ({_DOC_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, 'pending', NULL, $7, $8, $9, $10)
            ON CONFLICT (store_hash, refund_id, doc, n) DO NOTHING""",
        store_hash, refund_id, doc, n, order_id, external_id, amount, gateway, gateway_transaction_id, account_id)


async def document_created(conn: Executor, store_hash: str, refund_id: int, doc: str, n: str, ns_id: str,
                           amount: Decimal | None = None) -> None:
    await conn.execute(
        "UPDATE return_documents SET status = 'created', ns_id = $5, amount = COALESCE($6, amount), "
        "updated_at = now() WHERE store_hash = $1 AND refund_id = $2 AND doc = $3 AND n = $4",
        store_hash, refund_id, doc, n, ns_id, amount)


async def deposit_refunded(conn: Executor, store_hash: str, refund_id: int, n: str, ns_id: str,
                           from_deposits: list[tuple[str, Decimal]]) -> None:
    """A customer refund was created: record it and count what it took from deposits as applied, once."""
    async with transaction(conn) as tx:
        changed = await tx.execute(
            "UPDATE return_documents SET status = 'created', ns_id = $4, updated_at = now() "
            "WHERE store_hash = $1 AND refund_id = $2 AND doc = 'rf' AND n = $3 AND status = 'pending'",
            store_hash, refund_id, n, ns_id)
        if not str(changed).endswith(" 1"):
            return
        for deposit_id, amount in from_deposits:
            await tx.execute("UPDATE cash_deposits SET applied = applied + $3, updated_at = now() "
                             "WHERE store_hash = $1 AND ns_id = $2", store_hash, deposit_id, amount)


async def refunded_by_gateway(conn: Executor, store_hash: str, order_id: int, before_refund: int) -> dict[str, Decimal]:
    """Gateway → what the order's earlier refunds paid back through it (customer refunds recorded)."""
    rows = await conn.fetch(
        """SELECT gateway, SUM(amount) AS amount FROM return_documents
           WHERE store_hash = $1 AND order_id = $2 AND refund_id < $3 AND doc = 'rf' GROUP BY gateway""",
        store_hash, order_id, before_refund)
    return {r["gateway"]: Decimal(r["amount"]) for r in rows if r["amount"] is not None}


async def counts(conn: Executor, store_hash: str | None = None) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, COUNT(*) AS n FROM return_refunds WHERE $1::text IS NULL OR "
                            "store_hash = $1 GROUP BY status", store_hash)
    return {r["status"]: int(r["n"]) for r in rows}


async def retry(conn: Executor, *, store_hash: str, refund_id: int, order_id: int, total: Decimal,
                payload: dict[str, Any]) -> RefundRow:
    """An operator retries a refund, read again from BigCommerce (``payload``): the stored copy becomes
    BigCommerce's; a held refund is decided again from it (``waiting``), a refused one continues its kept plan
    (``writing``; the documents it wrote stay written); one not stored yet is stored ``waiting``; the row."""
    row = await conn.fetchrow(
        f"""INSERT INTO return_refunds (store_hash, refund_id, order_id, total, currency, status, payload)
            VALUES ($1, $2, $3, $4, '', 'waiting', $5::jsonb)
            ON CONFLICT (store_hash, refund_id) DO UPDATE SET
                payload = EXCLUDED.payload, total = EXCLUDED.total, updated_at = now(),
                status = CASE WHEN return_refunds.status NOT IN ('held', 'refused') THEN return_refunds.status
                              WHEN return_refunds.plan IS NULL THEN 'waiting' ELSE 'writing' END
            RETURNING {_REFUND_COLUMNS}""",
        store_hash, refund_id, order_id, total, orjson.dumps(payload).decode())
    return _refund(row)


@dataclass(frozen=True)
class Unrefunded:
    store_hash: str
    order_id: int
    paid: Decimal
    refunded: Decimal


async def cancelled_unrefunded(conn: Executor, older_than: float, limit: int = 10_000) -> list[Unrefunded]:
    """Orders closed as cancelled for ``older_than`` seconds whose gateway deposits were not all refunded
    (refunds still waiting count as refunded: they are on their way)."""
    rows = await conn.fetch(
        """WITH paid AS (
               SELECT d.store_hash, d.order_id, SUM(d.amount) AS paid FROM cash_deposits d
               JOIN order_links l ON l.store_hash = d.store_hash AND l.order_id = d.order_id
               WHERE l.status = 'closed' AND l.updated_at < now() - make_interval(secs => $1)
                 AND d.kind = 'gateway' AND d.status = 'written'
               GROUP BY d.store_hash, d.order_id),
           back AS (
               SELECT store_hash, order_id, SUM(total) AS refunded FROM return_refunds
               WHERE status IN ('waiting', 'writing', 'done') GROUP BY store_hash, order_id)
           SELECT p.store_hash, p.order_id, p.paid, COALESCE(b.refunded, 0) AS refunded FROM paid p
           LEFT JOIN back b ON b.store_hash = p.store_hash AND b.order_id = p.order_id
           WHERE p.paid > COALESCE(b.refunded, 0) ORDER BY p.order_id LIMIT $2""", older_than, limit)
    return [Unrefunded(r["store_hash"], int(r["order_id"]), Decimal(r["paid"]), Decimal(r["refunded"]))
            for r in rows]
