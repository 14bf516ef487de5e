"""``/payouts``: gateway payouts with their journal entry, reconciliation result and clearing residual."""

from __future__ import annotations

from aiohttp import web

from state import payouts
from streams.ops import links
from streams.ops.web import ops_of, render

RESULTS = ("pending", "reconciled", "mismatch", "unbalanced", "date_window", "failed")


async def list_payouts(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    result = request.query.get("result", "")
    rows = await payouts.recent(ops.pool, limit=200, result=result if result in RESULTS else None)
    je = {(p.gateway, p.payout_id): links.netsuite(ops.settings.ns_app_url, "payout", p.je_ns_id) for p in rows}
    return render(request, "payouts.html", title="Payouts", rows=rows, je=je, results=RESULTS,
                  result=result if result in RESULTS else "")
