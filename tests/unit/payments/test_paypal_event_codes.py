"""PayPal T-codes → line kinds (connectors.payments.paypal.event_codes)."""

from __future__ import annotations

import pytest

from connectors.payments.paypal import event_codes


@pytest.mark.parametrize(("code", "direction", "kind"), [
    ("T0006", "CR", "charge"),           # PayPal Checkout APIs
    ("T0005", "CR", "charge"),           # Direct payment API (cards)
    ("T0007", None, "charge"),
    ("T0006", "DR", "other"),            # the merchant paying someone is not a sale
    ("T0001", "CR", "other"),            # MassPay
    ("T0106", "DR", "fee"),              # chargeback processing fee
    ("T0100", "DR", "fee"),              # group default
    ("T1107", "DR", "refund"),
    ("T1106", "DR", "dispute"),
    ("T1201", "DR", "dispute"),
    ("T1202", "CR", "dispute_reversal"),
    ("T1208", "CR", "dispute_reversal"),
    ("T1110", "DR", "reserve"),
    ("T1111", "CR", "reserve"),
    ("T1503", "DR", "reserve"),
    ("T2103", "DR", "reserve"),
    ("T1108", "CR", "fee"),
    ("T1101", "CR", "payout_failure"),
    ("T0200", "CR", "adjustment"),
    ("T0700", "CR", "other"),            # credit-card funding: not placed
    ("T9900", "CR", "other"),
    ("T0400", "DR", "other"),            # a withdrawal is a payout, never a line
    ("X1234", "CR", "other"),
    ("", None, "other"),
])
def test_line_kind(code: str, direction: event_codes.Direction | None, kind: str) -> None:
    assert event_codes.line_kind(code, direction) == kind


def test_boundaries() -> None:
    assert event_codes.is_withdrawal("T0400") and event_codes.is_withdrawal("t0403")
    assert event_codes.is_bank_funding("T0300") and not event_codes.is_withdrawal("T0300")
    assert event_codes.is_boundary("T0401") and not event_codes.is_boundary("T0006")
    assert event_codes.group("T1201") == "12" and event_codes.group("1201") is None


def test_every_named_code_is_a_t_code_with_a_description() -> None:
    for code, known in event_codes.CODES.items():
        assert event_codes.group(code) is not None and known.code == code and known.description
        assert event_codes.describe(code.lower()).kind == known.kind


def test_unknown_codes_say_why() -> None:
    assert "not a PayPal event code" in event_codes.describe("hello").description
    assert event_codes.describe("T0850").description == "PayPal event group T08nn"
