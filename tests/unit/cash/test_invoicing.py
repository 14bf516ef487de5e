"""The invoice rule: shipments billed as they ship, and the invoices add up to the sales order."""

from __future__ import annotations

from decimal import Decimal

from streams.cash.invoicing import OrderLine, applications, plan_invoice

D = Decimal


def order(fulfilled: tuple[str, str], billed: tuple[str, str] = ("0", "0")) -> list[OrderLine]:
    """3 × 3.33 and 1 × 10.00, a coupon of −1.00 and a tax line of 1.58."""
    return [OrderLine("1", True, D(3), D("9.99"), D(fulfilled[0]), D(billed[0])),
            OrderLine("2", True, D(1), D("10.00"), D(fulfilled[1]), D(billed[1])),
            OrderLine("3", False, D(1), D("-1.00")),
            OrderLine("4", False, D(1), D("1.58"))]


def test_one_shipment_of_everything_bills_the_whole_order() -> None:
    plan = plan_invoice(order(("3", "1")), {"1": D(3), "2": D(1)}, {})
    assert plan.last and plan.amount == D("20.57")
    assert plan.skipped == ()


def test_partial_shipments_add_up_to_the_order_to_the_cent() -> None:
    first = plan_invoice(order(("1", "0")), {"1": D(1)}, {})
    assert not first.last and first.skipped == ("2",)
    assert [(x.order_line, x.quantity, x.amount) for x in first.lines] == [
        ("1", D(1), D("3.33")), ("3", D("0.166583"), D("-0.17")), ("4", D("0.166583"), D("0.26"))]
    billed = {x.order_line: x.amount for x in first.lines if not x.goods}
    second = plan_invoice(order(("3", "0"), billed=("1", "0")), {"1": D(2)}, billed)
    billed = {k: billed[k] + next(x.amount for x in second.lines if x.order_line == k) for k in billed}
    third = plan_invoice(order(("3", "1"), billed=("3", "0")), {"2": D(1)}, billed)
    assert third.last
    assert first.amount + second.amount + third.amount == D("20.57")
    tax_line = next(x for x in third.lines if x.order_line == "4")
    assert tax_line.amount == D("1.58") - billed["4"]


def test_never_bills_more_than_shipped_and_not_yet_billed() -> None:
    plan = plan_invoice(order(("2", "0"), billed=("2", "0")), {"1": D(2)}, {})
    assert plan.empty


def test_the_transform_body_names_every_line() -> None:
    plan = plan_invoice(order(("1", "0")), {"1": D(1)}, {})
    body = plan.body_lines()
    assert {"orderLine": "2", "itemReceive": False} in body
    assert {"orderLine": "1", "quantity": D(1)} in body
    assert any(x.get("amount") == D("-0.17") for x in body)


def test_deposits_pay_invoices_oldest_first_and_never_more_than_open() -> None:
    assert applications([("1", D("15.00")), ("2", D("10.00"))], D("20.00")) == [("1", D("15.00")), ("2", D("5.00"))]
    assert applications([("1", D("15.00"))], D("0")) == []
