"""Stripe objects (JSON dicts) → :class:`~connectors.payments.models.Payout` / ``PayoutLine``. Pure.

Amounts are Stripe integers in minor units of the object's currency (JPY has none); the line kind comes
from ``reporting_category`` (Stripe's accounting classification) first, ``type`` only when the category is
missing or unknown. Ids of the charge, payment intent, refund or dispute come from the expanded ``source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from ..minor_units import to_decimal
from ..models import Fee, FeeType, LineKind, Payout, PayoutLine, PayoutStatus

GATEWAY = "stripe"

_BY_CATEGORY: dict[str, LineKind] = {
    "charge": "charge",
    "refund": "refund",
    "partial_capture_reversal": "refund",
    "dispute": "dispute",
    "dispute_reversal": "dispute_reversal",
    "fee": "fee",
    "risk_reserved_funds": "reserve",
    "connect_reserved_funds": "reserve",
    "payment_network_reserved_funds": "reserve",
    "refund_failure": "adjustment",
    "other_adjustment": "adjustment",
    "payout_reversal": "payout_failure",
}

_BY_TYPE: dict[str, LineKind] = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "adjustment": "adjustment",
    "refund_failure": "adjustment",
    "stripe_fee": "fee",
    "stripe_fx_fee": "fee",
    "tax_fee": "fee",
    "application_fee": "fee",
    "reserved_funds": "reserve",
    "reserve_transaction": "reserve",
    "payment_network_reserve_hold": "reserve",
    "payment_network_reserve_release": "reserve",
    "payout_failure": "payout_failure",
    "payout_cancel": "payout_failure",
}

_FEE_TYPES: frozenset[str] = frozenset({"stripe_fee", "application_fee", "tax"})
_STATUSES: frozenset[str] = frozenset({"pending", "in_transit", "paid", "failed", "canceled"})


def epoch(value: int) -> datetime:
    """Stripe's Unix seconds → an aware UTC datetime."""
    return datetime.fromtimestamp(int(value), tz=UTC)


def epoch_date(value: int) -> date:
    return epoch(value).date()


def line_kind(reporting_category: str | None, type_: str | None) -> LineKind:
    """The o2c kind of a balance transaction: by category, else by type, else ``other``."""
    if reporting_category and reporting_category in _BY_CATEGORY:
        return _BY_CATEGORY[reporting_category]
    if type_ and type_ in _BY_TYPE:
        return _BY_TYPE[type_]
    return "other"


def _reconciliation(automatic: bool, method: str) -> str:
    return "itemised" if automatic and method != "instant" else "date_window"


def payout_from_stripe(obj: Mapping[str, Any]) -> Payout:
    """A Stripe ``payout`` object → :class:`Payout` (amount may be negative: Stripe debited the bank)."""
    if obj.get("object") not in (None, "payout"):
        raise ValueError(f"not a Stripe payout: object={obj.get('object')!r}")
    currency = str(obj["currency"])
    status = str(obj["status"])
    if status not in _STATUSES:
        raise ValueError(f"unknown Stripe payout status {status!r} on {obj.get('id')}")
    method = str(obj.get("method") or "standard")
    automatic = bool(obj.get("automatic", True))
    trace = obj.get("trace_id")
    bank_reference = trace.get("value") if isinstance(trace, Mapping) else None
    return Payout(
        gateway=GATEWAY,
        payout_id=str(obj["id"]),
        amount=to_decimal(int(obj["amount"]), currency),
        currency=currency.upper(),
        status=cast(PayoutStatus, status),
        arrival_date=epoch_date(obj["arrival_date"]),
        created=epoch(obj["created"]),
        automatic=automatic,
        method="instant" if method == "instant" else "standard",
        reconciliation="itemised" if _reconciliation(automatic, method) == "itemised" else "date_window",
        failure_code=obj.get("failure_code"),
        failure_message=obj.get("failure_message"),
        bank_reference=bank_reference or None,
        statement_descriptor=obj.get("statement_descriptor"),
        description=str(obj.get("description") or ""),
    )


def fee_from_stripe(detail: Mapping[str, Any]) -> Fee:
    kind = str(detail.get("type") or "")
    return Fee(
        type=cast(FeeType, kind if kind in _FEE_TYPES else "other"),
        amount=to_decimal(int(detail["amount"]), str(detail["currency"])),
        description=str(detail.get("description") or ""),
    )


def _exchange_rate(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))


def _source_ids(source: Any, kind: LineKind, type_: str) -> dict[str, Any]:
    """charge_id / payment_intent / refund_id / dispute_id / source_id from the (maybe expanded) source."""
    if source is None:
        return {}
    if isinstance(source, str):
        ids: dict[str, Any] = {"source_id": source}
        if type_ in ("charge", "payment"):
            ids["charge_id"] = source
        elif type_ in ("refund", "payment_refund"):
            ids["refund_id"] = source
        elif kind in ("dispute", "dispute_reversal"):
            ids["dispute_id"] = source
        return ids
    obj = str(source.get("object") or "")
    sid = source.get("id")
    ids = {"source_id": sid}
    if obj == "charge":
        ids.update(charge_id=sid, payment_intent=_id(source.get("payment_intent")))
    elif obj == "refund":
        ids.update(refund_id=sid, charge_id=_id(source.get("charge")), payment_intent=_id(source.get("payment_intent")))
    elif obj == "dispute":
        ids.update(dispute_id=sid, charge_id=_id(source.get("charge")),
                   payment_intent=_id(source.get("payment_intent")))
    return ids


def _id(value: Any) -> str | None:
    """An expandable field: a bare id, an expanded object's id, or nothing."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return str(value["id"]) if value.get("id") else None
    return str(value)


def _presentment(source: Any, gross: Decimal) -> tuple[Decimal | None, str | None]:
    """What the customer saw (the charge/refund/dispute's own amount and currency), signed like ``gross``."""
    if not isinstance(source, Mapping) or source.get("amount") is None or not source.get("currency"):
        return None, None
    currency = str(source["currency"])
    amount = to_decimal(int(source["amount"]), currency)
    return (-amount if gross < 0 else amount), currency.upper()


def line_from_balance_transaction(bt: Mapping[str, Any]) -> PayoutLine:
    """A Stripe ``balance_transaction`` (ideally with ``source`` expanded) → :class:`PayoutLine`."""
    currency = str(bt["currency"])
    type_ = str(bt.get("type") or "")
    category = str(bt.get("reporting_category") or "")
    kind = line_kind(category, type_)
    gross = to_decimal(int(bt["amount"]), currency)
    rate = _exchange_rate(bt.get("exchange_rate"))
    source = bt.get("source")
    presentment_amount, presentment_currency = _presentment(source, gross) if rate is not None else (None, None)
    return PayoutLine(
        line_id=str(bt["id"]),
        kind=kind,
        gross=gross,
        fee=to_decimal(int(bt.get("fee") or 0), currency),
        net=to_decimal(int(bt["net"]), currency),
        currency=currency.upper(),
        fees=tuple(fee_from_stripe(d) for d in bt.get("fee_details") or ()),
        exchange_rate=rate,
        presentment_amount=presentment_amount,
        presentment_currency=presentment_currency,
        reporting_category=category or type_,
        description=str(bt.get("description") or ""),
        created=epoch(bt["created"]) if bt.get("created") is not None else None,
        **_source_ids(source, kind, type_),
    )


def is_payout_own_line(bt: Mapping[str, Any], payout_id: str) -> bool:
    """The payout's own balance transaction (type ``payout``, source the payout), listed with its lines."""
    return _id(bt.get("source")) == payout_id or bt.get("type") == "payout"
