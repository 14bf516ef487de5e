"""payout_unreconciled: a gateway payout is not reconciled to 0.00 long after its journal entry was posted."""

from __future__ import annotations

from datetime import datetime

from state.alerts import LatePayout
from streams.alerts.firing import Firing, span


def payout_unreconciled(late: list[LatePayout], now: datetime, *, hours: float) -> list[Firing]:
    out = []
    for p in late:
        state = ("its reconciliation has not run" if p.result == "pending"
                 else f"its clearing residual is {p.residual} {p.currency.upper()}")
        out.append(Firing(
            subject=f"{p.gateway}:{p.payout_id}",
            message=(f"{p.gateway.capitalize()} payout {p.payout_id} was posted to NetSuite "
                     f"{span((now - p.posted_at).total_seconds())} ago and is still not reconciled to 0.00 ({state}; "
                     f"allowed: {span(hours * 3600)}). Open the payout on the ops page's Payouts tab and its "
                     "payout_mismatch exception: it names the orders without a deposit or with a different amount. "
                     "Fix those (usually by retrying their own exceptions) or book the difference by hand; o2c "
                     "re-checks by itself and this alert closes at 0.00."),
            payload={"gateway": p.gateway, "payout_id": p.payout_id, "result": p.result,
                     "residual": str(p.residual) if p.residual is not None else None,
                     "posted_at": p.posted_at.isoformat()}))
    return out
