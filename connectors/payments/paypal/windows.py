"""Withdrawal windows: PayPal balance records → payouts (shared by the STL parser and Transaction Search).

PayPal has no payout object. o2c treats one withdrawal to the bank (T04nn) as one payout: its amount is
what reached the bank, its lines every balance-affecting record of that currency since the previous
withdrawal. A bank funding (T03nn, PayPal debiting the bank) is a negative payout the same way. The
lines' net must add up to the payout amount; when it does not (the window started before the data did,
or the balance was not swept to zero) the difference is reported, never hidden.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from ..models import Fee, Payout, PayoutLine, PayoutStatus
from . import event_codes
from .event_codes import Direction

GATEWAY = "paypal"
ZERO = Decimal(0)

PayoutWithLines = tuple[Payout, tuple[PayoutLine, ...]]


@dataclass(frozen=True)
class Movement:
    """One balance-affecting PayPal record, in the form both sources share.

    ``gross`` is signed (credit positive); ``fee`` is positive when PayPal charged it (a fee credit,
    i.e. a fee refund, is negative), so the record's effect on the balance is ``gross - fee``.
    """

    transaction_id: str
    event_code: str
    gross: Decimal
    fee: Decimal
    currency: str
    initiated: datetime | None = None
    completed: datetime | None = None
    reference_id: str | None = None
    reference_type: str | None = None
    invoice_id: str | None = None
    custom_field: str | None = None
    status: str | None = None
    bank_reference: str | None = None
    where: str = ""  #: where the record came from ("line 12"), for problems

    def to_json(self) -> dict[str, str | None]:
        """A JSON-ready form, for keeping unsettled records between two files (:meth:`from_json`)."""
        out: dict[str, str | None] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else (
                None if value is None else str(value))
        return out

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> Movement:
        def when(key: str) -> datetime | None:
            raw = data.get(key)
            return datetime.fromisoformat(raw) if raw else None
        def text(key: str) -> str | None:
            return data.get(key) or None
        return cls(
            transaction_id=str(data["transaction_id"]), event_code=str(data["event_code"]),
            gross=Decimal(str(data["gross"])), fee=Decimal(str(data["fee"])), currency=str(data["currency"]),
            initiated=when("initiated"), completed=when("completed"), reference_id=text("reference_id"),
            reference_type=text("reference_type"), invoice_id=text("invoice_id"), custom_field=text("custom_field"),
            status=text("status"), bank_reference=text("bank_reference"), where=data.get("where") or "",
        )

    @property
    def direction(self) -> Direction:
        return "DR" if self.gross < 0 else "CR"

    @property
    def net(self) -> Decimal:
        return self.gross - self.fee

    @property
    def when(self) -> datetime:
        moment = self.completed or self.initiated
        return moment if moment is not None else datetime.min.replace(tzinfo=UTC)


@dataclass
class Windows:
    """What :func:`build_payouts` found: payouts, the records still waiting for a withdrawal, problems."""

    payouts: list[PayoutWithLines] = field(default_factory=list)
    unsettled: list[Movement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def to_line(m: Movement) -> PayoutLine:
    """One record as a payout line: kind from its T-code, ids for joining back to BigCommerce."""
    code = event_codes.describe(m.event_code, m.direction)
    reference = m.reference_id if m.reference_type in (None, "", "TXN") else None
    charge_id = m.transaction_id if code.kind == "charge" else reference
    fees = (Fee(type="gateway_fee", amount=m.fee, description="PayPal fee"),) if m.fee else ()
    return PayoutLine(
        line_id=m.transaction_id,
        kind=code.kind,
        gross=m.gross,
        fee=m.fee,
        net=m.net,
        currency=m.currency,
        fees=fees,
        charge_id=charge_id or None,
        refund_id=m.transaction_id if code.kind == "refund" else None,
        dispute_id=m.transaction_id if code.kind in ("dispute", "dispute_reversal") else None,
        source_id=m.transaction_id,
        reporting_category=code.code,
        description="; ".join([code.description, *(f"{label} {value}" for label, value in (
            ("invoice", m.invoice_id), ("custom", m.custom_field)) if value)]),
        created=m.initiated or m.completed,
    )


def _status(m: Movement) -> PayoutStatus:
    """Transaction status S (success) → paid, P (pending) → in transit, D/V (denied/reversed) → failed."""
    statuses: dict[str, PayoutStatus] = {"P": "in_transit", "D": "failed", "V": "failed"}
    return statuses.get((m.status or "S").upper(), "paid")


def _payout(m: Movement, lines: Sequence[PayoutLine], *, start_known: bool, problems: list[str]) -> PayoutWithLines:
    withdrawal = event_codes.is_withdrawal(m.event_code)
    amount = -m.gross  # a withdrawal debits the balance (positive payout); a funding credits it (negative)
    window = list(lines)
    if m.fee:
        window.append(PayoutLine(
            line_id=m.transaction_id, kind="fee", gross=ZERO, fee=m.fee, net=-m.fee, currency=m.currency,
            fees=(Fee(type="gateway_fee", amount=m.fee, description="PayPal withdrawal fee"),),
            reporting_category=m.event_code, description="Fee on the bank withdrawal", created=m.initiated))
    total = sum((line.net for line in window), ZERO)
    balanced = total == amount
    if not balanced:
        what = "withdrawal" if withdrawal else "bank funding"
        problems.append(
            f"PayPal {what} {m.transaction_id} ({m.where or 'no position'}): {amount} {m.currency} reached "
            f"the bank but the {len(window)} records since the previous one add up to {total} "
            f"(difference {amount - total} {m.currency})"
            + ("" if start_known else "; records before the start of this data may be missing"))
    created = m.initiated or m.when
    payout = Payout(
        gateway=GATEWAY,
        payout_id=m.transaction_id,
        amount=amount,
        currency=m.currency,
        status=_status(m),
        arrival_date=(m.completed or created).date(),
        created=created,
        automatic=True,
        reconciliation="itemised" if (start_known or balanced) else "date_window",
        bank_reference=m.bank_reference or None,
        description=event_codes.describe(m.event_code).description,
    )
    return payout, tuple(window)


def build_payouts(movements: Iterable[Movement], *, carried: Iterable[Movement] = (),
                  start_known: bool | Collection[str] = False) -> Windows:
    """Cut each currency's records into withdrawal windows.

    ``carried``: records left unsettled by earlier data (the previous file's :attr:`Windows.unsettled`);
    with them, or with ``start_known`` (the data starts right after a withdrawal: True for every currency,
    or the currencies it is true of), the first window of each currency is complete. Records are taken
    in time order, the source's order breaking ties.
    """
    result = Windows()
    carried = list(carried)
    ordered = sorted(enumerate([*carried, *movements]), key=lambda pair: (pair[1].when, pair[0]))
    by_currency: dict[str, list[Movement]] = {}
    for _, m in ordered:
        by_currency.setdefault(m.currency, []).append(m)
    carried_currencies = {m.currency for m in carried}
    for currency, records in by_currency.items():
        known = (start_known if isinstance(start_known, bool) else currency in start_known) \
            or currency in carried_currencies
        pending: list[Movement] = []
        for m in records:
            if event_codes.is_boundary(m.event_code) and (m.status or "S").upper() not in ("D", "V"):
                lines = [to_line(p) for p in pending]
                result.payouts.append(_payout(m, lines, start_known=known, problems=result.problems))
                pending, known = [], True
            else:
                pending.append(m)
        result.unsettled.extend(pending)
    result.payouts.sort(key=lambda pair: (pair[0].created, pair[0].payout_id))
    return result
