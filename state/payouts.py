"""Payouts, their lines, journal entries and reconciliation (migration 009).

The reconciliation is one set-based pass per payout: every charge line is joined to the deposit o2c
booked for the same gateway payment (the charge or its payment intent), the outcome of each line is
stored in ``payout_matches``, and the clearing residual is what the journal entry credits the clearing
account for those charges less what the deposits debited it. With refunds to clearing (issue 14) each
refund line is also matched to the customer refund o2c recorded for it (``return_documents`` rf): the
journal entry debits clearing for the refund lines, the customer refunds credited it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from state.db import Executor, transaction


@dataclass(frozen=True)
class PayoutRow:
    gateway: str
    payout_id: str
    status: str
    amount: Decimal
    currency: str
    arrival_date: date
    created: datetime
    automatic: bool
    method: str
    reconciliation: str
    failure_code: str | None
    failure_message: str | None
    bank_reference: str | None
    line_count: int
    pages: int
    pages_seen: list[int]
    je_external_id: str | None
    je_ns_id: str | None
    je_status: str
    reversal_ns_id: str | None
    posted_at: datetime | None
    result: str
    residual: Decimal | None
    detail: str
    reconciled_at: datetime | None
    received_at: datetime
    updated_at: datetime

    @property
    def complete(self) -> bool:
        return set(self.pages_seen) >= set(range(1, self.pages + 1))


LINE_COLUMNS = ("line_id", "kind", "gross", "fee", "net", "currency", "fees", "charge_id", "payment_intent",
                "refund_id", "dispute_id", "source_id", "exchange_rate", "presentment_amount", "presentment_currency",
                "reporting_category", "description", "created")


async def store_page(conn: Executor, payout: dict[str, Any], *, page: int, pages: int, line_count: int,
                     lines: Sequence[dict[str, Any]]) -> PayoutRow:
    """Keep one page of a payout version; a new status or page count starts the page set again."""
    async with transaction(conn) as tx:
        row = await tx.fetchrow(
            """INSERT INTO payouts (gateway, payout_id, status, amount, currency, arrival_date, created, automatic,
                                    method, reconciliation, failure_code, failure_message, bank_reference,
                                    line_count, pages, pages_seen)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, ARRAY[$16::int])
               ON CONFLICT (gateway, payout_id) DO UPDATE SET
                   pages_seen = CASE WHEN payouts.status = EXCLUDED.status AND payouts.pages = EXCLUDED.pages
                                     THEN (SELECT ARRAY(SELECT DISTINCT unnest(payouts.pages_seen || $16::int)
                                                        ORDER BY 1))
                                     ELSE ARRAY[$16::int] END,
                   status = EXCLUDED.status, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
                   arrival_date = EXCLUDED.arrival_date, automatic = EXCLUDED.automatic, method = EXCLUDED.method,
                   reconciliation = EXCLUDED.reconciliation, failure_code = EXCLUDED.failure_code,
                   failure_message = EXCLUDED.failure_message, bank_reference = EXCLUDED.bank_reference,
                   line_count = EXCLUDED.line_count, pages = EXCLUDED.pages, updated_at = now()
               RETURNING *""",
            payout["gateway"], payout["payout_id"], payout["status"], payout["amount"], payout["currency"],
            payout["arrival_date"], payout["created"], payout["automatic"], payout["method"],
            payout["reconciliation"], payout.get("failure_code"), payout.get("failure_message"),
            payout.get("bank_reference"), line_count, pages, page)
        if lines:
            await tx.executemany(
                f"""INSERT INTO payout_lines (gateway, payout_id, {", ".join(LINE_COLUMNS)})
                    VALUES ($1, $2, {", ".join(f"${i}" for i in range(3, 3 + len(LINE_COLUMNS)))})
                    ON CONFLICT (gateway, payout_id, line_id) DO NOTHING""",
                [(payout["gateway"], payout["payout_id"], *(line.get(c) for c in LINE_COLUMNS)) for line in lines])
    assert row is not None
    return PayoutRow(**dict(row))


async def get(conn: Executor, gateway: str, payout_id: str) -> PayoutRow | None:
    row = await conn.fetchrow("SELECT * FROM payouts WHERE gateway = $1 AND payout_id = $2", gateway, payout_id)
    return PayoutRow(**dict(row)) if row else None


async def find(conn: Executor, payout_id: str) -> list[PayoutRow]:
    """Payouts with this id (or ``gateway:id``), any gateway."""
    gateway, _, plain = payout_id.rpartition(":")
    rows = await conn.fetch("SELECT * FROM payouts WHERE payout_id = $1 AND ($2 = '' OR gateway = $2)",
                            plain, gateway)
    return [PayoutRow(**dict(r)) for r in rows]


async def recent(conn: Executor, limit: int = 50, result: str | None = None) -> list[PayoutRow]:
    rows = await conn.fetch("SELECT * FROM payouts WHERE ($2::text IS NULL OR result = $2) "
                            "ORDER BY arrival_date DESC, created DESC LIMIT $1", limit, result)
    return [PayoutRow(**dict(r)) for r in rows]


@dataclass(frozen=True)
class LineTotals:
    """Σ of a payout's lines by kind, and its fees by kind and fee type."""

    gross: dict[str, Decimal]
    fees: dict[tuple[str, str], Decimal]
    net: Decimal
    count: int


