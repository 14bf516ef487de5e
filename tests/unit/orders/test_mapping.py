"""Sales orders add up to what BigCommerce charged, to the cent (property-based over many orders)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.orders.mapping import (
    MappingConfig,
    SalesOrderDraft,
    TotalMismatch,
    allocate,
    build_sales_order,
    content_hash,
    external_id_for_customer,
    sales_order_body,
)
from tests.support.orders import snapshot

CONFIG = MappingConfig(discount_item="BC-DISCOUNT", tax_item="O2C-TAX", handling_item="O2C-HANDLING",
                       rounding_item="ROUNDING-ADJ")

money = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("500"), places=2)
line = st.tuples(st.sampled_from(["TEE-BLK-M", "HOOD-NVY-L", "CAP-RED-OS", "SOCK-WHT-S"]), money,
                 st.integers(1, 6), st.sampled_from([Decimal(0), Decimal(0), Decimal("1.00"), Decimal("3.33")]))
coupon = st.one_of(
    st.tuples(st.just("SAVE10"), st.just(1), st.sampled_from([Decimal(5), Decimal(10), Decimal("12.5")])),
    st.tuples(st.just("FIVEOFF"), st.just(2), st.sampled_from([Decimal(5), Decimal("7.77")])),
)


@settings(max_examples=1000, deadline=None)
@given(
    lines=st.lists(line, min_size=1, max_size=5),
    inclusive=st.booleans(),
    tax_rate=st.sampled_from([Decimal(0), Decimal("0.0825"), Decimal("0.2"), Decimal("0.07"), Decimal("0.0999")]),
    shipping=st.sampled_from([Decimal(0), Decimal("4.99"), Decimal("12.00")]),
    coupons=st.lists(coupon, max_size=2),
    manual=st.sampled_from([Decimal(0), Decimal("2.00"), Decimal("0.01")]),
)
def test_sales_order_total_equals_charged_total(lines, inclusive, tax_rate, shipping, coupons, manual) -> None:
    order = snapshot(lines=lines, inclusive=inclusive, tax_rate=tax_rate, shipping=shipping, coupons=coupons,
                     manual_discount=manual)
    draft = build_sales_order(order, CONFIG)
    assert isinstance(draft, SalesOrderDraft)
    assert draft.total == order.total_inc_tax
    assert not [x for x in draft.lines if x.kind == "rounding"]
    assert sum((x.amount for x in draft.lines if x.kind == "tax"), Decimal(0)) == order.total_tax
    assert sum((x.amount for x in draft.lines if x.kind == "product"), Decimal(0)) == order.subtotal_ex_tax
    for x in draft.lines:
        assert x.amount == x.amount.quantize(Decimal("0.01"))
        assert (x.amount < 0) == (x.kind == "discount" and x.amount != 0)


def test_line_discount_follows_its_line_and_coupon_comes_after_items() -> None:
    order = snapshot(lines=[("TEE-BLK-M", Decimal("20.00"), 1, Decimal("2.00")),
                            ("CAP-RED-OS", Decimal("15.00"), 1, Decimal(0))],
                     coupons=[("SAVE10", 1, Decimal(10))])
    draft = build_sales_order(order, CONFIG)
    assert isinstance(draft, SalesOrderDraft)
    kinds = [(x.kind, x.description) for x in draft.lines]
    assert kinds[:4] == [("product", "Item TEE-BLK-M"), ("discount", "Discount on TEE-BLK-M"),
                         ("product", "Item CAP-RED-OS"), ("discount", "Coupon SAVE10")]
    assert [x.amount for x in draft.lines if x.kind == "discount"] == [Decimal("-2.00"), Decimal("-3.30")]


def test_drift_within_tolerance_becomes_a_rounding_line() -> None:
    order = snapshot()
    order = order.model_copy(update={"total_inc_tax": order.total_inc_tax + Decimal("0.01")})
    draft = build_sales_order(order, CONFIG)
    assert isinstance(draft, SalesOrderDraft)
    assert draft.lines[-1].kind == "rounding" and draft.lines[-1].amount == Decimal("0.01")
    assert draft.total == order.total_inc_tax


def test_drift_above_tolerance_is_a_total_mismatch() -> None:
    order = snapshot(order_id=77)
    order = order.model_copy(update={"total_inc_tax": order.total_inc_tax + Decimal("0.05")})
    result = build_sales_order(order, CONFIG)
    assert isinstance(result, TotalMismatch)
    assert result.drift == Decimal("0.05")
    assert "order 77 was charged" in result.explain(77)


def test_status_only_change_keeps_the_content_hash() -> None:
    order = snapshot()
    shipped = order.model_copy(update={"status_id": 2, "status": "Shipped"})
    edited = order.model_copy(update={"customer_message": "leave at door"})
    assert content_hash(order) == content_hash(shipped)
    assert content_hash(order) != content_hash(edited)


def test_body_links_order_and_lines() -> None:
    order = snapshot(order_id=555)
    draft = build_sales_order(order, CONFIG)
    assert isinstance(draft, SalesOrderDraft)
    ids = {"TEE-BLK-M": "11", "O2C-TAX": "90"}
    body = sales_order_body(draft, customer_id="7", item_ids=ids, subsidiary_id="1", location_id="1",
                            currency_id="1", store_hash="o2cdemo")
    assert body["externalId"] == "BC-SO-o2cdemo-555"
    assert body["otherRefNum"] == "555" and body["custbody_bc_order_id"] == "555"
    first = body["item"]["items"][0]
    assert first["custcol_bc_order_product_id"] == "1000"
    assert first["amount"] == order.lines[0].total_ex_tax


def test_customer_external_id_ignores_case_and_spaces() -> None:
    assert external_id_for_customer("s", " Jane.Doe@Example.com ") == external_id_for_customer(
        "s", "jane.doe@example.com")


def test_allocate_sums_exactly() -> None:
    shares = allocate(Decimal("10.00"), [Decimal(1), Decimal(1), Decimal(1)])
    assert sum(shares) == Decimal("10.00")
