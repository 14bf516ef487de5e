"""Stripe JSON → Payout / PayoutLine: kinds, signs, fees, ids, currencies (shapes as in fixtures3.json)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.payments.stripe.mapping import (
    is_payout_own_line,
    line_from_balance_transaction,
    line_kind,
    payout_from_stripe,
)


def payout(**over: Any) -> dict[str, Any]:
    base = {
        "id": "po_1", "object": "payout", "amount": 1100, "currency": "usd", "arrival_date": 1700006400,
        "created": 1700000000, "automatic": True, "method": "standard", "status": "paid",
        "balance_transaction": "txn_po", "failure_code": None, "failure_message": None,
        "trace_id": {"status": "supported", "value": "TRACE123"}, "statement_descriptor": None,
        "description": "STRIPE PAYOUT", "reconciliation_status": "completed",
    }
    return {**base, **over}


def bt(**over: Any) -> dict[str, Any]:
    base = {
        "id": "txn_1", "object": "balance_transaction", "amount": 10000, "fee": 320, "net": 9680,
        "currency": "usd", "type": "charge", "reporting_category": "charge", "exchange_rate": None,
        "fee_details": [{"amount": 320, "currency": "usd", "type": "stripe_fee", "description": "Stripe fees",
                         "application": None}],
        "source": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 10000, "currency": "usd"},
        "created": 1700000000, "description": "Order 100", "status": "available",
    }
    return {**base, **over}


def test_automatic_payout() -> None:
    p = payout_from_stripe(payout())
    assert p.gateway == "stripe" and p.payout_id == "po_1"
    assert p.amount == Decimal("11.00") and p.currency == "USD"
    assert p.arrival_date == date(2023, 11, 15) and p.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert p.reconciliation == "itemised" and p.bank_reference == "TRACE123" and p.description == "STRIPE PAYOUT"


def test_negative_payout() -> None:
    p = payout_from_stripe(payout(amount=-2550))
    assert p.amount == Decimal("-25.50")


@pytest.mark.parametrize(("over", "method"), [({"automatic": False}, "standard"), ({"method": "instant"}, "instant")])
def test_manual_and_instant_payouts_reconcile_by_date_window(over: dict[str, Any], method: str) -> None:
    p = payout_from_stripe(payout(**over))
    assert p.reconciliation == "date_window" and p.method == method


def test_failed_payout_keeps_the_failure() -> None:
    p = payout_from_stripe(payout(status="failed", failure_code="account_closed", failure_message="closed"))
    assert (p.status, p.failure_code, p.failure_message) == ("failed", "account_closed", "closed")


def test_jpy_payout_has_no_minor_unit() -> None:
    p = payout_from_stripe(payout(amount=12345, currency="jpy"))
    assert p.amount == Decimal(12345) and p.currency == "JPY"


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        payout_from_stripe(payout(status="exploded"))


def test_charge_line() -> None:
    line = line_from_balance_transaction(bt())
    assert (line.kind, line.gross, line.fee, line.net) == (
        "charge", Decimal("100.00"), Decimal("3.20"), Decimal("96.80"))
    assert (line.charge_id, line.payment_intent, line.source_id) == ("ch_1", "pi_1", "ch_1")
    assert line.fees[0].type == "stripe_fee" and line.fees[0].amount == Decimal("3.20")
    assert line.currency == "USD" and line.description == "Order 100" and line.reporting_category == "charge"
    assert line.exchange_rate is None and line.presentment_amount is None


def test_refund_line_ids_from_the_refund() -> None:
    line = line_from_balance_transaction(bt(
        id="txn_2", amount=-2500, fee=0, net=-2500, type="refund", reporting_category="refund", fee_details=[],
        source={"id": "re_1", "object": "refund", "charge": "ch_1", "payment_intent": "pi_1", "amount": 2500,
                "currency": "usd"}))
    assert (line.kind, line.gross, line.net) == ("refund", Decimal("-25.00"), Decimal("-25.00"))
    assert (line.refund_id, line.charge_id, line.payment_intent) == ("re_1", "ch_1", "pi_1")


def test_dispute_line_and_its_fee() -> None:
    line = line_from_balance_transaction(bt(
        id="txn_3", amount=-3000, fee=1500, net=-4500, type="adjustment", reporting_category="dispute",
        fee_details=[{"amount": 1500, "currency": "usd", "type": "stripe_fee", "description": "Dispute fee"}],
        source={"id": "dp_1", "object": "dispute", "charge": {"id": "ch_1", "object": "charge"},
                "payment_intent": "pi_1", "amount": 3000, "currency": "usd"}))
    assert (line.kind, line.gross, line.fee, line.net) == ("dispute", Decimal("-30.00"), Decimal("15.00"),
                                                           Decimal("-45.00"))
    assert (line.dispute_id, line.charge_id, line.payment_intent) == ("dp_1", "ch_1", "pi_1")
    assert line.fees[0].description == "Dispute fee"


def test_won_dispute_returns_the_fee() -> None:
    line = line_from_balance_transaction(bt(
        id="txn_4", amount=3000, fee=-1500, net=4500, type="adjustment", reporting_category="dispute_reversal",
        fee_details=[{"amount": -1500, "currency": "usd", "type": "stripe_fee", "description": "Dispute fee refund"}],
        source="dp_1"))
    assert (line.kind, line.fee, line.net, line.dispute_id) == ("dispute_reversal", Decimal("-15.00"),
                                                                Decimal("45.00"), "dp_1")


@pytest.mark.parametrize(("category", "type_", "kind"), [
    ("charge", "payment", "charge"),
    ("refund", "payment_refund", "refund"),
    ("partial_capture_reversal", "refund", "refund"),
    ("fee", "stripe_fee", "fee"),
    ("risk_reserved_funds", "reserved_funds", "reserve"),
    ("connect_reserved_funds", "reserve_transaction", "reserve"),
    ("payment_network_reserved_funds", "payment_network_reserve_hold", "reserve"),
    ("refund_failure", "adjustment", "adjustment"),
    ("other_adjustment", "adjustment", "adjustment"),
    ("payout_reversal", "payout_failure", "payout_failure"),
    ("", "stripe_fx_fee", "fee"),
    ("some_new_category", "payment", "charge"),
    ("some_new_category", "climate_order_purchase", "other"),
    (None, None, "other"),
])
def test_kind_from_category_then_type(category: str | None, type_: str | None, kind: str) -> None:
    assert line_kind(category, type_) == kind


def test_unexpanded_source_is_kept_as_an_id() -> None:
    line = line_from_balance_transaction(bt(source="ch_9"))
    assert (line.source_id, line.charge_id, line.payment_intent) == ("ch_9", "ch_9", None)


def test_other_fee_types_and_application_fees() -> None:
    line = line_from_balance_transaction(bt(fee=400, net=9600, fee_details=[
        {"amount": 300, "currency": "usd", "type": "stripe_fee", "description": None},
        {"amount": 50, "currency": "usd", "type": "application_fee", "description": "BigCommerce"},
        {"amount": 50, "currency": "usd", "type": "something_new", "description": ""}]))
    assert [f.type for f in line.fees] == ["stripe_fee", "application_fee", "other"]
    assert sum(f.amount for f in line.fees) == line.fee


def test_converted_charge_keeps_rate_and_presentment() -> None:
    line = line_from_balance_transaction(bt(
        amount=1234, fee=66, net=1168, exchange_rate=1.234,
        fee_details=[{"amount": 66, "currency": "usd", "type": "stripe_fee", "description": ""}],
        source={"id": "ch_2", "object": "charge", "payment_intent": None, "amount": 1000, "currency": "eur"}))
    assert line.exchange_rate == Decimal("1.234")
    assert (line.presentment_amount, line.presentment_currency) == (Decimal("10.00"), "EUR")
    assert line.payment_intent is None


def test_jpy_line() -> None:
    line = line_from_balance_transaction(bt(
        amount=5000, fee=180, net=4820, currency="jpy",
        fee_details=[{"amount": 180, "currency": "jpy", "type": "stripe_fee", "description": ""}],
        source={"id": "ch_3", "object": "charge", "payment_intent": "pi_3", "amount": 5000, "currency": "jpy"}))
    assert (line.gross, line.fee, line.net, line.currency) == (Decimal(5000), Decimal(180), Decimal(4820), "JPY")


def test_the_payouts_own_line_is_recognised() -> None:
    assert is_payout_own_line(bt(type="payout", source="po_1"), "po_1")
    assert is_payout_own_line(bt(type="payout", source={"id": "po_1", "object": "payout"}), "po_1")
    assert not is_payout_own_line(bt(), "po_1")
