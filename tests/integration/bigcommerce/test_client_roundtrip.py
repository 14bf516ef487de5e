"""Every client method against the sandbox over real HTTP."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.bigcommerce.errors import AuthError, ValidationError
from connectors.bigcommerce.models import (
    InventoryAdjustment,
    PriceRecordUpsert,
    ShipmentCreate,
    ShipmentItemCreate,
    ShipmentUpdate,
    VariantUpdate,
    WebhookCreate,
    WebhookUpdate,
)
from connectors.http import NotFoundError

from .conftest import make_client
from .helpers import address, paid_order, some_variants


async def test_orders(client):
    order = await paid_order(client, _sandbox_coupons=[{"code": "SAVE10", "type": 1, "amount": "10"}])
    assert order.status_id == 11 and order.status == "Awaiting Fulfillment"
    assert isinstance(order.total_inc_tax, Decimal)
    assert order.total_inc_tax == order.total_ex_tax + order.total_tax
    assert order.date_created is not None and order.date_created.tzinfo is not None
    fetched = await client.get_order(order.id)
    assert fetched.total_inc_tax == order.total_inc_tax
    products = await client.order_products(order.id)
    assert [p.quantity for p in products] == [2, 1]
    assert all(p.sku and p.variant_id for p in products)
    addresses = await client.order_shipping_addresses(order.id)
    assert len(addresses) == 1 and addresses[0].cost_ex_tax == Decimal("5.00")
    coupons = await client.order_coupons(order.id)
    assert coupons[0].code == "SAVE10" and coupons[0].discount == order.coupon_discount
    updated = await client.update_order_status(order.id, 9)
    assert updated.status == "Awaiting Shipment"
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert order.id in [o.id async for o in client.list_orders(min_date_modified=since)]
    assert [o async for o in client.list_orders(min_date_modified=datetime.now(UTC) + timedelta(hours=1))] == []
    assert await client.count_orders() == 1
    statuses = {s.id: s.name for s in await client.order_statuses()}
    assert statuses[14] == "Partially Refunded" and statuses[11] == "Awaiting Fulfillment"


async def test_shipments(client):
    order = await paid_order(client)
    assert await client.list_shipments(order.id) == []  # 204 on empty
    products = await client.order_products(order.id)
    addr = (await client.order_shipping_addresses(order.id))[0]
    shipment = await client.create_shipment(
        order.id,
        ShipmentCreate(
            order_address_id=addr.id,
            tracking_number="1Z999",
            shipping_provider="ups",
            items=[ShipmentItemCreate(order_product_id=products[0].id, quantity=1)],
        ),
    )
    assert shipment.items[0].quantity == 1 and shipment.date_created is not None
    changed = await client.update_shipment(order.id, shipment.id, ShipmentUpdate(tracking_number="1Z000"))
    assert changed.tracking_number == "1Z000"
    assert [s.id for s in await client.list_shipments(order.id)] == [shipment.id]


async def test_refunds_and_transactions(client):
    from connectors.bigcommerce.models import RefundItem, RefundPayment

    order = await paid_order(client)
    line = (await client.order_products(order.id))[1]
    items = [RefundItem(item_type="PRODUCT", item_id=line.id, quantity=1)]
    quote = await client.create_refund_quote(order.id, items)
    assert quote.total_refund_amount == line.discounted_total_inc_tax
    refund = await client.create_refund(
        order.id, items, [RefundPayment(provider_id="testgateway", amount=quote.total_refund_amount)]
    )
    assert refund.total_amount == quote.total_refund_amount
    assert [r.id for r in await client.list_refunds(order.id)] == [refund.id]
    events = [t.event for t in await client.list_transactions(order.id)]
    assert events == ["purchase", "refund"]


async def test_catalog(client):
    products = [p async for p in client.list_products(include_variants=True)]
    assert products and all(p.variants for p in products)
    product = await client.get_product(products[0].id, include_variants=True)
    assert product.inventory_tracking == "variant"
    variants = [v async for v in client.product_variants(product.id)]
    assert {v.sku for v in variants} == {v.sku for v in product.variants or []}
    one = await client.get_variant(product.id, variants[0].id)
    assert one.sku == variants[0].sku
    by_sku = [v async for v in client.list_variants(sku=one.sku)]
    assert [v.id for v in by_sku] == [one.id]
    by_product = [v async for v in client.list_variants(product_ids=[product.id])]
    assert len(by_product) == len(variants)
    updated = await client.update_variants([VariantUpdate(id=one.id, price=Decimal("12.34"))])
    assert updated[0].price == Decimal("12.34")
    assert (await client.get_variant(product.id, one.id)).price == Decimal("12.34")


async def test_inventory(client):
    locations = await client.list_locations()
    assert [loc.code for loc in locations][:1] == ["BC-LOCATION-1"] and len(locations) == 3
    v = (await some_variants(client, 1))[0]
    items = [i async for i in client.list_inventory_items(skus=[v.sku])]
    assert len(items) == 1 and len(items[0].locations) == 3
    txns = await client.adjust_inventory_absolute([InventoryAdjustment(sku=v.sku, location_id=2, quantity=42)])
    assert len(txns) == 1 and txns[0]


async def test_customers_and_groups(client):
    groups = await client.customer_groups()
    assert {"Retail", "Wholesale", "Trade Partners"} <= {g.name for g in groups}
    everyone = [c async for c in client.list_customers()]
    target = everyone[3]
    found = await client.get_customer_by_email(target.email.upper())
    assert found is not None and found.id == target.id
    assert await client.get_customer_by_email("nobody@example.org") is None
    assert any(c.customer_group_id != 1 for c in everyone)


async def test_price_lists(client):
    lists = await client.list_price_lists()
    assert lists[0].name == "Wholesale"
    v = (await some_variants(client, 1))[0]
    await client.upsert_price_records(
        lists[0].id, [PriceRecordUpsert(variant_id=v.id, currency="usd", price=Decimal("7.77"))]
    )
    records = [r async for r in client.list_price_records(lists[0].id, variant_ids=[v.id])]
    assert records[0].price == Decimal("7.77")
    assignments = await client.list_price_list_assignments(price_list_id=lists[0].id)
    assert assignments[0].customer_group_id == 2
    trade = next(g for g in await client.customer_groups() if g.name == "Trade Partners")
    with pytest.raises(ValidationError, match="customer group discounts"):  # Trade Partners has a 10 % discount
        await client.upsert_price_list_assignment(lists[0].id, customer_group_id=trade.id, channel_id=1)
    retail = next(g for g in await client.customer_groups() if g.name == "Retail")
    made = await client.upsert_price_list_assignment(lists[0].id, customer_group_id=retail.id, channel_id=1)
    assert made.customer_group_id == retail.id


async def test_webhooks_management(client):
    hook = await client.create_webhook(
        WebhookCreate(scope="store/order/created", destination="http://127.0.0.1:9/hook", headers={"X-Secret": "s"})
    )
    assert hook.is_active and hook.headers == {"X-Secret": "s"}
    assert [h.id for h in await client.list_webhooks()] == [hook.id]
    assert (await client.get_webhook(hook.id)).scope == "store/order/created"
    off = await client.update_webhook(hook.id, WebhookUpdate(is_active=False))
    assert off.is_active is False
    with pytest.raises(ValidationError):
        await client.create_webhook(WebhookCreate(scope="store/order/created", destination="http://127.0.0.1:9/hook"))
    assert (await client.delete_webhook(hook.id)).id == hook.id
    with pytest.raises(NotFoundError):
        await client.get_webhook(hook.id)


async def test_errors_are_classified(client, sandbox):
    with pytest.raises(NotFoundError):
        await client.get_order(999_999)
    with pytest.raises(ValidationError) as info:
        await client.create_order({"billing_address": address(), "products": []})
    assert "products" in str(info.value)
    bad = make_client(sandbox)
    bad.settings = bad.settings.model_copy()
    bad._http.headers["X-Auth-Token"] = "wrong"
    with pytest.raises(AuthError):
        await bad.get_order(1)
    await bad.aclose()
