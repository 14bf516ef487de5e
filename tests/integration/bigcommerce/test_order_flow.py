"""Order status transitions driven by shipments and refunds."""

from decimal import Decimal

import pytest

from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.models import RefundItem, RefundPayment, ShipmentCreate, ShipmentItemCreate

from .helpers import paid_order


async def test_shipments_advance_status(client):
    order = await paid_order(client, (2, 1))
    lines = await client.order_products(order.id)
    addr = (await client.order_shipping_addresses(order.id))[0]

    async def ship(line, qty):
        await client.create_shipment(
            order.id,
            ShipmentCreate(
                order_address_id=addr.id,
                tracking_number=f"T{line.id}",
                shipping_provider="usps",
                items=[ShipmentItemCreate(order_product_id=line.id, quantity=qty)],
            ),
        )

    await ship(lines[0], 1)
    partial = await client.get_order(order.id)
    assert partial.status_id == 3 and partial.status == "Partially Shipped"
    assert partial.items_shipped == 1 and partial.date_shipped is None
    with pytest.raises(ValidationError):
        await ship(lines[1], 5)  # more than ordered
    await ship(lines[0], 1)
    await ship(lines[1], 1)
    shipped = await client.get_order(order.id)
    assert shipped.status_id == 2 and shipped.status == "Shipped"
    assert shipped.items_shipped == 3 and shipped.date_shipped is not None
    assert [p.quantity_shipped for p in await client.order_products(order.id)] == [2, 1]


async def test_refund_quote_then_partial_then_full(client):
    order = await paid_order(client, (2, 1))
    lines = await client.order_products(order.id)
    first = [RefundItem(item_type="PRODUCT", item_id=lines[0].id, quantity=1)]
    quote = await client.create_refund_quote(order.id, first)
    assert quote.tax_inclusive is False
    assert quote.refund_methods[0][0].amount == quote.total_refund_amount
    with pytest.raises(ValidationError) as wrong:
        await client.create_refund(
            order.id, first, [RefundPayment(provider_id="testgateway", amount=quote.total_refund_amount + 1)]
        )
    assert "does not match" in str(wrong.value)
    with pytest.raises(ValidationError):  # guest: no store credit
        await client.create_refund(
            order.id, first, [RefundPayment(provider_id="storecredit", amount=quote.total_refund_amount, offline=True)]
        )
    await client.create_refund(
        order.id, first, [RefundPayment(provider_id="testgateway", amount=quote.total_refund_amount)]
    )
    partial = await client.get_order(order.id)
    assert partial.status_id == 14 and partial.status == "Partially Refunded"
    assert partial.payment_status == "partially refunded"

    rest = [
        RefundItem(item_type="PRODUCT", item_id=lines[0].id, quantity=1),
        RefundItem(item_type="PRODUCT", item_id=lines[1].id, quantity=1),
    ]
    addr = (await client.order_shipping_addresses(order.id))[0]
    rest.append(RefundItem(item_type="SHIPPING", item_id=addr.id, amount=addr.cost_inc_tax))
    quote2 = await client.create_refund_quote(order.id, rest)
    await client.create_refund(
        order.id, rest, [RefundPayment(provider_id="testgateway", amount=quote2.total_refund_amount)]
    )
    full = await client.get_order(order.id)
    refunds = await client.list_refunds(order.id)
    assert sum((r.total_amount for r in refunds), Decimal(0)) == full.total_inc_tax
    assert full.status_id == 4 and full.status == "Refunded" and full.payment_status == "refunded"
    assert all(p.is_refunded for p in await client.order_products(order.id))
    with pytest.raises(ValidationError):
        await client.create_refund_quote(
            order.id, [RefundItem(item_type="ORDER", item_id=order.id, amount=Decimal("1.00"))]
        )
