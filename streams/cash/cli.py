"""``o2c payouts list|show|reconcile ID``: finance's view of payouts, straight from PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from state import payouts as store
from state.db import Executor, create_pool
from streams.cash.mismatch import money
from streams.cash.payout_poster import PayoutPoster
from streams.cash.settings import get_cash_settings
from streams.platform.settings import Settings

KINDS = (("charge", "charges"), ("refund", "refunds"), ("dispute", "disputes"), ("dispute_reversal", "disputes won"),
         ("reserve", "reserves"), ("adjustment", "adjustments"), ("fee", "fee lines"),
         ("payout_failure", "failed payouts returned"), ("other", "unclassified"))


def _row(p: store.PayoutRow) -> str:
    residual = "-" if p.residual is None else f"{p.residual:,.2f}"
    return (f"{p.gateway + ':' + p.payout_id:<40} {p.arrival_date}  {p.status:<9} {money(p.amount, p.currency):>14}  "
            f"{p.line_count:>6} lines  JE {p.je_status:<8} {p.result:<11} residual {residual}")


async def report(conn: Executor, p: store.PayoutRow) -> list[str]:
    """The payout's figures, its journal entry and its reconciliation, line by line."""
    totals = await store.totals(conn, p.gateway, p.payout_id)
    fees = sum(totals.fees.values(), Decimal(0))
    out = [f"Payout {p.payout_id} ({p.gateway}): {p.status}, arrives {p.arrival_date}, {p.currency}, "
           f"{'automatic' if p.automatic else 'manual'} {p.method}"]
    for kind, label in KINDS:
        if kind in totals.gross:
            out.append(f"  {label:<24} {money(totals.gross[kind], p.currency):>16}")
    out.append(f"  {'fees':<24} {money(-fees, p.currency):>16}")
    out.append(f"  {'net to the bank':<24} {money(p.amount, p.currency):>16}   lines add up to "
               f"{money(totals.net, p.currency)} ({'equal' if totals.net == p.amount else 'DIFFERENT'})")
    if p.je_ns_id:
        out.append(f"  journal entry            {p.je_external_id} (NetSuite id {p.je_ns_id}), {p.je_status}"
                   + (f", reversed by NetSuite id {p.reversal_ns_id}" if p.reversal_ns_id else ""))
    else:
        out.append("  journal entry            not posted")
    rows = await conn.fetch(
        "SELECT l.kind, m.outcome, COUNT(*) AS n FROM payout_matches m JOIN payout_lines l USING (gateway, payout_id, "
        "line_id) WHERE m.gateway = $1 AND m.payout_id = $2 AND l.kind = 'charge' GROUP BY l.kind, m.outcome",
        p.gateway, p.payout_id)
    outcomes = {r["outcome"]: int(r["n"]) for r in rows}
    charges = sum(outcomes.values())
    out.append(f"  matched                  {outcomes.get('matched', 0)} of {charges} charges to orders with their "
               "deposit")
    for outcome, label in (("no_deposit", "no deposit in NetSuite"), ("amount_differs", "deposit amount differs"),
                           ("no_order", "no BigCommerce order")):
        if outcomes.get(outcome):
            out.append(f"  {label:<24} {outcomes[outcome]}")
    out.extend(await _refunds(conn, p))
    residual = "-" if p.residual is None else money(p.residual, p.currency)
    out.append(f"  clearing residual        {residual} → {p.result}")
    if p.detail:
        out.append(f"  {p.detail}")
    return out


REFUND_OUTCOMES = {
    "matched": "customer refund {refund}",
    "no_refund": "no customer refund recorded for this amount (the BigCommerce refund is waiting or was refused: "
                 "see the order's exceptions)",
    "no_order": "no BigCommerce order paid this payment",
    "info": "booked to the refunds account (refunds to clearing is off)",
}
MAX_REFUNDS_SHOWN = 50


async def _refunds(conn: Executor, p: store.PayoutRow) -> list[str]:
    """The refund lines: each with its order and the customer refund it matched (or why not), and totals."""
    lines = await conn.fetch(
        """SELECT l.line_id, l.gross, l.refund_id, l.payment_intent, l.charge_id, m.outcome, m.store_hash,
                  m.order_id, m.refund_external_id
           FROM payout_lines l LEFT JOIN payout_matches m USING (gateway, payout_id, line_id)
           WHERE l.gateway = $1 AND l.payout_id = $2 AND l.kind = 'refund'
           ORDER BY m.order_id NULLS LAST, l.line_id""", p.gateway, p.payout_id)
    if not lines:
        return []
    last = await conn.fetchrow(
        "SELECT refunds, refunds_matched, refunds_recorded FROM payout_reconciliations WHERE gateway = $1 AND "
        "payout_id = $2 ORDER BY run_at DESC, id DESC LIMIT 1", p.gateway, p.payout_id)
    gross = sum((Decimal(r["gross"]) for r in lines), Decimal(0))
    out = [f"  refunds                  {len(lines)} refund lines, {money(gross, p.currency)}"]
    if last is not None:
        out.append(f"  refunds matched          {last['refunds_matched']} of {last['refunds']} to customer refunds "
                   f"o2c recorded, {money(Decimal(last['refunds_recorded']), p.currency)} recorded")
    for r in lines[:MAX_REFUNDS_SHOWN]:
        order = f"order {r['order_id']}" if r["order_id"] is not None else "no order"
        why = REFUND_OUTCOMES.get(r["outcome"] or "", "not reconciled yet").format(refund=r["refund_external_id"])
        payment = r["payment_intent"] or r["charge_id"] or "-"
        out.append(f"    {r['refund_id'] or r['line_id']:<28} {money(Decimal(r['gross']), p.currency):>14}  "
                   f"{payment:<28} {order:<14} {why}")
    if len(lines) > MAX_REFUNDS_SHOWN:
        out.append(f"    … and {len(lines) - MAX_REFUNDS_SHOWN} more refund lines")
    return out


async def payouts_command(settings: Settings, action: str, payout_id: str | None = None, limit: int = 50) -> int:
    pool = await create_pool(settings.dsn)
    try:
        if action == "list":
            for p in await store.recent(pool, limit):
                print(_row(p))
            return 0
        found = await store.find(pool, payout_id or "")
        if not found:
            print(f"no payout {payout_id}")
            return 1
        for p in found:
            if action == "reconcile":
                if p.je_status != "posted":
                    print(f"payout {p.payout_id} has no journal entry posted ({p.result}): nothing to reconcile")
                    continue
                await PayoutPoster(get_cash_settings()).reconcile(pool, p)  # as the worker does: exception too
                p = (await store.get(pool, p.gateway, p.payout_id)) or p
            print("\n".join(await report(pool, p)))
        return 0
    finally:
        await pool.close()
