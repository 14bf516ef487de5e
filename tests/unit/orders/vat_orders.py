"""Mixed-rate orders (UK VAT 20/5/0, US sales tax) with BigCommerce's arithmetic, per line rate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from streams.contract.bigcommerce import (
    BcAddress,
    BcAppliedDiscount,
    BcCoupon,
    BcOrderLine,
    BcOrderSnapshot,
    BcShippingAddress,
)
from streams.orders.mapping import ZERO, allocate, q2


def _split(amount: Decimal, rate: Decimal, inclusive: bool) -> tuple[Decimal, Decimal]:
    """(ex, tax) of a basis amount at ``rate`` (a fraction)."""
    if inclusive:
        tax = q2(amount * rate / (1 + rate))
        return amount - tax, tax
    return amount, q2(amount * rate)


def mixed_order(
    lines: list[tuple[str, Decimal, int, Decimal]],  # (sku, unit price in the store's basis, qty, rate fraction)
    *,
    inclusive: bool,
    coupon_percent: Decimal = ZERO,
    shipping: Decimal = ZERO,
    shipping_rate: Decimal = ZERO,
    post_discount_line_tax: bool = True,
    country: str = "GB",
    currency: str = "GBP",
    order_id: int = 501,
    shipping_method: str = "Royal Mail Tracked 24",
) -> BcOrderSnapshot:
    basis = [q2(price * qty) for _, price, qty, _ in lines]
    coupon = q2(sum(basis, ZERO) * coupon_percent / 100)
    shares = allocate(coupon, basis) if coupon else [ZERO for _ in basis]
    bc_lines = []
    total_ex = ZERO
    total_tax = ZERO
    for i, ((sku, price, qty, rate), b, share) in enumerate(zip(lines, basis, shares, strict=True)):
        ex, tax = _split(b, rate, inclusive)
        net_ex, net_tax = _split(b - share, rate, inclusive)
        total_ex += net_ex
        total_tax += net_tax
        unit_ex, _ = _split(price, rate, inclusive)
        bc_lines.append(BcOrderLine(
            order_product_id=2000 + i, product_id=20 + i, sku=sku, name=f"Item {sku}", quantity=qty,
            price_ex_tax=unit_ex if inclusive else price,
            price_inc_tax=price if inclusive else price + q2(price * rate),
            total_ex_tax=ex, total_inc_tax=ex + tax, total_tax=net_tax if post_discount_line_tax else tax,
            applied_discounts=(BcAppliedDiscount(name="Coupon", code="SAVE10", amount=share, target="order"),)
            if share else (), order_address_id=1,
        ))
    ship_ex, ship_tax = _split(shipping, shipping_rate, inclusive)
    address = BcAddress(first_name="Ada", last_name="Lovelace", street_1="10 Downing St", city="London",
                        zip="SW1A 2AA", country="United Kingdom", country_iso2=country, phone="+44 20 7946 0000",
                        email="ada@example.co.uk")
    subtotal_ex = sum((x.total_ex_tax for x in bc_lines), ZERO)
    subtotal_inc = sum((x.total_inc_tax for x in bc_lines), ZERO)
    now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    return BcOrderSnapshot(
        store_hash="ukstore", order_id=order_id, status_id=11, status="Awaiting Fulfillment", date_created=now,
        date_modified=now, customer_id=0, email=address.email, billing_address=address, currency_code=currency,
        is_tax_inclusive_pricing=inclusive, subtotal_ex_tax=subtotal_ex, subtotal_inc_tax=subtotal_inc,
        subtotal_tax=subtotal_inc - subtotal_ex, shipping_cost_ex_tax=ship_ex, shipping_cost_inc_tax=ship_ex + ship_tax,
        shipping_cost_tax=ship_tax, handling_cost_ex_tax=ZERO, handling_cost_inc_tax=ZERO,
        discount_amount=ZERO, coupon_discount=coupon, total_ex_tax=total_ex + ship_ex,
        total_inc_tax=total_ex + ship_ex + total_tax + ship_tax, total_tax=total_tax + ship_tax,
        lines=tuple(bc_lines),
        shipping_addresses=(BcShippingAddress(**address.model_dump(), id=1, shipping_method=shipping_method,
                                              cost_ex_tax=ship_ex, cost_inc_tax=ship_ex + ship_tax,
                                              cost_tax=ship_tax),),
        coupons=(BcCoupon(code="SAVE10", amount=coupon_percent, discount=coupon, type=1),) if coupon else (),
    )


UK_LINES = [("TEE-20", Decimal("24.00"), 2, Decimal("0.20")), ("CHILDSEAT-5", Decimal("10.50"), 1, Decimal("0.05")),
            ("BOOK-0", Decimal("5.00"), 3, Decimal(0))]
UK_CODES = {"GB:20": "101", "GB:5": "102", "GB:0": "103", "US:*": "201", "US:0": "202"}


def uk_order(**kwargs: object) -> BcOrderSnapshot:
    """£24.00×2 at 20%, £10.50 at 5%, £5.00×3 zero-rated, tax-inclusive, coupon SAVE10 10%, £6.00 shipping at 20%."""
    options: dict[str, object] = {"inclusive": True, "coupon_percent": Decimal(10), "shipping": Decimal("6.00"),
                                  "shipping_rate": Decimal("0.20")} | kwargs
    return mixed_order(UK_LINES, **options)  # type: ignore[arg-type]
