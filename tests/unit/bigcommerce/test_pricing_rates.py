"""Per-line tax rates, shipping and handling at their own rates: totals still add up to the cent."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.bigcommerce.sandbox.pricing import LineInput, compute_totals

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
rates = st.sampled_from([Decimal("0"), Decimal("0.05"), Decimal("0.20"), Decimal("0.08875")])
amounts = st.lists(st.integers(0, 3000).map(lambda c: Decimal(c) / 100), min_size=1, max_size=2)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.builds(LineInput, unit_price=cents, quantity=st.integers(1, 5), tax_rate=st.one_of(
        st.none(), rates)), min_size=1, max_size=5),
    inclusive=st.booleans(), rate=rates, ship_rate=rates, hand_rate=rates, shipping=amounts,
    manual=st.integers(0, 1000).map(lambda c: Decimal(c) / 100),
)
def test_mixed_rates_add_up(lines, inclusive, rate, ship_rate, hand_rate, shipping, manual):
    handling = shipping[::-1]
    t = compute_totals(lines, tax_rate=rate, inclusive=inclusive, shipping=shipping, manual_discount=manual,
                       shipping_tax_rate=ship_rate, handling=handling, handling_tax_rate=hand_rate)
    assert t.total_inc_tax == t.total_ex_tax + t.total_tax
    assert t.handling_cost_inc_tax == t.handling_cost_ex_tax + t.handling_cost_tax
    assert t.total_tax == sum(lt.net_tax for lt in t.lines) + t.shipping_cost_tax + t.handling_cost_tax
    side = "inc_tax" if inclusive else "ex_tax"
    assert getattr(t, f"total_{side}") == (getattr(t, f"subtotal_{side}") + getattr(t, f"shipping_cost_{side}")
                                           + getattr(t, f"handling_cost_{side}") - t.discount_amount)
    for line, lt in zip(lines, t.lines, strict=True):
        used = rate if line.tax_rate is None else line.tax_rate
        if used == 0:
            assert lt.total_tax == 0 and lt.price_ex_tax == lt.price_inc_tax


def test_known_uk_vat_order():
    t = compute_totals(
        [LineInput(Decimal("24.00"), 2, tax_rate=Decimal("0.20")), LineInput(Decimal("10.50"), 1,
         tax_rate=Decimal("0.05")), LineInput(Decimal("7.99"), 3, tax_rate=Decimal("0"))],
        tax_rate=Decimal("0.20"), inclusive=True, shipping=[Decimal("4.99")], handling=[Decimal("1.20")],
    )
    assert [lt.total_tax for lt in t.lines] == [Decimal("8.00"), Decimal("0.50"), Decimal("0.00")]
    assert (t.shipping_cost_tax, t.handling_cost_tax) == (Decimal("0.83"), Decimal("0.20"))
    assert (t.total_inc_tax, t.total_tax, t.total_ex_tax) == (Decimal("88.66"), Decimal("9.53"), Decimal("79.13"))
