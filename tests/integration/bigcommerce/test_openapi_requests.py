"""Every request body the client sends validates against BigCommerce's official OpenAPI specs.

Requests go over real HTTP to the sandbox; an httpx request hook records each body as sent, and each
is checked against the named operation's ``requestBody`` schema (spec file, path, method).
"""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import jsonschema
import orjson
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.models import (
    BulkPricingTier,
    InventoryAdjustment,
    PriceRecordUpsert,
    RefundItem,
    RefundPayment,
    ShipmentCreate,
    ShipmentItemCreate,
    ShipmentUpdate,
    VariantUpdate,
    WebhookCreate,
    WebhookUpdate,
)
from connectors.bigcommerce.sandbox import SandboxServer

from .helpers import paid_order, some_variants
from .test_openapi import SPECS, _resolve, _spec

pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="official specs not available")

#: (method, path under /stores/{hash}/vN) → (spec file, spec path, spec method)
OPERATIONS: list[tuple[str, str, tuple[str, str, str]]] = [
    ("POST", r"/v2/orders", ("orders.v2.oas2.yml", "/orders", "post")),
    ("PUT", r"/v2/orders/\d+", ("orders.v2.oas2.yml", "/orders/{order_id}", "put")),
    ("POST", r"/v2/orders/\d+/shipments", ("orders.v2.oas2.yml", "/orders/{order_id}/shipments", "post")),
    ("PUT", r"/v2/orders/\d+/shipments/\d+",
     ("orders.v2.oas2.yml", "/orders/{order_id}/shipments/{shipment_id}", "put")),
    ("POST", r"/v3/orders/\d+/payment_actions/refund_quotes",
     ("orders.v3.yml", "/orders/{order_id}/payment_actions/refund_quotes", "post")),
    ("POST", r"/v3/orders/\d+/payment_actions/refunds",
     ("orders.v3.yml", "/orders/{order_id}/payment_actions/refunds", "post")),
    ("PUT", r"/v3/catalog/variants", ("product-variants_catalog.v3.yml", "/catalog/variants", "put")),
    ("PUT", r"/v3/inventory/adjustments/absolute", ("inventory.v3.yml", "/inventory/adjustments/absolute", "put")),
    ("POST", r"/v3/pricelists", ("price_lists.v3.yml", "/pricelists", "post")),
    ("PUT", r"/v3/pricelists/\d+", ("price_lists.v3.yml", "/pricelists/{price_list_id}", "put")),
    ("PUT", r"/v3/pricelists/\d+/records", ("price_lists.v3.yml", "/pricelists/{price_list_id}/records", "put")),
    ("PUT", r"/v3/pricelists/\d+/assignments",
     ("price_lists.v3.yml", "/pricelists/{price_list_id}/assignments", "put")),
    ("POST", r"/v2/customer_groups", ("customers.v2.yml", "/customer_groups", "post")),
    ("PUT", r"/v3/customers", ("customers.v3.yml", "/customers", "put")),
    ("POST", r"/v3/hooks", ("webhooks.v3.yml", "/hooks", "post")),
    ("PUT", r"/v3/hooks/\d+", ("webhooks.v3.yml", "/hooks/{webhook_id}", "put")),
]


def request_schema(spec_name: str, path: str, method: str) -> dict[str, Any]:
    spec = _spec(spec_name)
    body = _resolve(spec, copy.deepcopy(spec["paths"][path][method]["requestBody"]))
    return dict(body["content"]["application/json"]["schema"])


def operation(method: str, url: str) -> tuple[str, str, str] | None:
    path = re.sub(r"^.*/stores/[^/]+", "", url.split("?")[0])
    for m, pattern, op in OPERATIONS:
        if m == method and re.fullmatch(pattern, path):
            return op
    return None


@pytest.fixture
async def recorded(sandbox: SandboxServer) -> AsyncIterator[tuple[BigCommerceClient, list[httpx.Request]]]:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        if request.content:
            sent.append(request)

    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash)
    http = httpx.AsyncClient(headers=settings.auth_headers(), event_hooks={"request": [record]})
    client = BigCommerceClient(settings, governor=RateLimitGovernor("req-spec", policy=PacingPolicy()), http=http)
    try:
        yield client, sent
    finally:
        await http.aclose()


async def test_every_request_body_matches_its_operation(recorded) -> None:
    client, sent = recorded
    order = await paid_order(client)
    await client.update_order_status(order.id, 11)
    lines = await client.order_products(order.id)
    address = (await client.order_shipping_addresses(order.id))[0]
    shipment = await client.create_shipment(order.id, ShipmentCreate(
        order_address_id=address.id, tracking_number="1Z999", shipping_provider="ups", tracking_carrier="ups",
        items=[ShipmentItemCreate(order_product_id=lines[0].id, quantity=1)]))
    await client.update_shipment(order.id, shipment.id, ShipmentUpdate(tracking_number="1Z998",
                                                                       shipping_provider="ups"))
    items = [RefundItem(item_type="PRODUCT", item_id=lines[-1].id, quantity=1)]
    quote = await client.create_refund_quote(order.id, items)
    await client.create_refund(order.id, items, [RefundPayment(provider_id="testgateway",
                                                                amount=quote.total_refund_amount)],
                               reason="damaged")
    variants = await some_variants(client, 2)
    await client.update_variants([VariantUpdate(id=variants[0].id, price=Decimal("12.34"), inventory_level=None),
                                  VariantUpdate(id=variants[1].id, sale_price=Decimal("9.99"))])
    await client.adjust_inventory_absolute([InventoryAdjustment(sku=variants[0].sku, quantity=5, location_id=1),
                                            InventoryAdjustment(variant_id=variants[1].id, quantity=0)])
    price_list = await client.create_price_list("Spec list")
    await client.update_price_list(price_list.id, name="Spec list", active=False)
    tiers = [BulkPricingTier(quantity_min=1, quantity_max=9, type="fixed", amount=Decimal("7.50")),
             BulkPricingTier(quantity_min=10, type="percent", amount=Decimal("2.5"))]
    await client.upsert_price_records(price_list.id, [
        PriceRecordUpsert(variant_id=variants[0].id, currency="usd", price=Decimal("7.77"), bulk_pricing_tiers=tiers),
        PriceRecordUpsert(sku=variants[1].sku, currency="usd", price=Decimal("8.50"), sale_price=Decimal("8.00"))])
    group = await client.create_customer_group("Spec group")
    await client.upsert_price_list_assignment(price_list.id, customer_group_id=group.id)
    await client.set_customer_groups([(1, group.id), (2, 0)])
    hook = await client.create_webhook(WebhookCreate(scope="store/order/created",
                                                     destination="https://example.invalid/webhooks/bigcommerce",
                                                     headers={"X-O2C-Webhook-Secret": "s"}))
    await client.update_webhook(hook.id, WebhookUpdate(is_active=True, headers={"X-O2C-Webhook-Secret": "t"}))

    checked: set[tuple[str, str, str]] = set()
    for request in sent:
        op = operation(request.method, str(request.url))
        assert op is not None, f"no spec operation mapped for {request.method} {request.url}"
        body = orjson.loads(request.content)
        jsonschema.Draft7Validator(request_schema(*op)).validate(body)
        checked.add(op)
    assert checked == {op for _, _, op in OPERATIONS}
