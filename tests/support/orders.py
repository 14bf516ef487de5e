"""Build realistic order snapshots with BigCommerce's own arithmetic (the sandbox's pricing rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connectors.bigcommerce.sandbox.pricing import CouponInput, LineInput, compute_totals
from streams.contract.bigcommerce import (
    BcAddress,
    BcAppliedDiscount,
    BcCoupon,
    BcOrderLine,
    BcOrderSnapshot,
    BcShippingAddress,
)


def snapshot(
    *,
    order_id: int = 101,
    lines: list[tuple[str, Decimal, int, Decimal]] | None = None,  # (sku, unit price, qty, line discount)
    inclusive: bool = False,
    tax_rate: Decimal = Decimal("0.0825"),
    shipping: Decimal = Decimal("7.50"),
    coupons: list[tuple[str, int, Decimal]] | None = None,  # (code, type 1=% 2=amount, value)
    manual_discount: Decimal = Decimal(0),
    email: str = "Jane.Doe@Example.com",
    customer_id: int = 0,
    company: str = "",
    status_id: int = 11,
    store_hash: str = "o2cdemo",
) -> BcOrderSnapshot:
    lines = lines or [("TEE-BLK-M", Decimal("24.99"), 2, Decimal(0))]
    totals = compute_totals(
        [LineInput(unit_price=price, quantity=qty, line_discount=disc) for _, price, qty, disc in lines],
        tax_rate=tax_rate, inclusive=inclusive, shipping=[shipping] if shipping else [],
        coupons=[CouponInput(code=c, type=t, amount=v) for c, t, v in (coupons or [])],
        manual_discount=manual_discount,
    )
    now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    bc_lines = tuple(
        BcOrderLine(
            order_product_id=1000 + i, product_id=10 + i, variant_id=100 + i, sku=sku, name=f"Item {sku}",
            quantity=qty, price_ex_tax=lt.price_ex_tax, price_inc_tax=lt.price_inc_tax,
            total_ex_tax=lt.total_ex_tax, total_inc_tax=lt.total_inc_tax, total_tax=lt.total_tax,
            applied_discounts=tuple(BcAppliedDiscount(name=d.name, code=d.code, amount=d.amount, target=d.target)
                                    for d in lt.applied_discounts),
            order_address_id=1,
        )
        for i, ((sku, _, qty, _), lt) in enumerate(zip(lines, totals.lines, strict=True))
    )
    address = BcAddress(first_name="Jane", last_name="Doe", company=company, street_1="1 Main St", city="Austin",
                        state="Texas", zip="78701", country="United States", country_iso2="US", email=email)
    ships = tuple(
        BcShippingAddress(**address.model_dump(), id=1, shipping_method="UPS Ground", cost_ex_tax=s.cost_ex_tax,
                          cost_inc_tax=s.cost_inc_tax, cost_tax=s.cost_tax)
        for s in totals.shipping
    ) or (BcShippingAddress(**address.model_dump(), id=1),)
    return BcOrderSnapshot(
        store_hash=store_hash, order_id=order_id, status_id=status_id, status="Awaiting Fulfillment",
        date_created=now, date_modified=now, customer_id=customer_id, email=email, billing_address=address,
        currency_code="USD", is_tax_inclusive_pricing=inclusive,
        subtotal_ex_tax=totals.subtotal_ex_tax, subtotal_inc_tax=totals.subtotal_inc_tax,
        subtotal_tax=totals.subtotal_tax, shipping_cost_ex_tax=totals.shipping_cost_ex_tax,
        shipping_cost_inc_tax=totals.shipping_cost_inc_tax, shipping_cost_tax=totals.shipping_cost_tax,
        handling_cost_ex_tax=Decimal(0), handling_cost_inc_tax=Decimal(0),
        discount_amount=totals.discount_amount, coupon_discount=totals.coupon_discount,
        total_ex_tax=totals.total_ex_tax, total_inc_tax=totals.total_inc_tax, total_tax=totals.total_tax,
        lines=bc_lines, shipping_addresses=ships,
        coupons=tuple(BcCoupon(code=c, amount=v, discount=d, type=t)
                      for (c, t, v), d in zip(coupons or [], totals.coupon_discounts, strict=True)),
    )
