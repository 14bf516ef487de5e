"""What finance reads about a payout that does not come to zero."""

from __future__ import annotations

from decimal import Decimal

from state.payouts import LineOutcome, Reconciliation
from streams.cash.mismatch import mismatch_message

D = Decimal


def line(order_id: int | None, outcome: str, gross: str = "10.00", kind: str = "charge") -> LineOutcome:
    return LineOutcome(f"txn_{order_id}", kind, D(gross), "GBP", f"ch_{order_id}", f"pi_{order_id}", outcome,
                       "o2cdemo" if order_id else None, order_id, None)


def test_names_the_orders_without_a_deposit_and_the_residual() -> None:
    result = Reconciliation(charges=5, matched=2, clearing_credit=D("50.00"), deposits=D("20.00"),
                            problems=(line(1001, "no_deposit"), line(1002, "no_deposit"), line(1003, "no_deposit")),
                            unclassified=())
    message = mismatch_message("po_1QX", D("4210.55"), "GBP", result)
    assert message.startswith("Payout po_1QX of £4,210.55 contains 3 charges with no deposit in NetSuite: "
                              "orders 1001, 1002, 1003")
    assert "off by £30.00" in message


def test_names_payments_no_order_paid_and_unclassified_lines() -> None:
    result = Reconciliation(charges=1, matched=0, clearing_credit=D("10.00"), deposits=D("0"),
                            problems=(line(None, "no_order"),),
                            unclassified=(line(None, "unclassified", "-3.00", kind="other"),))
    message = mismatch_message("po_2", D("7.00"), "USD", result)
    assert "1 charge no BigCommerce order paid: ch_None ($10.00)" in message.replace("£", "$")
    assert "1 line o2c could not classify" in message


def test_names_the_orders_whose_refunds_have_no_customer_refund() -> None:
    result = Reconciliation(charges=2, matched=2, clearing_credit=D("-5.00"), deposits=D("30.00"),
                            problems=(line(101, "no_refund", "-20.00", kind="refund"),
                                      line(102, "no_refund", "-15.00", kind="refund")),
                            unclassified=(), refunds=3, refunds_matched=1, refunds_recorded=D("5.00"))
    message = mismatch_message("po_3", D("100.00"), "GBP", result)
    assert message.startswith("Payout po_3 of £100.00 contains 2 refunds o2c has not recorded as customer refunds "
                              "in NetSuite: orders 101, 102 (their BigCommerce refunds are waiting or were refused; "
                              "see the orders' exceptions")
    assert "no BigCommerce order" not in message
    assert "off by -£35.00" in message


def test_a_refund_of_a_payment_no_order_paid_is_not_called_a_charge() -> None:
    result = Reconciliation(charges=0, matched=0, clearing_credit=D("-7.00"), deposits=D("0"),
                            problems=(line(None, "no_order", "-7.00", kind="refund"),), unclassified=(), refunds=1)
    message = mismatch_message("po_4", D("-7.00"), "GBP", result)
    assert "1 refund of payments no BigCommerce order paid: ch_None (-£7.00)" in message
    assert "charge" not in message
