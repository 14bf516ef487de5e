from decimal import Decimal

from streams.audit.orders import BcOrder, OpenException, OrderRules, SalesOrder, compare

RULES = OrderRules(frozenset({2, 3, 8, 9, 10, 11}), frozenset({5, 6}))


def order(oid: int, status: int = 11, total: str = "50.00", refunded: str = "0") -> BcOrder:
    return BcOrder(oid, status, "Awaiting Fulfillment", Decimal(total), "USD", Decimal(refunded))


def so(oid: int, total: str = "50.00") -> SalesOrder:
    return SalesOrder(f"9{oid}", f"SO{oid}", f"BC-SO-store-{oid}", oid, Decimal(total))


def kinds(found: list) -> list[tuple[str, str | None, str | None]]:
    return [(f.kind, f.bc_id, f.ns_id) for f in found]


def test_an_order_booked_for_what_was_charged_is_fine() -> None:
    assert compare([order(1)], [so(1)], missing_orders=set(), held={}, rules=RULES) == []


def test_an_order_to_fulfil_without_sales_order_is_drift_for_engineering() -> None:
    found = compare([order(1)], [], missing_orders=set(), held={}, rules=RULES)
    assert kinds(found) == [("order_without_sales_order", "1", None)]
    assert found[0].owner == "engineering" and "no NetSuite sales order" in found[0].message


def test_orders_o2c_skips_on_purpose_are_not_drift() -> None:
    skipped = [order(1, status=5), order(2, status=6), order(3, status=0), order(4, status=7)]
    assert compare(skipped, [], missing_orders=set(), held={}, rules=RULES) == []


def test_a_held_order_names_its_exception_and_owner() -> None:
    found = compare([order(1)], [], missing_orders=set(), held={1: OpenException(42, "total_mismatch", "finance")},
                    rules=RULES)
    assert kinds(found) == [("order_held", "1", None)]
    assert found[0].owner == "finance" and "exception 42 (total_mismatch" in found[0].message


def test_a_parked_order_says_what_it_waits_for() -> None:
    found = compare([order(1)], [], missing_orders=set(), held={1: OpenException(0, "missing_sku", "operations")},
                    rules=RULES)
    assert found[0].kind == "order_held" and "parked, waiting (missing_sku)" in found[0].message


def test_a_total_that_differs_is_for_finance() -> None:
    found = compare([order(1, total="50.00")], [so(1, "49.99")], missing_orders=set(), held={}, rules=RULES)
    assert kinds(found) == [("total_differs", "1", "91")]
    assert found[0].owner == "finance" and "0.01" in found[0].message


def test_refunded_or_cancelled_orders_are_not_compared_on_totals() -> None:
    bc = [order(1, refunded="10.00"), order(2, status=5)]
    assert compare(bc, [so(1, "40.00"), so(2, "0.00")], missing_orders=set(), held={}, rules=RULES) == []


def test_a_sales_order_whose_order_is_gone() -> None:
    found = compare([], [so(7)], missing_orders={7}, held={}, rules=RULES)
    assert kinds(found) == [("sales_order_without_order", "7", "97")]
