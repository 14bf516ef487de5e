"""The payout rule: one journal entry per payout, in the payout's currency. Pure.

=====================  ==========================================================
line                   amount (debit when positive, credit when negative)
=====================  ==========================================================
bank                   + what reached the bank (a negative payout credits it)
fees, per fee type     + the fees of every line (Stripe fee, tax on fees, …)
refunds                + refunds paid out of the gateway balance (with refunds to clearing:
                       + on clearing, "Refunds paid back": the customer refunds credited it)
disputes               + chargebacks withdrawn; − disputes won back
reserves               + funds held back; − funds released
adjustments            + / − other adjustments and lines o2c cannot classify
clearing               − the gross of the charges (the deposits debited it), − a failed
                       payout's money coming back
=====================  ==========================================================

By construction Σ = payout amount − Σ line net, so the entry balances exactly when the lines add up
to what reached the bank; :func:`journal_entry` refuses to build one otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from streams.cash.settings import GatewayAccounts

ZERO = Decimal(0)

#: Line kind → which account its gross goes to (the sign is flipped: money out is a debit).
GROSS_ACCOUNTS = {
    "charge": "clearing",
    "payout_failure": "clearing",
    "refund": "refunds",
    "dispute": "disputes",
    "dispute_reversal": "disputes",
    "reserve": "reserves",
    "adjustment": "adjustments",
    "other": "adjustments",
    "fee": "fees",
}
LABELS = {
    "bank": "Payout to bank",
    "clearing": "Charges paid out",
    "payout_failure": "Failed payout returned",
    "refund": "Refunds",
    "refund_to_clearing": "Refunds paid back",
    "dispute": "Disputes",
    "dispute_reversal": "Disputes won",
    "reserve": "Reserves",
    "adjustment": "Adjustments",
    "other": "Unclassified lines (see the payout's reconciliation)",
}


class Unbalanced(ValueError):
    """The lines do not add up to what reached the bank: nothing may be posted."""

    def __init__(self, payout_amount: Decimal, lines_net: Decimal, currency: str) -> None:
        self.difference = payout_amount - lines_net
        super().__init__(
            f"the payout's lines add up to {lines_net:,.2f} {currency} but {payout_amount:,.2f} {currency} reached "
            f"the bank (a difference of {self.difference:,.2f}); no journal entry is posted until the gateway's "
            "lines are complete")


@dataclass(frozen=True)
class JournalLine:
    account: str
    amount: Decimal  # debit > 0 > credit
    memo: str

    def body(self) -> dict[str, object]:
        side = "debit" if self.amount > 0 else "credit"
        return {"account": {"id": self.account}, side: abs(self.amount), "memo": self.memo[:999]}


@dataclass(frozen=True)
class JournalEntry:
    external_id: str
    tran_date: date
    memo: str
    lines: tuple[JournalLine, ...]

    @property
    def debits(self) -> Decimal:
        return sum((x.amount for x in self.lines if x.amount > 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return -sum((x.amount for x in self.lines if x.amount < 0), ZERO)

    def reversed(self, external_id: str, tran_date: date, memo: str) -> JournalEntry:
        """The entry that undoes this one (a payout that failed after it was paid)."""
        return JournalEntry(external_id, tran_date, memo,
                            tuple(JournalLine(x.account, -x.amount, f"Reversal: {x.memo}") for x in self.lines))


def external_id(gateway: str, payout_id: str) -> str:
    return f"PAYOUT-JE-{gateway}-{payout_id}"


def reversal_external_id(gateway: str, payout_id: str) -> str:
    return f"PAYOUT-JE-{gateway}-{payout_id}-REVERSAL"


def journal_entry(*, gateway: str, payout_id: str, amount: Decimal, currency: str, arrival_date: date,
                  gross: Mapping[str, Decimal], fees: Mapping[tuple[str, str], Decimal], lines_net: Decimal,
                  accounts: GatewayAccounts, bank_reference: str | None = None,
                  refunds_to_clearing: bool = False) -> JournalEntry:
    """The journal entry of a payout from its line totals (``gross`` by kind, ``fees`` by kind and fee type).

    With ``refunds_to_clearing`` the refund lines debit the clearing account (the NetSuite customer refunds
    o2c booked credited it, so each order's clearing nets to zero) instead of the refunds account."""
    if lines_net != amount:
        raise Unbalanced(amount, lines_net, currency)
    where = f"{gateway} payout {payout_id}"
    sums: dict[tuple[str, str], Decimal] = {}

    def add(account: str, value: Decimal, memo: str) -> None:
        if value:
            sums[(account, memo)] = sums.get((account, memo), ZERO) + value

    add(accounts.bank, amount, f"{LABELS['bank']}: {where}" + (f" (bank ref {bank_reference})" if bank_reference
                                                               else ""))
    for (kind, fee_type), value in sorted(fees.items()):
        add(accounts.fee_account(kind, fee_type), value, f"Fees ({fee_type.replace('_', ' ')}): {where}")
    for kind, value in sorted(gross.items()):
        target = GROSS_ACCOUNTS.get(kind, "adjustments")
        if kind == "refund" and refunds_to_clearing:
            add(accounts.clearing, -value, f"{LABELS['refund_to_clearing']}: {where}")
            continue
        if target == "fees":
            add(accounts.fee_account(kind, "gateway_fee"), -value, f"Fees (gateway fee lines): {where}")
            continue
        label = LABELS["clearing"] if kind == "charge" else LABELS.get(kind, kind)
        add(getattr(accounts, target), -value, f"{label}: {where}")
    lines = tuple(JournalLine(account, value, memo) for (account, memo), value in sums.items() if value)
    entry = JournalEntry(external_id(gateway, payout_id), arrival_date,
                         f"{gateway.capitalize()} payout {payout_id} of {amount:,.2f} {currency}", lines)
    assert entry.debits == entry.credits, "a payout journal entry always balances once its lines add up"
    return entry
