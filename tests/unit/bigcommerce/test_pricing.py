"""Order totals are internally consistent to the cent, the way BigCommerce adds them up."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.bigcommerce.sandbox.pricing import (
    CouponInput,
    LineInput,
    allocate,
    compute_totals,
)

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
lines = st.lists(
    st.builds(
        LineInput,
        unit_price=cents,
        quantity=st.integers(1, 5),
        line_discount=st.integers(0, 500).map(lambda c: Decimal(c) / 100),
    ),
    min_size=1,
    max_size=5,
)
coupons = st.lists(
    st.one_of(
        st.builds(CouponInput, code=st.just("PCT"), type=st.just(1), amount=st.integers(1, 50).map(Decimal)),
        st.builds(CouponInput, code=st.just("FIX"), type=st.just(2), amount=cents),
    ),
    max_size=2,
)


@settings(max_examples=200, deadline=None)
@given(
    lines=lines,
    coupons=coupons,
    inclusive=st.booleans(),
    rate=st.sampled_from([Decimal("0"), Decimal("0.08"), Decimal("0.0825"), Decimal("0.20")]),
    shipping=st.lists(st.integers(0, 3000).map(lambda c: Decimal(c) / 100), min_size=1, max_size=2),
    manual=st.integers(0, 1000).map(lambda c: Decimal(c) / 100),
)
def test_totals_are_consistent(lines, coupons, inclusive, rate, shipping, manual):
    t = compute_totals(
        lines, tax_rate=rate, inclusive=inclusive, shipping=shipping, coupons=coupons, manual_discount=manual
    )
    for value in (t.total_inc_tax, t.total_ex_tax, t.total_tax, t.discount_amount, t.coupon_discount):
        assert value == value.quantize(Decimal("0.01"))
    assert t.total_inc_tax == t.total_ex_tax + t.total_tax
    assert t.subtotal_inc_tax == t.subtotal_ex_tax + t.subtotal_tax
    assert t.shipping_cost_inc_tax == t.shipping_cost_ex_tax + t.shipping_cost_tax
    discounts = t.discount_amount + t.coupon_discount
    if inclusive:
        assert t.total_inc_tax == t.subtotal_inc_tax + t.shipping_cost_inc_tax - discounts
    else:
        assert t.total_ex_tax == t.subtotal_ex_tax + t.shipping_cost_ex_tax - discounts
    assert sum(lt.discounted_total_inc_tax for lt in t.lines) + t.shipping_cost_inc_tax == t.total_inc_tax
    assert t.total_tax == sum(lt.net_tax for lt in t.lines) + t.shipping_cost_tax
    assert all(lt.discounted_total_inc_tax >= 0 for lt in t.lines)
    assert t.coupon_discount == sum(t.coupon_discounts, Decimal(0))
    for lt in t.lines:
        assert sum((d.amount for d in lt.applied_discounts), Decimal(0)) == (
            (lt.total_inc_tax if inclusive else lt.total_ex_tax)
            - (lt.discounted_total_inc_tax if inclusive else lt.net_ex_tax)
        )


def test_known_exclusive_order():
    t = compute_totals(
        [LineInput(Decimal("20.00"), 2), LineInput(Decimal("10.00"), 1, Decimal("1.00"))],
        tax_rate=Decimal("0.10"),
        inclusive=False,
        shipping=[Decimal("5.00")],
        coupons=[CouponInput("SAVE10", 1, Decimal("10"))],
    )
    assert t.subtotal_ex_tax == Decimal("50.00")
    assert t.discount_amount == Decimal("1.00")
    assert t.coupon_discount == Decimal("4.90")
    assert t.total_ex_tax == Decimal("49.10")
    assert t.total_tax == Decimal("4.91")
    assert t.total_inc_tax == Decimal("54.01")


def test_allocate_sums_exactly():
    shares = allocate(Decimal("10.00"), [Decimal("3"), Decimal("3"), Decimal("3")])
    assert sum(shares) == Decimal("10.00")
    assert allocate(Decimal("5"), []) == []