async def totals(conn: Executor, gateway: str, payout_id: str) -> LineTotals:
    gross_rows = await conn.fetch(
        "SELECT kind, SUM(gross) AS gross, SUM(net) AS net, COUNT(*) AS n FROM payout_lines "
        "WHERE gateway = $1 AND payout_id = $2 GROUP BY kind", gateway, payout_id)
    fee_rows = await conn.fetch(
        """WITH detailed AS (
               SELECT l.kind, f->>'type' AS type, (f->>'amount')::numeric AS amount
               FROM payout_lines l, jsonb_array_elements(l.fees) f
               WHERE l.gateway = $1 AND l.payout_id = $2),
           undetailed AS (
               SELECT l.kind, 'other' AS type,
                      l.fee - COALESCE((SELECT SUM((f->>'amount')::numeric) FROM jsonb_array_elements(l.fees) f), 0)
                          AS amount
               FROM payout_lines l WHERE l.gateway = $1 AND l.payout_id = $2)
           SELECT kind, type, SUM(amount) AS amount FROM
               (SELECT * FROM detailed UNION ALL SELECT * FROM undetailed WHERE amount <> 0) x
           GROUP BY kind, type""", gateway, payout_id)
    return LineTotals(
        gross={r["kind"]: Decimal(r["gross"]) for r in gross_rows},
        fees={(r["kind"], r["type"]): Decimal(r["amount"]) for r in fee_rows if Decimal(r["amount"]) != 0},
        net=sum((Decimal(r["net"]) for r in gross_rows), Decimal(0)),
        count=sum(int(r["n"]) for r in gross_rows))


async def set_posted(conn: Executor, gateway: str, payout_id: str, *, je_external_id: str, je_ns_id: str) -> None:
    await conn.execute("UPDATE payouts SET je_external_id = $3, je_ns_id = $4, je_status = 'posted', "
                       "posted_at = COALESCE(posted_at, now()), updated_at = now() "
                       "WHERE gateway = $1 AND payout_id = $2", gateway, payout_id, je_external_id, je_ns_id)


async def set_reversed(conn: Executor, gateway: str, payout_id: str, reversal_ns_id: str, detail: str) -> None:
    await conn.execute("UPDATE payouts SET je_status = 'reversed', reversal_ns_id = $3, result = 'failed', "
                       "detail = $4, updated_at = now() WHERE gateway = $1 AND payout_id = $2",
                       gateway, payout_id, reversal_ns_id, detail)


async def set_result(conn: Executor, gateway: str, payout_id: str, result: str, detail: str = "",
                     residual: Decimal | None = None) -> None:
    await conn.execute(
        "UPDATE payouts SET result = $3, detail = $4, residual = $5, "
        "reconciled_at = CASE WHEN $3 = 'reconciled' THEN now() ELSE reconciled_at END, updated_at = now() "
        "WHERE gateway = $1 AND payout_id = $2", gateway, payout_id, result, detail, residual)


@dataclass(frozen=True)
class LineOutcome:
    line_id: str
    kind: str
    gross: Decimal
    currency: str
    charge_id: str | None
    payment_intent: str | None
    outcome: str
    store_hash: str | None
    order_id: int | None
    expected: Decimal | None


