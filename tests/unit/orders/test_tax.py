"""Tax codes per line, and tax exactly as BigCommerce charged it, per code and in total (suitetax, legacy)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.orders.body import apply_tax
from streams.orders.mapping import ZERO, MappingConfig, SalesOrderDraft, sales_order_body
from streams.orders.tax import TaxCodeUnmapped, TaxConfig, build_taxed_sales_order, identify
from tests.unit.orders.vat_orders import UK_CODES, mixed_order, uk_order

CONFIG = MappingConfig(discount_item="BC-DISCOUNT", tax_item="O2C-TAX", handling_item="O2C-HANDLING",
                       rounding_item="ROUNDING-ADJ")
SUITETAX = TaxConfig("suitetax", UK_CODES)
LEGACY = TaxConfig("legacy", UK_CODES)
D = Decimal


def tax_per_code(draft: SalesOrderDraft) -> dict[str | None, Decimal]:
    sums: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    for line in draft.lines:
        if line.tax_code_id is not None:
            sums[line.tax_code_id] += line.tax_amount or ZERO
    if draft.shipping_tax_code_id is not None:
        sums[draft.shipping_tax_code_id] += draft.shipping_tax_amount or ZERO
    return dict(sums)


def build(order: object, tax: TaxConfig = SUITETAX) -> SalesOrderDraft:
    draft = build_taxed_sales_order(order, CONFIG, tax)  # type: ignore[arg-type]
    assert isinstance(draft, SalesOrderDraft), draft
    return draft


@pytest.mark.parametrize(("net", "tax", "qty", "country", "code"), [
    (D("40.00"), D("8.00"), 2, "GB", "101"),
    (D("10.00"), D("0.50"), 1, "GB", "102"),
    (D("15.00"), D("0.00"), 3, "GB", "103"),
    (D("100.00"), D("8.88"), 1, "US", "201"),  # 8.875% on "US:*"
    (D("100.00"), D("0.00"), 1, "US", "202"),  # zero tax: the 0% code, before "*"
    (D("0.00"), D("0.00"), 1, "GB", "103"),  # fully discounted line: the zero rate wins the tie
    (D("10.01"), D("2.01"), 1, "GB", "101"),  # a cent of BigCommerce rounding is still 20%
])
def test_a_line_rate_is_identified_from_its_own_figures(net: Decimal, tax: Decimal, qty: int, country: str,
                                                        code: str) -> None:
    found = identify([(net, tax)], qty, country, SUITETAX)
    assert found is not None and found.code_id == code


def test_an_unconfigured_rate_fits_no_code_and_country_less_keys_apply_anywhere() -> None:
    assert identify([(D("100"), D("7.00"))], 1, "GB", SUITETAX) is None
    assert identify([(D("100"), D("19.00"))], 1, "DE", SUITETAX) is None
    anywhere = TaxConfig("suitetax", {"19": "401"})
    found = identify([(D("100"), D("19.00"))], 1, "DE", anywhere)
    assert found is not None and found.code_id == "401" and found.rate == 19


def test_a_tax_class_key_wins_for_shipping() -> None:
    config = TaxConfig("suitetax", UK_CODES | {"class:3": "109"})
    found = identify([(D("5.00"), D("1.00"))], 1, "GB", config, class_id=3)
    assert found is not None and found.code_id == "109"


@pytest.mark.parametrize("post_discount_line_tax", [True, False])
def test_uk_vat_order_books_each_rate_on_its_code_with_bigcommerces_tax(post_discount_line_tax: bool) -> None:
    order = uk_order(post_discount_line_tax=post_discount_line_tax)
    draft = build(order)
    products = [x for x in draft.lines if x.kind == "product"]
    assert [(x.item_ref, x.tax_code_id) for x in products] == [("TEE-20", "101"), ("CHILDSEAT-5", "102"),
                                                              ("BOOK-0", "103")]
    # BigCommerce: 20% lines 7.20 + shipping 1.00, 5% lines 0.45, zero-rated 0 (after the 10% coupon)
    assert tax_per_code(draft) == {"101": D("8.20"), "102": D("0.45"), "103": D("0.00")}
    assert draft.total == order.total_inc_tax == D("72.15")
    assert not [x for x in draft.lines if x.kind in ("tax", "rounding")]
    coupons = [x for x in draft.lines if x.kind == "discount"]
    assert [(x.description, x.amount, x.tax_amount) for x in coupons] == [
        ("Coupon SAVE10 — tax 20%", D("-4.00"), D("-0.80")),
        ("Coupon SAVE10 — tax 5%", D("-1.00"), D("-0.05")),
        ("Coupon SAVE10 — tax 0%", D("-1.50"), D("0.00")),
    ]


def test_every_detail_is_within_netsuites_tolerance_of_its_rate() -> None:
    draft = build(uk_order())
    for line in draft.lines:
        if line.tax_rate is not None and line.tax_amount is not None:
            assert abs(line.tax_amount - line.amount * line.tax_rate / 100) <= D("0.02") + D("0.001") * abs(line.amount)


def test_suitetax_body_has_one_detail_per_line_and_shipping_with_override() -> None:
    draft = build(uk_order())
    ids = {ref: "9" for ref in {x.item_ref for x in draft.lines}}
    body = sales_order_body(draft, customer_id="7", item_ids=ids, subsidiary_id="1", location_id="1",
                            currency_id="3", store_hash="ukstore")
    apply_tax(body, draft)
    details = body["taxDetails"]["items"]
    assert body["taxDetailsOverride"] is True
    assert len(details) == len(draft.lines) + 1 and details[-1]["lineType"] == "Shipping"
    assert [x["taxDetailsReference"] for x in body["item"]["items"]] == [d["taxDetailsReference"] for d in details[:-1]]
    assert sum(d["taxAmount"] for d in details) == D("8.65")
    assert all("tax1Amt" not in x for x in body["item"]["items"])


def test_legacy_body_has_tax_code_and_amount_per_line_and_shipping_tax_on_the_header() -> None:
    draft = build(uk_order(), LEGACY)
    body = sales_order_body(draft, customer_id="7", item_ids={x.item_ref: "9" for x in draft.lines},
                            subsidiary_id="1", location_id="1", currency_id="3", store_hash="ukstore")
    apply_tax(body, draft)
    assert "taxDetails" not in body
    assert body["shippingTaxCode"] == {"id": "101"} and body["shippingTaxAmount"] == D("1.00")
    assert [x["taxCode"]["id"] for x in body["item"]["items"]][:2] == ["101", "102"]
    assert sum(x["tax1Amt"] for x in body["item"]["items"]) + body["shippingTaxAmount"] == D("8.65")


def test_us_order_on_a_variable_rate_code() -> None:
    order = mixed_order([("TEE", D("24.99"), 2, D("0.08875")), ("CAP", D("15.00"), 1, D("0.08875"))],
                        inclusive=False, coupon_percent=D(5), shipping=D("7.50"), shipping_rate=D("0.08875"),
                        country="US", currency="USD", shipping_method="UPS Ground")
    draft = build(order)
    assert {x.tax_code_id for x in draft.lines} == {"201"} and draft.shipping_tax_code_id == "201"
    assert sum(tax_per_code(draft).values()) == order.total_tax
    assert draft.total == order.total_inc_tax


def test_a_rate_with_no_code_holds_the_order_and_says_which_setting() -> None:
    order = mixed_order([("TEE", D("24.00"), 1, D("0.07"))], inclusive=True, country="GB")
    problem = build_taxed_sales_order(order, CONFIG, SUITETAX)
    assert isinstance(problem, TaxCodeUnmapped)
    text = problem.explain(order.order_id)
    assert "TEE" in text and "7%" in text and "O2C_ORDERS_TAX_CODES" in text and '"GB:7"' in text


rates = st.sampled_from([D("0.20"), D("0.05"), D(0)])
uk_line = st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.decimals(D("0.50"), D("300"), places=2),
                    st.integers(1, 5), rates)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(uk_line, min_size=1, max_size=6), inclusive=st.booleans(),
       coupon=st.sampled_from([D(0), D(10), D("12.5")]), shipping=st.sampled_from([D(0), D("4.99"), D("6.00")]),
       post=st.booleans(), mode=st.sampled_from(["suitetax", "legacy"]))
def test_any_mixed_rate_order_adds_up_to_the_cent(lines: list[tuple[str, Decimal, int, Decimal]], inclusive: bool,
                                                  coupon: Decimal, shipping: Decimal, post: bool, mode: str) -> None:
    order = mixed_order(lines, inclusive=inclusive, coupon_percent=coupon, shipping=shipping,
                        shipping_rate=D("0.20"), post_discount_line_tax=post)
    draft = build(order, TaxConfig(mode, UK_CODES))  # type: ignore[arg-type]
    assert draft.total == order.total_inc_tax
    assert sum(tax_per_code(draft).values()) == order.total_tax
    assert not [x for x in draft.lines if x.kind in ("tax", "rounding")]


def test_handling_is_a_line_with_its_own_code_and_bigcommerces_tax() -> None:
    order = uk_order()
    order = order.model_copy(update={
        "handling_cost_ex_tax": D("2.50"), "handling_cost_inc_tax": D("3.00"), "handling_cost_tax": D("0.50"),
        "total_ex_tax": order.total_ex_tax + D("2.50"), "total_inc_tax": order.total_inc_tax + D("3.00"),
        "total_tax": order.total_tax + D("0.50")})
    draft = build(order)
    (handling,) = [x for x in draft.lines if x.kind == "handling"]
    assert (handling.amount, handling.tax_code_id, handling.tax_amount) == (D("2.50"), "101", D("0.50"))
    assert draft.total == order.total_inc_tax and sum(tax_per_code(draft).values()) == order.total_tax
