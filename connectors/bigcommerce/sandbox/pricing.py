"""Order totals the way BigCommerce computes them, in Decimal, consistent to the cent.

Amounts entered on a store (catalogue prices, discounts, shipping) are in the store's *basis*:
tax-inclusive when ``is_tax_inclusive_pricing`` is on, tax-exclusive otherwise. The other side is
derived per line, tax rounded half-up to the cent. Rules (documented in docs/bigcommerce.md):

- line ``total_*`` are before discounts; ``subtotal_*`` = Σ line totals (before discounts);
- discounts, in order: line (product-level) discounts, coupons (percentage on what is left, or a fixed
  amount), then the manual order discount; order-level ones are spread over lines pro rata;
- ``discount_amount`` = line + manual discounts, ``coupon_discount`` = coupons;
- tax is charged on discounted lines, on shipping and on handling, each at its own rate (a line's
  ``LineInput.tax_rate``, else the order's; shipping and handling rates default to the order's);
  ``total_tax`` = Σ line tax + shipping tax + handling tax;
- ``total_inc_tax = total_ex_tax + total_tax`` and, in the basis currency side,
  ``total_<basis> = subtotal_<basis> + shipping_<basis> - discount_amount - coupon_discount`` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PLACES4 = Decimal("0.0001")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def q4(value: Decimal) -> Decimal:
    return value.quantize(PLACES4, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` over ``weights`` pro rata, to the cent, summing exactly to ``amount``."""
    total = sum(weights, ZERO)
    if not weights:
        return []
    if total <= 0 or amount == 0:
        return [ZERO for _ in weights]
    shares = [q2(amount * w / total) for w in weights]
    biggest = max(range(len(weights)), key=lambda i: weights[i])
    shares[biggest] += amount - sum(shares, ZERO)
    return shares


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal  # basis
    quantity: int
    line_discount: Decimal = ZERO  # basis, whole line
    tax_rate: Decimal | None = None  # fraction (0.20); None = the order's rate


@dataclass(frozen=True)
class CouponInput:
    code: str
    type: int  # 1 percentage_discount, 2 per_total_discount
    amount: Decimal  # percent for type 1, money for type 2


@dataclass
class Discount:
    id: str
    name: str
    code: str | None
    amount: Decimal
    target: str


@dataclass
class LineTotals:
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    price_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    total_tax: Decimal
    net_ex_tax: Decimal
    net_tax: Decimal
    discounted_total_inc_tax: Decimal
    applied_discounts: list[Discount] = field(default_factory=list)


@dataclass
class ShippingTotals:
    cost_ex_tax: Decimal
    cost_inc_tax: Decimal
    cost_tax: Decimal


@dataclass
class OrderTotals:
    lines: list[LineTotals]
    shipping: list[ShippingTotals]
    coupon_discounts: list[Decimal]
    subtotal_ex_tax: Decimal
    subtotal_inc_tax: Decimal
    subtotal_tax: Decimal
    shipping_cost_ex_tax: Decimal
    shipping_cost_inc_tax: Decimal
    shipping_cost_tax: Decimal
    discount_amount: Decimal
    coupon_discount: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    total_tax: Decimal
    handling: list[ShippingTotals] = field(default_factory=list)
    handling_cost_ex_tax: Decimal = ZERO
    handling_cost_inc_tax: Decimal = ZERO
    handling_cost_tax: Decimal = ZERO


def split_tax(amount: Decimal, rate: Decimal, inclusive: bool) -> tuple[Decimal, Decimal, Decimal]:
    """``(ex, inc, tax)`` of a basis amount."""
    if inclusive:
        tax = q2(amount * rate / (1 + rate))
        return amount - tax, amount, tax
    tax = q2(amount * rate)
    return amount, amount + tax, tax


