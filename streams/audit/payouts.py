"""Payouts: every gateway payout is booked in NetSuite and reconciled to zero.

| o2c's payout (since) …                                              | finding                             |
|---------------------------------------------------------------------|-------------------------------------|
| reconciled with a clearing residual other than 0.00, or mismatched,  | ``payout_unreconciled`` (finance)   |
| unbalanced, outside the date window, failed                          |                                     |
| its journal entry posted, but NetSuite has no such journal entry     | ``journal_entry_missing`` (finance) |

A payout still being read or posted (``pending``) is o2c's work in progress, not drift.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from streams.audit.findings import NewFinding, finding

CHECK = "payouts"
NOT_RECONCILED = frozenset({"mismatch", "unbalanced", "date_window", "failed"})


@dataclass(frozen=True)
class Payout:
    gateway: str
    payout_id: str
    amount: Decimal
    currency: str
    arrival_date: str
    result: str
    residual: Decimal | None
    je_status: str
    je_external_id: str | None
    je_ns_id: str | None
    detail: str = ""


def compare(payouts: Iterable[Payout], journals: Collection[str]) -> list[NewFinding]:
    """``journals``: externalIds of the journal entries NetSuite has (of the payouts read)."""
    out: list[NewFinding] = []
    for p in sorted(payouts, key=lambda p: (p.gateway, p.payout_id)):
        name = f"{p.gateway} payout {p.payout_id} ({p.amount} {p.currency.upper()}, arriving {p.arrival_date})"
        residual = p.residual if p.residual is not None else None
        off = p.result in NOT_RECONCILED or (p.result == "reconciled" and residual not in (None, Decimal(0)))
        if off:
            owes = f" leaving {residual} in the clearing account" if residual not in (None, Decimal(0)) else ""
            out.append(finding(
                CHECK, "payout_unreconciled", "payout", "finance", bc_id=f"{p.gateway}:{p.payout_id}",
                ns_id=p.je_ns_id,
                message=(f"{name} is not reconciled to zero ({p.result}{owes}){': ' + p.detail if p.detail else ''}. "
                         f"See o2c payouts show {p.payout_id} for the unmatched lines; fix the missing deposits or "
                         f"refunds, then o2c payouts reconcile {p.payout_id}."),
                detail={"result": p.result, "residual": None if residual is None else str(residual)}))
        if p.je_status == "posted" and p.je_external_id and p.je_external_id not in journals:
            out.append(finding(
                CHECK, "journal_entry_missing", "payout", "finance", bc_id=f"{p.gateway}:{p.payout_id}",
                ns_id=p.je_ns_id,
                message=(f"{name} was posted as journal entry {p.je_external_id} (NetSuite id {p.je_ns_id}), but "
                         "NetSuite has no such journal entry (deleted?): the bank deposit and fees are not in the "
                         f"books. Find out who deleted it (NetSuite's deleted records), then have it posted again "
                         "(re-deliver the payout from the gateway, or restore the entry with this externalId)."),
                detail={"je_external_id": p.je_external_id}))
    return out
