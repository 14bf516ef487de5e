"""Deposits, invoices and deposit applications o2c booked per order (migration 009)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from state.db import Executor, transaction


@dataclass(frozen=True)
class DepositRow:
    store_hash: str
    order_id: int
    n: str
    external_id: str
    kind: str
    gateway: str
    bc_gateway: str
    gateway_transaction_id: str | None
    amount: Decimal
    currency: str
    account_id: str | None
    status: str
    ns_id: str | None = None
    applied: Decimal = Decimal(0)
    detail: str = ""

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied


_DEPOSIT_COLUMNS = ("store_hash, order_id, n, external_id, kind, gateway, bc_gateway, gateway_transaction_id, "
                    "amount, currency, account_id, status, ns_id, applied, detail")


def _deposit(row: object) -> DepositRow:
    return DepositRow(**dict(row))  # type: ignore[call-overload]


async def deposits(conn: Executor, store_hash: str, order_id: int) -> list[DepositRow]:
    rows = await conn.fetch(f"SELECT {_DEPOSIT_COLUMNS} FROM cash_deposits WHERE store_hash = $1 AND order_id = $2 "
                            "ORDER BY n", store_hash, order_id)
    return [_deposit(r) for r in rows]


async def plan_deposit(conn: Executor, row: DepositRow) -> None:
    """Record a planned deposit (``waiting`` or ``held``); a written one is never changed by a plan."""
    await conn.execute(
        f"""INSERT INTO cash_deposits ({_DEPOSIT_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (store_hash, order_id, n) DO UPDATE SET
                gateway = EXCLUDED.gateway, bc_gateway = EXCLUDED.bc_gateway,
                gateway_transaction_id = EXCLUDED.gateway_transaction_id, amount = EXCLUDED.amount,
                currency = EXCLUDED.currency, account_id = EXCLUDED.account_id, status = EXCLUDED.status,
                detail = EXCLUDED.detail, updated_at = now()
            WHERE cash_deposits.status <> 'written'""",
        row.store_hash, row.order_id, row.n, row.external_id, row.kind, row.gateway, row.bc_gateway,
        row.gateway_transaction_id, row.amount, row.currency, row.account_id, row.status, row.ns_id, row.applied,
        row.detail)


async def deposit_written(conn: Executor, store_hash: str, order_id: int, n: str, ns_id: str) -> None:
    await conn.execute("UPDATE cash_deposits SET status = 'written', ns_id = $4, detail = '', updated_at = now() "
                       "WHERE store_hash = $1 AND order_id = $2 AND n = $3", store_hash, order_id, n, ns_id)


async def deposit_refused(conn: Executor, store_hash: str, order_id: int, n: str, detail: str) -> None:
    await conn.execute("UPDATE cash_deposits SET status = 'refused', detail = $4, updated_at = now() "
                       "WHERE store_hash = $1 AND order_id = $2 AND n = $3", store_hash, order_id, n, detail)


async def refused_to_waiting(conn: Executor, store_hash: str, order_id: int) -> int:
    """An operator retries a refused deposit: it waits to be written again; how many deposits."""
    result: str = await conn.execute("UPDATE cash_deposits SET status = 'waiting' WHERE store_hash = $1 "
                                     "AND order_id = $2 AND status = 'refused'", store_hash, order_id)
    return int(result.split()[-1])


async def waiting_orders(conn: Executor, limit: int = 500) -> list[tuple[str, int]]:
    """Orders with a deposit waiting for its sales order (or re-planned after a retry)."""
    rows = await conn.fetch("SELECT DISTINCT store_hash, order_id FROM cash_deposits WHERE status = 'waiting' "
                            "LIMIT $1", limit)
    return [(r["store_hash"], int(r["order_id"])) for r in rows]


# -- invoices ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    store_hash: str
    order_id: int
    invoice_key: str
    external_id: str
    seq: int
    source: str
    status: str
    ns_id: str | None
    total: Decimal | None
    remaining: Decimal | None


async def invoices(conn: Executor, store_hash: str, order_id: int) -> list[InvoiceRow]:
    rows = await conn.fetch(
        """SELECT store_hash, order_id, invoice_key, external_id, seq, source, status, ns_id, total, remaining
           FROM cash_invoices WHERE store_hash = $1 AND order_id = $2 ORDER BY seq""", store_hash, order_id)
    return [InvoiceRow(**dict(r)) for r in rows]


async def invoice_pending(conn: Executor, *, store_hash: str, order_id: int, invoice_key: str, external_id: str,
                          source: str = "o2c") -> int:
    """Record an invoice about to be made (before the transform); returns its sequence number for the order."""
    seq = await conn.fetchval(
        """INSERT INTO cash_invoices (store_hash, order_id, invoice_key, external_id, seq, source, status)
           VALUES ($1, $2, $3, $4,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM cash_invoices WHERE store_hash = $1 AND order_id = $2),
                   $5, 'pending')
           ON CONFLICT (store_hash, order_id, invoice_key) DO UPDATE SET updated_at = now()
           RETURNING seq""", store_hash, order_id, invoice_key, external_id, source)
    return int(seq)


async def invoice_created(conn: Executor, *, store_hash: str, order_id: int, invoice_key: str, ns_id: str,
                          total: Decimal, remaining: Decimal, lines: Iterable[tuple[str, Decimal, Decimal]]) -> None:
    """The invoice exists in NetSuite: its id, total, what is still open, and what it billed per order line."""
    await conn.execute(
        """UPDATE cash_invoices SET status = 'created', ns_id = $4, total = $5, remaining = $6, updated_at = now()
           WHERE store_hash = $1 AND order_id = $2 AND invoice_key = $3""",
        store_hash, order_id, invoice_key, ns_id, total, remaining)
    await conn.executemany(
        """INSERT INTO cash_invoice_lines (store_hash, order_id, invoice_key, order_line, quantity, amount)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        [(store_hash, order_id, invoice_key, line, quantity, amount) for line, quantity, amount in lines])


