"""The refund plan, row by row of its table (streams/returns/plan.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from streams.contract.bigcommerce import BcRefund, BcRefundItem, BcRefundPayment
from streams.returns.plan import (
    Deposit,
    Gateway,
    Held,
    OrderState,
    RefundPlan,
    Rules,
    SoLine,
    plan_refund,
)

D = Decimal
RULES = Rules(gateway_keys={"stripe": "stripe"}, gateways={"stripe": Gateway(clearing="1010")})


def line(n: int, product: int | None, quantity: int, rate: str, *, fulfilled: int = 0, returned: int = 0,
         kind: str = "goods", **extra: Any) -> SoLine:
    amount = D(rate) * quantity
    return SoLine(line=str(n), item_id=f"i{n}", kind=kind, quantity=D(quantity), amount=amount, rate=D(rate),  # type: ignore[arg-type]
                  fulfilled=D(fulfilled), returned=D(returned), order_product_id=product, **extra)


def tax_line(n: int, amount: str) -> SoLine:
    return SoLine(line=str(n), item_id="tax", kind="tax", quantity=D(1), amount=D(amount), rate=D(amount))


def state(*lines: SoLine, paid: str = "100.00", unapplied: str | None = None, invoiced: bool = False,
          before: dict[str, Decimal] | None = None, shipping: str = "0") -> OrderState:
    deposit = Deposit(n="1", ns_id="dep1", kind="gateway", gateway="stripe", gateway_transaction_id="pi_1",
                      amount=D(paid), unapplied=D(unapplied if unapplied is not None else paid))
    return OrderState(so_id="so1", customer_id="c1", lines=lines, shipping_cost=D(shipping), deposits=(deposit,),
                      invoiced=invoiced, refunded_before=before or {})


def refund(*items: BcRefundItem, total: str, tax: str = "0", provider: str = "stripe", refund_id: int = 7,
           declined: bool = False, payments: tuple[BcRefundPayment, ...] | None = None) -> BcRefund:
    return BcRefund(store_hash="s1", order_id=100, refund_id=refund_id, created=datetime(2026, 12, 1, tzinfo=UTC),
                    total_amount=D(total), total_tax=D(tax), items=items,
                    payments=payments or (BcRefundPayment(id=1, provider_id=provider, amount=D(total),
                                                          is_declined=declined,
                                                          offline=provider == "storecredit"),))


def product(order_product_id: int, quantity: int) -> BcRefundItem:
    return BcRefundItem(item_type="PRODUCT", item_id=order_product_id, quantity=quantity)


def amount(kind: str, value: str) -> BcRefundItem:
    return BcRefundItem(item_type=kind, item_id=1, requested_amount=D(value))


def planned(outcome: RefundPlan | Held) -> RefundPlan:
    assert isinstance(outcome, RefundPlan), outcome
    return outcome


def test_shipped_units_come_back_on_a_return_authorization_and_are_credited_and_refunded_from_clearing() -> None:
    plan = planned(plan_refund(refund(product(11, 1), total="20.00"),
                               state(line(1, 11, 2, "20.00", fulfilled=2), paid="40.00", unapplied="0", invoiced=True),
                               RULES))
    assert plan.returns == (("1", D(1)),)
    assert plan.reduction is None
    assert plan.credit_total == D("20.00") and plan.credit == D("20.00")
    [rf] = plan.refunds
    assert (rf.external_id, rf.amount, rf.account_id, rf.to_credit_memo, rf.from_deposits) == (
        "BC-RF-s1-7-1", D("20.00"), "1010", D("20.00"), ())
    assert rf.gateway_transaction_id == "pi_1"
    assert not plan.receive and not plan.location_missing


def test_goods_are_received_at_once_into_the_returns_location_when_configured() -> None:
    order = state(line(1, 11, 2, "20.00", fulfilled=2), paid="40.00", unapplied="0", invoiced=True)
    rules = Rules(**{**RULES.__dict__, "receive_on_refund": True, "location_id": "9"})
    assert planned(plan_refund(refund(product(11, 2), total="40.00"), order, rules)).receive
    missing = planned(plan_refund(refund(product(11, 2), total="40.00"), order,
                                  Rules(**{**RULES.__dict__, "receive_on_refund": True})))
    assert not missing.receive and missing.location_missing and missing.credit_total == D("40.00")


def test_a_full_refund_before_anything_shipped_closes_the_order_and_refunds_the_deposit() -> None:
    order = state(line(1, 11, 2, "20.00"), line(2, 12, 1, "55.00"), tax_line(3, "5.00"), paid="100.00",
                  shipping="0")
    plan = planned(plan_refund(refund(product(11, 2), product(12, 1), total="100.00", tax="5.00"), order, RULES))
    assert plan.returns == () and plan.credit_total == 0
    assert plan.reduction is not None and plan.reduction.close_all
    assert {c.line for c in plan.reduction.changes} == {"1", "2", "3"}
    [rf] = plan.refunds
    assert rf.from_deposits == (("dep1", D("100.00")),) and rf.to_credit_memo == 0
    assert plan.credit == D("100.00")


def test_a_partial_refund_before_shipping_reduces_the_lines_and_the_order_total_by_the_refund() -> None:
    order = state(line(1, 11, 3, "10.00"), tax_line(2, "3.00"), paid="38.00", shipping="5.00")
    plan = planned(plan_refund(refund(product(11, 1), amount("SHIPPING", "5.00"), total="16.00", tax="1.00"),
                               order, RULES))
    reduction = plan.reduction
    assert reduction is not None and not reduction.close_all
    assert [(c.line, c.quantity, c.close) for c in reduction.changes] == [("1", D(2), False)]
    assert reduction.shipping_cost == D(0)
    assert reduction.line_amounts == (("2", D("2.00")),)
    # 10.00 goods + 5.00 shipping + 1.00 tax come off: nothing is left for the marker line
    assert reduction.amount == D("16.00") and reduction.adjustment == 0
    assert plan.refunds[0].from_deposits == (("dep1", D("16.00")),) and plan.credit_total == 0


def test_unshipped_units_are_refunded_first_and_the_rest_of_a_mixed_refund_is_a_credit_memo() -> None:
    order = state(line(1, 11, 1, "30.00", fulfilled=1), line(2, 12, 1, "20.00"), tax_line(3, "5.00"),
                  paid="55.00", unapplied="22.00", invoiced=True)
    plan = planned(plan_refund(refund(product(11, 1), product(12, 1), total="55.00", tax="5.00"), order, RULES))
    assert plan.returns == (("1", D(1)),)
    assert plan.reduction is not None
    assert [(c.line, c.close) for c in plan.reduction.changes] == [("2", True)]
    assert plan.reduction.amount == D("22.00")  # 20.00 and its share of the tax
    assert plan.credit_total == D("33.00")
    [rf] = plan.refunds
    assert rf.amount == D("55.00") and rf.from_deposits == (("dep1", D("22.00")),) and rf.to_credit_memo == D("33.00")
    assert [(x.kind, x.amount) for x in plan.credit_lines] == [("tax", D("3.00"))]


def test_shipping_handling_and_goodwill_after_shipping_go_on_a_standalone_credit_memo() -> None:
    order = state(line(1, 11, 1, "30.00", fulfilled=1), paid="40.00", unapplied="0", invoiced=True, shipping="5.00")
    plan = planned(plan_refund(refund(amount("SHIPPING", "5.00"), amount("HANDLING", "2.00"),
                                      amount("ORDER", "3.00"), total="10.00"), order, RULES))
    assert plan.returns == () and plan.reduction is None
    assert plan.shipping_credit == D("5.00") and plan.credit_total == D("10.00")
    assert [(x.kind, x.amount) for x in plan.credit_lines] == [("handling", D("2.00")), ("adjustment", D("3.00"))]
    assert plan.refunds[0].to_credit_memo == D("10.00")


def test_the_credit_equals_a_refund_that_differs_from_the_lines_by_a_cent() -> None:
    order = state(line(1, 11, 3, "10.00", fulfilled=3), paid="30.00", unapplied="0", invoiced=True)
    plan = planned(plan_refund(refund(product(11, 1), total="9.99"), order, RULES))
    assert plan.credit_total == D("9.99")
    assert [(x.kind, x.amount) for x in plan.credit_lines] == [("adjustment", D("-0.01"))]


def test_a_store_credit_refund_leaves_the_credit_on_the_customer() -> None:
    order = state(line(1, 11, 1, "30.00", fulfilled=1), paid="30.00", unapplied="0", invoiced=True)
    plan = planned(plan_refund(refund(product(11, 1), total="30.00", provider="storecredit"), order, RULES))
    assert plan.refunds == () and plan.left_on_customer == D("30.00") and plan.credit_total == D("30.00")


def test_a_refund_above_what_the_gateway_took_is_held_for_finance() -> None:
    order = state(line(1, 11, 2, "20.00", fulfilled=2), paid="40.00", unapplied="0", invoiced=True,
                  before={"stripe": D("30.00")})
    held = plan_refund(refund(product(11, 1), total="20.00"), order, RULES)
    assert isinstance(held, Held) and held.kind == "refund_over_paid" and held.owner == "finance"
    assert "40.00" in held.message and "30.00" in held.message


def test_a_product_the_sales_order_does_not_carry_is_held() -> None:
    held = plan_refund(refund(product(99, 1), total="20.00"), state(line(1, 11, 2, "20.00", fulfilled=2)), RULES)
    assert isinstance(held, Held) and held.kind == "refund_unmapped" and "99" in held.message


def test_more_units_than_shipped_and_not_yet_returned_is_held() -> None:
    order = state(line(1, 11, 2, "20.00", fulfilled=2, returned=2))
    held = plan_refund(refund(product(11, 1), total="20.00"), order, RULES)
    assert isinstance(held, Held) and held.kind == "refund_unmapped" and "not yet returned" in held.message


def test_a_declined_refund_payment_posts_nothing() -> None:
    held = plan_refund(refund(product(11, 1), total="20.00", declined=True),
                       state(line(1, 11, 2, "20.00", fulfilled=2)), RULES)
    assert isinstance(held, Held) and held.kind == "refund_declined"


def test_a_gateway_without_accounts_is_held() -> None:
    held = plan_refund(refund(product(11, 1), total="20.00", provider="braintree"),
                       state(line(1, 11, 2, "20.00", fulfilled=2)), RULES)
    assert isinstance(held, Held) and held.kind == "refund_unmapped" and "braintree" in held.message


def test_a_second_partial_refund_is_planned_from_what_the_first_left() -> None:
    after_first = state(line(1, 11, 2, "20.00", fulfilled=2, returned=1), paid="40.00", unapplied="0", invoiced=True,
                        before={"stripe": D("20.00")})
    plan = planned(plan_refund(refund(product(11, 1), total="20.00", refund_id=8), after_first, RULES))
    assert plan.returns == (("1", D(1)),) and plan.refunds[0].external_id == "BC-RF-s1-8-1"
    too_much = plan_refund(refund(product(11, 1), total="20.00", refund_id=9),
                           state(line(1, 11, 2, "20.00", fulfilled=2, returned=2), paid="40.00",
                                 before={"stripe": D("40.00")}), RULES)
    assert isinstance(too_much, Held)


def test_a_split_refund_to_card_and_store_credit_refunds_only_the_card_part() -> None:
    order = state(line(1, 11, 2, "20.00", fulfilled=2), paid="40.00", unapplied="0", invoiced=True)
    payments = (BcRefundPayment(id=1, provider_id="stripe", amount=D("15.00")),
                BcRefundPayment(id=2, provider_id="storecredit", amount=D("25.00"), offline=True))
    plan = planned(plan_refund(refund(product(11, 2), total="40.00", payments=payments), order, RULES))
    [rf] = plan.refunds
    assert rf.amount == D("15.00") and rf.to_credit_memo == D("15.00") and plan.left_on_customer == D("25.00")


def test_units_a_cancellation_already_took_off_come_back_out_of_the_deposit_only() -> None:
    cancelled_line = SoLine(line="2", item_id="i2", kind="goods", quantity=D(1), amount=D("20.00"), rate=D("20.00"),
                            order_product_id=12, closed=True, cancelled=D(1))
    order = state(line(1, 11, 1, "30.00", fulfilled=1), cancelled_line, paid="50.00", unapplied="20.00",
                  invoiced=True)
    plan = planned(plan_refund(refund(product(12, 1), total="20.00"), order, RULES))
    assert plan.returns == () and plan.credit_total == 0
    assert plan.reduction is not None and plan.reduction.changes == () and plan.reduction.adjustment == 0
    assert plan.refunds[0].from_deposits == (("dep1", D("20.00")),)


def test_a_voided_capture_is_a_refund_of_its_deposit_and_an_uncaptured_void_is_nothing() -> None:
    from streams.contract.bigcommerce import BcTransaction
    from streams.returns.voids import void_refunds
    from tests.support.orders import snapshot

    order = snapshot(order_id=100, store_hash="s1", email="v@example.com",
                     lines=[("SKU-1", D("30.00"), 1, D(0))])
    captured = order.model_copy(update={"transactions": (
        BcTransaction(id=5, event="purchase", amount=D("30.00"), gateway="stripe", status="ok"),
        BcTransaction(id=6, event="void", amount=D("30.00"), gateway="stripe", status="ok"))})
    [void] = void_refunds(captured)
    assert (void.refund_id, void.total_amount, void.payments[0].provider_id) == (-6, D("30.00"), "stripe")
    plan = planned(plan_refund(void, state(line(1, 11, 1, "30.00"), paid="30.00"), RULES))
    assert plan.refunds[0].external_id == "BC-RF-s1-V6-1"
    assert plan.refunds[0].from_deposits == (("dep1", D("30.00")),)
    authorised_only = order.model_copy(update={"transactions": (
        BcTransaction(id=7, event="authorization", amount=D("30.00"), gateway="stripe", status="ok"),
        BcTransaction(id=8, event="void", amount=D("30.00"), gateway="stripe", status="ok"))})
    assert void_refunds(authorised_only) == []
