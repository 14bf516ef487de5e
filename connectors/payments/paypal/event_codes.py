"""PayPal transaction event codes (T-codes) → o2c line kinds.

A T-code is ``T<group 2><type 2>``; PayPal: "the event group portion of the T-code is sufficient for
reconciliation and report parsing" (developer.paypal.com, Transaction event codes / T-code reference).
The direction (``CR`` money into the balance, ``DR`` out of it) comes from the record, not the code.

Groups and what o2c makes of them (codes PayPal names individually are listed in :data:`CODES`):

- ``T00nn`` PayPal account-to-account payments (T0006 PayPal Checkout APIs, T0005 Direct payment,
  T0007 Website payments standard, …): a credit is a ``charge``; a debit is the merchant *sending* money
  (not a sale) → ``other``. MassPay/third-party payouts and recoupments (T0001, T0015–T0017) → ``other``.
- ``T01nn`` non-payment fees (T0106 chargeback processing fee, T0107 payment fee, …) → ``fee``.
- ``T02nn`` currency conversion → ``adjustment`` (moves money between currency balances).
- ``T03nn`` bank deposit into the PayPal account (funding; PayPal debits the bank) → a *negative payout*
  boundary (:func:`is_bank_funding`), not a line.
- ``T04nn`` bank withdrawal from the PayPal account (including the daily Settlement Withdrawal) → the
  *payout* boundary (:func:`is_withdrawal`), not a line.
- ``T11nn`` reversals: T1107 merchant refund → ``refund``; T1106 payment reversal initiated by PayPal
  (buyer complaint/unauthorised) → ``dispute``; T1105/T1110/T1111 holds for disputes and their
  cancellation → ``reserve``; T1108/T1109 fee reversal/refund → ``fee``; T1101 reversal of a bank
  withdrawal → ``payout_failure``; the rest → ``other``.
- ``T12nn`` adjustments: T1201 chargeback → ``dispute``; T1202 chargeback reversal, T1205 chargeback
  reimbursement, T1208 chargeback cancellation → ``dispute_reversal``; T1207 re-presentment rejection →
  ``dispute``; T1200 general adjustment, T1203 charge-off → ``adjustment``.
- ``T13nn`` authorisations: not balance-affecting → ``other`` if one ever appears.
- ``T15nn`` temporary holds on the balance and ``T21nn`` reserves/holds and their releases → ``reserve``.
- ``T19nn`` account corrections → ``adjustment``.
- every other group (debit cards T05, credit-card funding T06/T07, rewards T08, gift certificates T09,
  bill pay T10, dividends T14, buyer credit T16–T18, transfers T20/T22, T97–T99 …) → ``other``: never
  guessed, the payout flow flags it for finance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..models import LineKind

Direction = Literal["CR", "DR"]

_CODE = re.compile(r"^T(\d{2})(\d{2})$")


@dataclass(frozen=True)
class EventCode:
    """What o2c knows of one T-code: the kind of line it makes and PayPal's description."""

    code: str
    kind: LineKind
    description: str


#: Codes PayPal names individually whose kind differs from (or refines) their group's.
CODES: dict[str, EventCode] = {c.code: c for c in (
    EventCode("T0001", "other", "MassPay payment"),
    EventCode("T0015", "other", "Third-party payout"),
    EventCode("T0016", "other", "Third-party recoupment"),
    EventCode("T0017", "other", "Store-to-store transfer"),
    EventCode("T0106", "fee", "Chargeback processing fee"),
    EventCode("T0107", "fee", "Payment fee"),
    EventCode("T1100", "other", "General reversal"),
    EventCode("T1101", "payout_failure", "Reversal of a bank withdrawal"),
    EventCode("T1105", "reserve", "Reversal of a general account hold"),
    EventCode("T1106", "dispute", "Payment reversal initiated by PayPal"),
    EventCode("T1107", "refund", "Payment refund initiated by the merchant"),
    EventCode("T1108", "fee", "Fee reversal"),
    EventCode("T1109", "fee", "Fee refund"),
    EventCode("T1110", "reserve", "Hold for dispute investigation"),
    EventCode("T1111", "reserve", "Cancellation of a hold for dispute resolution"),
    EventCode("T1200", "adjustment", "General account adjustment"),
    EventCode("T1201", "dispute", "Chargeback"),
    EventCode("T1202", "dispute_reversal", "Chargeback reversal"),
    EventCode("T1203", "adjustment", "Charge-off adjustment"),
    EventCode("T1205", "dispute_reversal", "Reimbursement of a chargeback"),
    EventCode("T1207", "dispute", "Chargeback re-presentment rejection"),
    EventCode("T1208", "dispute_reversal", "Chargeback cancellation"),
)}

#: What each event group means when the code is not in :data:`CODES` (groups missing here → ``other``).
GROUPS: dict[str, tuple[LineKind, str]] = {
    "00": ("charge", "PayPal payment received"),
    "01": ("fee", "Non-payment-related fee"),
    "02": ("adjustment", "Currency conversion"),
    "15": ("reserve", "Temporary hold or release of the balance"),
    "19": ("adjustment", "Account correction"),
    "21": ("reserve", "Reserve or hold, or its release"),
}


def group(code: str) -> str | None:
    """``"T0006"`` → ``"00"``; None for something that is not a T-code."""
    match = _CODE.match(code.strip().upper())
    return match.group(1) if match else None


def is_withdrawal(code: str) -> bool:
    """A T04nn bank withdrawal: money leaving the PayPal balance for the bank (a payout)."""
    return group(code) == "04"


def is_bank_funding(code: str) -> bool:
    """A T03nn bank deposit into PayPal: PayPal debits the bank (a negative payout)."""
    return group(code) == "03"


def is_boundary(code: str) -> bool:
    """A record that closes a payout window (a withdrawal or a bank funding)."""
    return is_withdrawal(code) or is_bank_funding(code)


def describe(code: str, direction: Direction | None = None) -> EventCode:
    """The kind and description of a T-code as a line of a payout (never raises: unknown → ``other``)."""
    normalised = code.strip().upper()
    known = CODES.get(normalised)
    if known is not None:
        return known
    grp = group(normalised)
    if grp is None:
        return EventCode(normalised, "other", f"not a PayPal event code: {code!r}")
    if grp in ("03", "04"):
        return EventCode(normalised, "other", "Bank funding" if grp == "03" else "Bank withdrawal")
    if grp == "00" and direction == "DR":
        return EventCode(normalised, "other", "PayPal payment sent by the merchant")
    kind, description = GROUPS.get(grp, ("other", f"PayPal event group T{grp}nn"))
    return EventCode(normalised, kind, description)


def line_kind(code: str, direction: Direction | None = None) -> LineKind:
    """Shorthand for ``describe(code, direction).kind``."""
    return describe(code, direction).kind
