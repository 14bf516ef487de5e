from decimal import Decimal

from streams.audit.orders import OpenException
from streams.audit.refunds import BcRefund, Booked, compare

R = BcRefund(7, 100, Decimal("12.50"))


def test_a_credited_refund_is_fine() -> None:
    assert compare([R], {7}, booked={}, held={}) == []


def test_a_refund_taken_off_the_sales_order_only_needs_no_credit() -> None:
    assert compare([R], set(), booked={7: Booked("done", frozenset({"so"}))}, held={}) == []


def test_a_refund_without_credit_is_for_finance() -> None:
    found = compare([R], set(), booked={}, held={})
    assert [(f.kind, f.bc_id, f.owner) for f in found] == [("refund_without_credit", "7", "finance")]


def test_a_credit_o2c_booked_that_netsuite_lost() -> None:
    found = compare([R], set(), booked={7: Booked("done", frozenset({"cm", "rf"}))}, held={})
    assert found[0].kind == "refund_without_credit" and "deleted in NetSuite" in found[0].message


def test_a_held_refund_names_its_exception() -> None:
    found = compare([R], set(), booked={7: Booked("held")}, held={7: OpenException(3, "refund_unmapped", "finance")})
    assert [(f.kind, f.owner) for f in found] == [("refund_held", "finance")] and "exception 3" in found[0].message
