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
    rows = await conn.fetch("SELECT outcome, COUNT(*) AS n FROM payout_matches WHERE gateway = $1 AND payout_id = $2 "
                            "GROUP BY outcome", p.gateway, p.payout_id)
    outcomes = {r["outcome"]: int(r["n"]) for r in rows}
    charges = sum(n for o, n in outcomes.items() if o != "info")
    out.append(f"  matched                  {outcomes.get('matched', 0)} of {charges} charges to orders with their "
               "deposit")
    for outcome, label in (("no_deposit", "no deposit in NetSuite"), ("amount_differs", "deposit amount differs"),
                           ("no_order", "no BigCommerce order")):
        if outcomes.get(outcome):
            out.append(f"  {label:<24} {outcomes[outcome]}")
    residual = "-" if p.residual is None else money(p.residual, p.currency)
    out.append(f"  clearing residual        {residual} → {p.result}")
    if p.detail:
        out.append(f"  {p.detail}")
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
