"""The order generator creates realistic orders over HTTP whose totals add up to the cent."""

from decimal import Decimal

import pytest

from connectors.bigcommerce.sandbox import SandboxConfig
from connectors.bigcommerce.sandbox.load import LoadMix, generate_orders

RICH_MIX = LoadMix(
    guest_share=0.3, coupon_share=0.5, line_discount_share=0.4, manual_discount_share=0.3, multi_address_share=0.3
)


def check_totals(order, lines, addresses):
    d = order.discount_amount + order.coupon_discount
    assert order.total_inc_tax == order.total_ex_tax + order.total_tax
    assert order.subtotal_inc_tax == sum((p.total_inc_tax for p in lines), Decimal(0))
    assert order.subtotal_ex_tax == sum((p.total_ex_tax for p in lines), Decimal(0))
    assert order.shipping_cost_inc_tax == sum((a.cost_inc_tax for a in addresses), Decimal(0))
    if order.is_tax_inclusive_pricing:
        assert order.total_inc_tax == order.subtotal_inc_tax + order.shipping_cost_inc_tax - d
    else:
        assert order.total_ex_tax == order.subtotal_ex_tax + order.shipping_cost_ex_tax - d
    assert sum((p.discounted_total_inc_tax for p in lines), Decimal(0)) + order.shipping_cost_inc_tax == (
        order.total_inc_tax
    )
    assert order.items_total == sum(p.quantity for p in lines)


@pytest.mark.parametrize("inclusive", [False, True])
async def test_generated_orders_are_consistent(sandbox, client, admin, inclusive):
    await admin.post(
        "/__sandbox/config", json={"tax_inclusive": inclusive, "tax_rate": "0.20" if inclusive else "0.0825"}
    )
    ids = await generate_orders(client, count=25, rate=0, seed=11, mix=RICH_MIX)
    assert len(set(ids)) == 25
    seen_coupon = seen_multi = seen_guest = False
    for order_id in ids:
        order = await client.get_order(order_id)
        assert order.is_tax_inclusive_pricing is inclusive and order.status_id == 11
        lines = await client.order_products(order_id)
        addresses = await client.order_shipping_addresses(order_id)
        check_totals(order, lines, addresses)
        seen_coupon |= order.coupon_discount > 0
        seen_multi |= len(addresses) > 1
        seen_guest |= order.customer_id == 0
    assert seen_coupon and seen_multi and seen_guest


@pytest.fixture
def sandbox_config():
    return SandboxConfig(rng_seed=3, inventory_delay_ms=10, quota=5000)  # pacing is tested elsewhere


async def test_generator_is_deterministic(sandbox, client):
    import random

    from connectors.bigcommerce.sandbox.load import order_body

    variants = [v async for v in client.list_variants()]
    customers = [c async for c in client.list_customers()]
    a = [order_body(random.Random(4), variants, customers) for _ in range(3)]
    b = [order_body(random.Random(4), variants, customers) for _ in range(3)]
    assert a == b
