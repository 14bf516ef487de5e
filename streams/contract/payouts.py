"""``payouts``: what a payment gateway paid out, a page of lines at a time. Key: ``<gateway>:<payout id>``.

A payout can hold tens of thousands of balance movements (one per charge, refund, dispute…), more than
one Kafka message should carry, so each version of a payout travels as ``pages`` events of at most
:data:`LINES_PER_PAGE` lines; every page repeats the payout itself. The consumer stores pages as they
come and acts once it has all of them. Amounts are decimal strings in the payout's currency; money in is
positive, money out (refunds, disputes, fees) negative in ``net``; a payout's ``amount`` is negative when
the gateway took money from the bank.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from streams.contract.envelope import Envelope, Model, event_id
from streams.contract.money import Money

LINES_PER_PAGE = 2000

PayoutLineKind = Literal["charge", "refund", "dispute", "dispute_reversal", "fee", "reserve", "adjustment",
                         "payout_failure", "other"]


class PayoutFee(Model):
    type: Literal["stripe_fee", "application_fee", "tax", "gateway_fee", "other"]
    amount: Money = Field(description="Positive: what the gateway charged (negative: a fee returned).")
    description: str = ""


class PayoutLineRecord(Model):
    """One balance movement paid out (Stripe: a balance transaction; PayPal: a settlement row)."""

    line_id: str
    kind: PayoutLineKind
    gross: Money
    fee: Money = Decimal(0)
    net: Money
    currency: str
    fees: tuple[PayoutFee, ...] = ()
    charge_id: str | None = None
    payment_intent: str | None = None
    refund_id: str | None = None
    dispute_id: str | None = None
    source_id: str | None = None
    exchange_rate: Decimal | None = Field(None, gt=0)
    presentment_amount: Money | None = None
    presentment_currency: str | None = None
    reporting_category: str = ""
    description: str = ""
    created: datetime | None = None


class PayoutRecord(Model):
    gateway: str = Field(description="stripe, paypal, …")
    payout_id: str
    amount: Money = Field(description="What reached the bank (negative: the gateway debited it).")
    currency: str
    status: Literal["pending", "in_transit", "paid", "failed", "canceled"]
    arrival_date: date
    created: datetime
    automatic: bool = True
    method: Literal["standard", "instant"] = "standard"
    reconciliation: Literal["itemised", "date_window"] = "itemised"
    failure_code: str | None = None
    failure_message: str | None = None
    bank_reference: str | None = None
    statement_descriptor: str | None = None
    description: str = ""


class PayoutPage(Model):
    payout: PayoutRecord
    page: int = Field(ge=1)
    pages: int = Field(ge=1, description="How many pages this version of the payout has (lines ÷ page size).")
    line_count: int = Field(ge=0, description="Lines of the whole payout.")
    lines: tuple[PayoutLineRecord, ...] = ()


class PayoutEvent(Envelope[PayoutPage]):
    """Key: ``<gateway>:<payout id>``; ``event_id`` = hash(gateway, payout, status, page)."""

    TOPIC: ClassVar[str] = "payouts"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["payout.page"]
    schema_version: Literal[1]

    @classmethod
    def pages_of(cls, payout: PayoutRecord, lines: tuple[PayoutLineRecord, ...], *, source: str,
                 page_size: int = LINES_PER_PAGE) -> list[PayoutEvent]:
        """The events of one version of a payout: its lines cut into pages (one page when it has none)."""
        chunks = [lines[i:i + page_size] for i in range(0, len(lines), page_size)] or [()]
        key = f"{payout.gateway}:{payout.payout_id}"
        return [cls.build(PayoutPage(payout=payout, page=n, pages=len(chunks), line_count=len(lines), lines=chunk),
                          key=key, source=source,
                          event_id=event_id(payout.gateway, "payout", payout.payout_id, payout.status, n))
                for n, chunk in enumerate(chunks, start=1)]