@dataclass(frozen=True)
class Reconciliation:
    charges: int
    matched: int
    clearing_credit: Decimal
    deposits: Decimal
    problems: tuple[LineOutcome, ...]
    unclassified: tuple[LineOutcome, ...]
    #: refund lines; with refunds to clearing, those matched to a customer refund o2c recorded, and Σ of
    #: those customer refunds (positive, in the payout's currency; already taken off ``deposits``)
    refunds: int = 0
    refunds_matched: int = 0
    refunds_recorded: Decimal = Decimal(0)

    @property
    def residual(self) -> Decimal:
        return self.clearing_credit - self.deposits

    def count(self, outcome: str) -> int:
        return sum(1 for p in self.problems if p.outcome == outcome)


# $3 = refunds to clearing. Off: refund lines are 'info' (matched to their order's deposit for the report
# only), exactly as before issue 14. On: each refund line is paired with one customer refund o2c recorded
# (return_documents rf, created) of the same gateway payment (the one the order's deposit carries, else
# the line's payment intent, else its charge) and amount; equal refunds of one payment are
# paired one to one by rank (row_number on both sides, lines by line id, customer refunds by refund id),
# and a customer refund another payout's line matched already is never taken again. The refund lines'
# gross joins the clearing credit and the customer refunds matched come off the deposits side, so the
# residual is 0 when every charge has its deposit and every refund its customer refund.
_RECONCILE_SQL = """
WITH lines AS (
    SELECT l.line_id, l.kind, l.gross, l.currency, l.exchange_rate, l.charge_id, l.payment_intent
    FROM payout_lines l WHERE l.gateway = $1 AND l.payout_id = $2
        AND l.kind IN ('charge', 'refund', 'dispute', 'dispute_reversal')),
hits AS (
    SELECT DISTINCT ON (l.line_id) l.*, d.store_hash, d.order_id, d.n, d.status AS deposit_status,
           d.gateway_transaction_id AS deposit_txn, d.currency AS deposit_currency,
           CASE WHEN d.currency = l.currency THEN d.amount
                WHEN l.exchange_rate IS NOT NULL THEN ROUND(d.amount * l.exchange_rate, 2) END AS expected
    FROM lines l LEFT JOIN cash_deposits d
        ON d.kind = 'gateway' AND d.gateway = $1 AND d.gateway_transaction_id IN (l.payment_intent, l.charge_id)
    ORDER BY l.line_id, (d.status = 'written') DESC NULLS LAST, d.n),
refund_lines AS (
    SELECT h.*, COALESCE(h.deposit_txn, h.payment_intent, h.charge_id) AS payment,
           row_number() OVER (PARTITION BY COALESCE(h.deposit_txn, h.payment_intent, h.charge_id), h.gross
                              ORDER BY h.line_id) AS k
    FROM hits h WHERE $3::boolean AND h.kind = 'refund'),
recorded AS (
    SELECT r.external_id, r.store_hash, r.order_id, r.amount, r.gateway_transaction_id,
           row_number() OVER (PARTITION BY r.gateway_transaction_id, r.amount ORDER BY r.refund_id, r.n) AS k
    FROM return_documents r
    WHERE $3::boolean AND r.doc = 'rf' AND r.status = 'created' AND r.gateway = $1
        AND r.gateway_transaction_id IN (SELECT payment FROM refund_lines)
        AND NOT EXISTS (SELECT 1 FROM payout_matches m
                        WHERE m.refund_external_id = r.external_id AND NOT (m.gateway = $1 AND m.payout_id = $2))),
paired AS (
    SELECT DISTINCT ON (line_id) * FROM (
        SELECT DISTINCT ON (r.external_id) rl.line_id, r.external_id, r.store_hash, r.order_id,
               rl.gross AS expected
        FROM refund_lines rl JOIN recorded r
            ON r.gateway_transaction_id = rl.payment AND r.k = rl.k
           AND -rl.gross = CASE WHEN rl.deposit_currency IS NULL OR rl.deposit_currency = rl.currency THEN r.amount
                                WHEN rl.exchange_rate IS NOT NULL THEN ROUND(r.amount * rl.exchange_rate, 2) END
        ORDER BY r.external_id, rl.line_id) one_line_each
    ORDER BY line_id, external_id),
judged AS (
    SELECT h.line_id, h.kind, h.gross, h.currency, h.charge_id, h.payment_intent, h.n, h.store_hash, h.order_id,
           h.expected, NULL::text AS refund_external_id,
           CASE WHEN h.kind <> 'charge' THEN 'info'
                WHEN h.order_id IS NULL THEN 'no_order'
                WHEN h.deposit_status <> 'written' THEN 'no_deposit'
                WHEN h.expected IS DISTINCT FROM h.gross THEN 'amount_differs'
                ELSE 'matched' END AS outcome
    FROM hits h WHERE NOT ($3 AND h.kind = 'refund')
    UNION ALL  -- only the refund lines meet their pairs (joining every line to them was quadratic)
    SELECT rl.line_id, rl.kind, rl.gross, rl.currency, rl.charge_id, rl.payment_intent, rl.n,
           COALESCE(p.store_hash, rl.store_hash), COALESCE(p.order_id, rl.order_id), p.expected, p.external_id,
           CASE WHEN p.line_id IS NOT NULL THEN 'matched' WHEN rl.order_id IS NULL THEN 'no_order'
                ELSE 'no_refund' END
    FROM refund_lines rl LEFT JOIN paired p ON p.line_id = rl.line_id),
stored AS (
    INSERT INTO payout_matches (gateway, payout_id, line_id, store_hash, order_id, deposit_n, expected, outcome,
                                refund_external_id)
    SELECT $1, $2, line_id, store_hash, order_id, n, expected, outcome, refund_external_id FROM judged
    ON CONFLICT (gateway, payout_id, line_id) DO UPDATE SET
        store_hash = EXCLUDED.store_hash, order_id = EXCLUDED.order_id, deposit_n = EXCLUDED.deposit_n,
        expected = EXCLUDED.expected, outcome = EXCLUDED.outcome, refund_external_id = EXCLUDED.refund_external_id
    RETURNING 1)
SELECT COUNT(*) FILTER (WHERE kind = 'charge') AS charges,
       COUNT(*) FILTER (WHERE kind = 'charge' AND outcome = 'matched') AS matched,
       COUNT(*) FILTER (WHERE kind = 'refund') AS refunds,
       COUNT(*) FILTER (WHERE kind = 'refund' AND outcome = 'matched') AS refunds_matched,
       COALESCE(-SUM(expected) FILTER (WHERE kind = 'refund' AND outcome = 'matched'), 0) AS refunds_recorded,
       COALESCE(SUM(gross) FILTER (WHERE kind = 'charge' OR ($3 AND kind = 'refund')), 0) AS clearing_credit,
       COALESCE(SUM(expected) FILTER (WHERE outcome IN ('matched', 'amount_differs')), 0) AS deposits,
       (SELECT COUNT(*) FROM stored) AS stored,
       COALESCE(jsonb_agg(jsonb_build_object(
           'line_id', line_id, 'kind', kind, 'gross', gross::text, 'currency', currency, 'charge_id', charge_id,
           'payment_intent', payment_intent, 'outcome', outcome, 'store_hash', store_hash, 'order_id', order_id,
           'expected', expected::text) ORDER BY order_id NULLS LAST, line_id)
           FILTER (WHERE outcome IN ('no_deposit', 'amount_differs', 'no_order', 'no_refund')), '[]') AS problems
FROM judged
"""


