"""What every payout source hands o2c: a payout and its lines, in the gateway's own terms.

One contract for every gateway (Stripe's API, PayPal's settlement file or Transaction Search), so the
payout flow never knows where a payout came from. Amounts are ``Decimal`` in major units of the payout's
currency (Stripe's minor units are converted with the currency's exponent: JPY has none). Signs follow
the gateway's balance: money in is positive, money out (refunds, disputes, fees) negative in ``net``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: What a line is, for the books. Sources map their own codes (Stripe ``reporting_category``, PayPal
#: T-codes) onto these; anything they cannot place is ``other`` (and the payout flow flags it).
LineKind = Literal[
    "charge",            # a payment taken from a customer (gross positive)
    "refund",            # money given back (gross negative); includes partial-capture reversals
    "dispute",           # a chargeback withdrawal (gross negative)
    "dispute_reversal",  # a won dispute puts the money back (gross positive)
    "fee",               # a fee that is its own line (gross = -fee amount), e.g. PayPal T01nn
    "reserve",           # funds held back or released (risk/connect/network reserves)
    "adjustment",        # other balance adjustments (refund failures, corrections)
    "payout_failure",    # a failed earlier payout's money returning to the balance
    "other",             # not understood: never guessed, always flagged
]

PayoutStatus = Literal["pending", "in_transit", "paid", "failed", "canceled"]

#: Fee types on a line (Stripe ``fee_details[].type``; PayPal fees are ``gateway_fee``).
FeeType = Literal["stripe_fee", "application_fee", "tax", "gateway_fee", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fee(_Model):
    type: FeeType
    amount: Decimal = Field(description="Positive: what the gateway charged.")
    description: str = ""


class PayoutLine(_Model):
    """One balance movement paid out in the payout (Stripe: a balance transaction; PayPal: an STL row)."""

    line_id: str = Field(description="The gateway's id of the movement (Stripe txn_…, PayPal transaction id).")
    kind: LineKind
    gross: Decimal = Field(description="Signed amount in the payout currency, before fees.")
    fee: Decimal = Field(Decimal(0), description="Total fees, positive when charged (negative: a fee refund).")
    net: Decimal = Field(description="gross - fee: the signed effect on the balance.")
    currency: str = Field(description="ISO 4217, upper case (the payout's currency).")
    fees: tuple[Fee, ...] = ()
    charge_id: str | None = Field(None, description="Stripe ch_… (or PayPal capture id) the line is about.")
    payment_intent: str | None = Field(None, description="Stripe pi_… the line is about, when known.")
    refund_id: str | None = None
    dispute_id: str | None = None
    source_id: str | None = Field(None, description="The gateway's id of the line's source object.")
    exchange_rate: Decimal | None = Field(None, description="Presentment → settlement rate, when converted.")
    presentment_amount: Decimal | None = None
    presentment_currency: str | None = None
    reporting_category: str = Field("", description="The gateway's own classification, kept for finance.")
    description: str = ""
    created: datetime | None = None


class Payout(_Model):
    """Money the gateway sent to (or, when negative, took from) the merchant's bank."""

    gateway: str = Field(description="stripe, paypal, …: the gateway key of o2c's settings.")
    payout_id: str = Field(description="Stripe po_…; PayPal: the withdrawal's transaction id or the STL file id.")
    amount: Decimal = Field(description="What reached the bank; negative when the gateway debited it.")
    currency: str = Field(description="ISO 4217, upper case.")
    status: PayoutStatus
    arrival_date: date
    created: datetime
    automatic: bool = Field(True, description="False: a manual payout (no itemised lines from the gateway).")
    method: Literal["standard", "instant"] = "standard"
    reconciliation: Literal["itemised", "date_window"] = Field(
        "itemised", description="itemised: the gateway lists what the payout contains; date_window: manual or "
        "instant payouts, which finance must reconcile by dates.")
    failure_code: str | None = None
    failure_message: str | None = None
    bank_reference: str | None = Field(None, description="Stripe trace_id, when the bank has it.")
    statement_descriptor: str | None = None
    description: str = ""