async def billed_amounts(conn: Executor, store_hash: str, order_id: int,
                         except_invoice: str | None = None) -> dict[str, Decimal]:
    """Amount billed so far per sales order line, by invoices o2c made (other than ``except_invoice``)."""
    rows = await conn.fetch(
        """SELECT l.order_line, SUM(l.amount) AS amount FROM cash_invoice_lines l
           JOIN cash_invoices i USING (store_hash, order_id, invoice_key)
           WHERE l.store_hash = $1 AND l.order_id = $2 AND i.status = 'created'
             AND ($3::text IS NULL OR l.invoice_key <> $3)
           GROUP BY l.order_line""", store_hash, order_id, except_invoice)
    return {r["order_line"]: Decimal(r["amount"]) for r in rows}


# -- deposit applications ------------------------------------------------------------------------------


async def application_pending(conn: Executor, *, external_id: str, store_hash: str, order_id: int, deposit_n: str,
                              invoice_key: str, amount: Decimal) -> None:
    await conn.execute(
        """INSERT INTO cash_applications (external_id, store_hash, order_id, deposit_n, invoice_key, amount, status)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (external_id) DO NOTHING""",
        external_id, store_hash, order_id, deposit_n, invoice_key, amount)


async def application_created(conn: Executor, external_id: str, ns_id: str) -> None:
    """The application exists: it and the deposit's applied amount are recorded together (once)."""
    async with transaction(conn) as tx:
        row = await tx.fetchrow(
            "UPDATE cash_applications SET status = 'created', ns_id = $2 WHERE external_id = $1 AND status = 'pending' "
            "RETURNING store_hash, order_id, deposit_n, invoice_key, amount", external_id, ns_id)
        if row is None:
            return
        await tx.execute("UPDATE cash_deposits SET applied = applied + $4, updated_at = now() "
                         "WHERE store_hash = $1 AND order_id = $2 AND n = $3",
                         row["store_hash"], row["order_id"], row["deposit_n"], row["amount"])
        await tx.execute("UPDATE cash_invoices SET remaining = GREATEST(COALESCE(remaining, 0) - $4, 0), "
                         "updated_at = now() WHERE store_hash = $1 AND order_id = $2 AND invoice_key = $3",
                         row["store_hash"], row["order_id"], row["invoice_key"], row["amount"])


async def pending_applications(conn: Executor, store_hash: str, order_id: int) -> list[tuple[str, str, str, Decimal]]:
    """Applications started but not confirmed: (external id, deposit n, invoice key, amount)."""
    rows = await conn.fetch("SELECT external_id, deposit_n, invoice_key, amount FROM cash_applications "
                            "WHERE store_hash = $1 AND order_id = $2 AND status = 'pending'", store_hash, order_id)
    return [(r["external_id"], r["deposit_n"], r["invoice_key"], Decimal(r["amount"])) for r in rows]