def _outcome(r: dict[str, Any]) -> LineOutcome:
    return LineOutcome(r["line_id"], r["kind"], Decimal(r["gross"]), r["currency"], r["charge_id"],
                       r["payment_intent"], r["outcome"], r["store_hash"],
                       int(r["order_id"]) if r["order_id"] is not None else None,
                       Decimal(r["expected"]) if r["expected"] is not None else None)


async def reconcile(conn: Executor, gateway: str, payout_id: str, *,
                    refunds_to_clearing: bool = False) -> Reconciliation:
    """Match the payout's lines to deposits (and, with ``refunds_to_clearing``, its refund lines to the
    customer refunds o2c recorded), store them in ``payout_matches`` and measure the clearing residual.

    One statement matches, stores and sums (nothing is joined back to the lines it just matched: with
    fresh rows the planner's estimates made that join quadratic on a 10,000-line payout). With refunds to
    clearing, reconciliations of one gateway take turns (a transaction-scoped advisory lock), so two payouts
    reconciled at once cannot both take the same customer refund."""
    async with transaction(conn) as tx:
        if refunds_to_clearing:
            await tx.execute("SELECT pg_advisory_xact_lock(hashtext('o2c:payout-refunds:' || $1))", gateway)
        summary = await tx.fetchrow(_RECONCILE_SQL, gateway, payout_id, refunds_to_clearing)
        assert summary is not None
        other = await tx.fetch(
            """SELECT line_id, kind, gross::text AS gross, currency, charge_id, payment_intent,
                      'unclassified' AS outcome, NULL AS store_hash, NULL AS order_id, NULL AS expected
               FROM payout_lines WHERE gateway = $1 AND payout_id = $2 AND kind = 'other' ORDER BY line_id""",
            gateway, payout_id)
        problems = summary["problems"]
        if isinstance(problems, str):
            problems = orjson.loads(problems)
        result = Reconciliation(
            charges=int(summary["charges"]), matched=int(summary["matched"]),
            clearing_credit=Decimal(summary["clearing_credit"]), deposits=Decimal(summary["deposits"]),
            problems=tuple(_outcome(r) for r in problems), unclassified=tuple(_outcome(dict(r)) for r in other),
            refunds=int(summary["refunds"]), refunds_matched=int(summary["refunds_matched"]),
            refunds_recorded=Decimal(summary["refunds_recorded"]))
        await tx.execute(
            """INSERT INTO payout_reconciliations (gateway, payout_id, charges, matched, no_deposit, amount_differs,
                                                   no_order, unclassified, clearing_credit, deposits, residual, result,
                                                   refunds, refunds_matched, refunds_recorded)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
            gateway, payout_id, result.charges, result.matched, result.count("no_deposit"),
            result.count("amount_differs"), result.count("no_order"), len(result.unclassified),
            result.clearing_credit, result.deposits, result.residual,
            "reconciled" if result.residual == 0 and not result.problems and not result.unclassified else "mismatch",
            result.refunds, result.refunds_matched, result.refunds_recorded)
    return result


async def needing_reconciliation(conn: Executor, limit: int = 100) -> list[PayoutRow]:
    """Posted payouts not at zero whose charges' deposits, or whose refund lines' customer refunds (the
    returns flow's ``return_documents`` rf), changed since their last reconciliation."""
    rows = await conn.fetch(
        """SELECT p.* FROM payouts p
           WHERE p.result = 'mismatch' AND p.je_status = 'posted' AND (EXISTS (
               SELECT 1 FROM payout_lines l JOIN cash_deposits d
                   ON d.kind = 'gateway' AND d.gateway = l.gateway
                  AND d.gateway_transaction_id IN (l.payment_intent, l.charge_id)
               WHERE l.gateway = p.gateway AND l.payout_id = p.payout_id AND l.kind = 'charge'
                 AND d.updated_at > p.updated_at) OR EXISTS (
               SELECT 1 FROM payout_lines l JOIN return_documents r
                   ON r.doc = 'rf' AND r.gateway = l.gateway
                  AND r.gateway_transaction_id IN (l.payment_intent, l.charge_id)
               WHERE l.gateway = p.gateway AND l.payout_id = p.payout_id AND l.kind = 'refund'
                 AND r.updated_at > p.updated_at))
           ORDER BY p.updated_at LIMIT $1""", limit)
    return [PayoutRow(**dict(r)) for r in rows]


async def counts(conn: Executor) -> dict[str, int]:
    rows = await conn.fetch("SELECT result, COUNT(*) AS n FROM payouts GROUP BY result")
    return {r["result"]: int(r["n"]) for r in rows}


async def published(conn: Executor, gateway: str, payout_id: str, status: str, line_count: int) -> bool:
    """True if this version of the payout was published already."""
    return bool(await conn.fetchval(
        "SELECT 1 FROM payout_sources WHERE gateway = $1 AND payout_id = $2 AND status = $3 AND line_count = $4",
        gateway, payout_id, status, line_count))


async def mark_published(conn: Executor, gateway: str, payout_id: str, status: str, line_count: int) -> None:
    await conn.execute("INSERT INTO payout_sources (gateway, payout_id, status, line_count) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT DO NOTHING", gateway, payout_id, status, line_count)


async def published_statuses(conn: Executor, gateway: str, payout_ids: Sequence[str]) -> dict[str, set[str]]:
    rows = await conn.fetch("SELECT payout_id, status FROM payout_sources WHERE gateway = $1 AND payout_id = ANY($2)",
                            gateway, list(payout_ids))
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["payout_id"], set()).add(r["status"])
    return out


async def file_imported(conn: Executor, gateway: str, file_name: str, sha256: str, payouts: int,
                        problems: Sequence[str]) -> None:
    await conn.execute("INSERT INTO payout_files (gateway, file_name, sha256, payouts, problems) "
                       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                       gateway, file_name, sha256, payouts, list(problems))
