"""The deposit rule, case by case."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from streams.cash.deposits import plan_deposits, unmapped_message
from streams.cash.settings import CashSettings
from streams.contract.bigcommerce import BcOrderSnapshot, BcTransaction
from tests.support.orders import snapshot

WHEN = datetime(2026, 12, 1, 10, tzinfo=UTC)


def paid(order: BcOrderSnapshot, *transactions: BcTransaction, **changes: object) -> BcOrderSnapshot:
    return order.model_copy(update={"transactions": transactions, **changes})


def txn(id: int, event: str, amount: str, gateway: str = "stripe", ref: str = "pi_1", status: str = "ok"
        ) -> BcTransaction:
    return BcTransaction(id=id, event=event, amount=Decimal(amount), currency="USD", gateway=gateway,
                         gateway_transaction_id=ref, status=status, date_created=WHEN)


def test_a_captured_payment_is_one_deposit_into_its_gateways_clearing_account(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1001)
    plan = plan_deposits(paid(order, txn(7, "purchase", str(order.total_inc_tax))), cash_settings)
    (deposit,) = plan.deposits
    assert deposit.external_id == "BC-DEP-o2cdemo-1001-1"
    assert (deposit.amount, deposit.account_id, deposit.gateway, deposit.gateway_transaction_id) == (
        order.total_inc_tax, "1010", "stripe", "pi_1")
    assert plan.unmapped == ()


def test_an_authorisation_is_not_money_until_it_is_captured(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1002)
    assert plan_deposits(paid(order, txn(1, "authorization", "10.00")), cash_settings).deposits == ()
    captured = plan_deposits(paid(order, txn(1, "authorization", "10.00"), txn(2, "capture", "10.00")), cash_settings)
    assert [d.n for d in captured.deposits] == ["1"]


def test_failed_payments_and_refunds_are_not_deposits(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1003)
    plan = plan_deposits(paid(order, txn(1, "purchase", "5.00", status="error"), txn(2, "refund", "5.00")),
                         cash_settings)
    assert plan.deposits == ()


def test_two_captures_are_numbered_in_transaction_order(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1004)
    plan = plan_deposits(paid(order, txn(9, "capture", "4.00", ref="pi_b"), txn(3, "capture", "6.00", ref="pi_a")),
                         cash_settings)
    assert [(d.n, d.gateway_transaction_id, d.amount) for d in plan.deposits] == [
        ("1", "pi_a", Decimal("6.00")), ("2", "pi_b", Decimal("4.00"))]


def test_store_credit_is_its_own_deposit_and_never_in_a_payout(cash_settings: CashSettings) -> None:
    order = paid(snapshot(order_id=1005), store_credit_amount=Decimal("12.50"))
    (deposit,) = plan_deposits(order, cash_settings).deposits
    assert (deposit.n, deposit.kind, deposit.account_id, deposit.gateway_transaction_id) == (
        "SC", "store_credit", "1012", None)


def test_gift_certificates_are_not_deposited_without_an_account(cash_settings: CashSettings) -> None:
    order = paid(snapshot(order_id=1006), gift_certificate_amount=Decimal("20"))
    assert plan_deposits(order, cash_settings).deposits == ()


def test_a_gateway_with_no_accounts_is_held_and_named(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1007)
    plan = plan_deposits(paid(order, txn(1, "purchase", "5.00", gateway="adyen")), cash_settings)
    assert plan.deposits[0].held and plan.unmapped == ("adyen",)
    message = unmapped_message(1007, plan.unmapped, ["paypal", "stripe"])
    assert "'adyen'" in message and "held" in message and "paypal, stripe" in message


def test_bigcommerce_gateway_names_map_to_their_payout_gateway(cash_settings: CashSettings) -> None:
    order = snapshot(order_id=1008)
    plan = plan_deposits(paid(order, txn(1, "purchase", "5.00", gateway="StripeV3"),
                              txn(2, "purchase", "1.00", gateway="paypalcommerce", ref="8AB12345CD678901E")),
                         cash_settings)
    assert [(d.gateway, d.account_id) for d in plan.deposits] == [("stripe", "1010"), ("paypal", "1011")]


def test_a_deleted_order_books_nothing(cash_settings: CashSettings) -> None:
    order = paid(snapshot(order_id=1009), txn(1, "purchase", "5.00"), is_deleted=True)
    assert plan_deposits(order, cash_settings).deposits == ()