def compute_totals(
    lines: list[LineInput],
    *,
    tax_rate: Decimal,
    inclusive: bool,
    shipping: list[Decimal] | None = None,
    coupons: list[CouponInput] | None = None,
    manual_discount: Decimal = ZERO,
    shipping_tax_rate: Decimal | None = None,
    handling: list[Decimal] | None = None,
    handling_tax_rate: Decimal | None = None,
) -> OrderTotals:
    """Totals of an order from basis prices, discounts, shipping and handling costs (per address)."""
    basis = [q2(line.unit_price * line.quantity) for line in lines]
    line_disc = [min(q2(line.line_discount), b) for line, b in zip(lines, basis, strict=True)]
    remaining = [b - d for b, d in zip(basis, line_disc, strict=True)]
    discounts: list[list[Discount]] = [
        [Discount("1", "Product discount", None, d, "product")] if d else [] for d in line_disc
    ]

    coupon_discounts: list[Decimal] = []
    for index, coupon in enumerate(coupons or []):
        left = sum(remaining, ZERO)
        if coupon.type == 1:
            value = q2(left * coupon.amount / 100)
        else:
            value = min(q2(coupon.amount), left)
        coupon_discounts.append(value)
        for i, share in enumerate(allocate(value, remaining)):
            remaining[i] -= share
            if share:
                discounts[i].append(Discount(str(index + 1), "Coupon", coupon.code, share, "order"))

    manual = min(q2(manual_discount), sum(remaining, ZERO))
    for i, share in enumerate(allocate(manual, remaining)):
        remaining[i] -= share
        if share:
            discounts[i].append(Discount("manual-discount", "Manual Discount", None, share, "order"))

    out_lines: list[LineTotals] = []
    for line, b, net, applied in zip(lines, basis, remaining, discounts, strict=True):
        rate = tax_rate if line.tax_rate is None else line.tax_rate
        total_ex, total_inc, total_tax = split_tax(b, rate, inclusive)
        net_ex, net_inc, net_tax = split_tax(net, rate, inclusive)
        if inclusive:
            price_inc = line.unit_price
            price_ex = q4(line.unit_price / (1 + rate))
        else:
            price_ex = line.unit_price
            price_inc = line.unit_price + q4(line.unit_price * rate)
        out_lines.append(
            LineTotals(
                price_ex_tax=price_ex,
                price_inc_tax=price_inc,
                price_tax=price_inc - price_ex,
                total_ex_tax=total_ex,
                total_inc_tax=total_inc,
                total_tax=total_tax,
                net_ex_tax=net_ex,
                net_tax=net_tax,
                discounted_total_inc_tax=net_inc,
                applied_discounts=applied,
            )
        )

    ship_rate = tax_rate if shipping_tax_rate is None else shipping_tax_rate
    ships = [ShippingTotals(*split_tax(q2(c), ship_rate, inclusive)) for c in (shipping or [])]
    ship_ex = sum((s.cost_ex_tax for s in ships), ZERO)
    ship_inc = sum((s.cost_inc_tax for s in ships), ZERO)
    ship_tax = sum((s.cost_tax for s in ships), ZERO)
    hand_rate = tax_rate if handling_tax_rate is None else handling_tax_rate
    hands = [ShippingTotals(*split_tax(q2(c), hand_rate, inclusive)) for c in (handling or [])]
    hand_ex = sum((h.cost_ex_tax for h in hands), ZERO)
    hand_inc = sum((h.cost_inc_tax for h in hands), ZERO)
    hand_tax = sum((h.cost_tax for h in hands), ZERO)
    total_tax = sum((lt.net_tax for lt in out_lines), ZERO) + ship_tax + hand_tax
    total_ex = sum((lt.net_ex_tax for lt in out_lines), ZERO) + ship_ex + hand_ex
    subtotal_ex = sum((lt.total_ex_tax for lt in out_lines), ZERO)
    subtotal_inc = sum((lt.total_inc_tax for lt in out_lines), ZERO)
    return OrderTotals(
        lines=out_lines,
        shipping=ships,
        coupon_discounts=coupon_discounts,
        subtotal_ex_tax=subtotal_ex,
        subtotal_inc_tax=subtotal_inc,
        subtotal_tax=subtotal_inc - subtotal_ex,
        shipping_cost_ex_tax=ship_ex,
        shipping_cost_inc_tax=ship_inc,
        shipping_cost_tax=ship_tax,
        discount_amount=sum(line_disc, ZERO) + manual,
        coupon_discount=sum(coupon_discounts, ZERO),
        total_ex_tax=total_ex,
        total_inc_tax=total_ex + total_tax,
        total_tax=total_tax,
        handling=hands,
        handling_cost_ex_tax=hand_ex,
        handling_cost_inc_tax=hand_inc,
        handling_cost_tax=hand_tax,
    )
