"""Shipments as BigCommerce validates them, over real HTTP: carriers, providers, lengths, quantities per
address, delete (quantities back, status kept), count, webhooks, and a per-order shipment fault."""

from __future__ import annotations

import asyncio

import pytest

from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.models import ShipmentCreate, ShipmentItemCreate, ShipmentUpdate
from connectors.http import NotFoundError

from .helpers import address, paid_order, some_variants

STORE = "/stores/o2cdemo/v2"


async def _one_line_ship(client, order, qty=1, **fields):
    line = (await client.order_products(order.id))[0]
    addr = (await client.order_shipping_addresses(order.id))[0]
    return line, addr, ShipmentCreate(order_address_id=addr.id, items=[ShipmentItemCreate(
        order_product_id=line.id, quantity=qty)], **fields)


async def _events(admin, scope):
    return [e for e in (await admin.get("/__sandbox/state/webhooks")).json()["events"] if e["scope"] == scope]


async def test_invalid_tracking_carrier_is_a_v2_400_naming_the_field(client, admin):
    order = await paid_order(client, (1,))
    line, addr, _ = await _one_line_ship(client, order)
    raw = await admin.post(f"{STORE}/orders/{order.id}/shipments", json={
        "order_address_id": addr.id, "tracking_number": "1Z1", "tracking_carrier": "not-a-carrier",
        "items": [{"order_product_id": line.id, "quantity": 1}]})
    assert raw.status_code == 400
    body = raw.json()
    assert isinstance(body, list) and body[0]["status"] == 400 and "tracking_carrier" in body[0]["message"]
    assert (await client.get_order(order.id)).items_shipped == 0  # nothing shipped


@pytest.mark.parametrize(("fields", "named"), [
    ({"shipping_provider": "dhl-express"}, "shipping_provider"),
    ({"tracking_number": "X" * 51}, "tracking_number"),
    ({"tracking_link": "https://t.example/" + "x" * 500}, "tracking_link"),
])
async def test_other_field_rules(client, admin, fields, named):
    order = await paid_order(client, (1,))
    line, addr, _ = await _one_line_ship(client, order)
    raw = await admin.post(f"{STORE}/orders/{order.id}/shipments", json={
        "order_address_id": addr.id, "items": [{"order_product_id": line.id, "quantity": 1}], **fields})
    assert raw.status_code == 400 and named in raw.json()[0]["message"]


async def test_valid_carriers_providers_and_generated_link(client):
    order = await paid_order(client, (3,))
    _, _, by_carrier = await _one_line_ship(client, order, tracking_number="DPD123", tracking_carrier="dpd-uk")
    shipment = await client.create_shipment(order.id, by_carrier)
    assert shipment.tracking_carrier == "dpd-uk" and shipment.generated_tracking_link
    assert shipment.tracking_link == ""
    _, _, custom = await _one_line_ship(client, order, tracking_number="C1", shipping_provider="carrier_42",
                                        tracking_link="https://track.example/C1")
    second = await client.create_shipment(order.id, custom)
    assert second.tracking_link == "https://track.example/C1" and second.generated_tracking_link == ""
    with pytest.raises(ValidationError, match="tracking_carrier"):
        await client.update_shipment(order.id, shipment.id, ShipmentUpdate(tracking_carrier="nope"))
    changed = await client.update_shipment(order.id, shipment.id, ShipmentUpdate(tracking_carrier="",
                                                                                 shipping_provider="royalmail"))
    assert changed.shipping_provider == "royalmail" and changed.generated_tracking_link


async def test_put_cannot_change_items(client, admin):
    order = await paid_order(client, (1,))
    _, _, body = await _one_line_ship(client, order)
    shipment = await client.create_shipment(order.id, body)
    raw = await admin.put(f"{STORE}/orders/{order.id}/shipments/{shipment.id}", json={"items": []})
    assert raw.status_code == 400 and "items" in raw.json()[0]["message"]


async def test_delete_gives_quantities_back_keeps_status_and_fires_webhook(client, admin):
    order = await paid_order(client, (1,))
    _, _, body = await _one_line_ship(client, order, tracking_number="1Z9", shipping_provider="ups")
    shipment = await client.create_shipment(order.id, body)
    assert (await client.get_order(order.id)).status_id == 2
    assert (await admin.get(f"{STORE}/orders/{order.id}/shipments/count")).json() == {"count": 1}
    await client.delete_shipment(order.id, shipment.id)
    after = await client.get_order(order.id)
    assert after.status_id == 2 and after.items_shipped == 0  # BigCommerce keeps Shipped
    assert (await client.order_products(order.id))[0].quantity_shipped == 0
    assert await client.list_shipments(order.id) == []
    assert (await admin.get(f"{STORE}/orders/{order.id}/shipments/count")).json() == {"count": 0}
    deleted = await _events(admin, "store/shipment/deleted")
    assert [e["data"]["id"] for e in deleted] == [shipment.id]
    with pytest.raises(NotFoundError):
        await client.delete_shipment(order.id, shipment.id)
    again = await client.create_shipment(order.id, body)  # shippable again
    assert again.items[0].quantity == 1


async def test_delete_all_shipments(client, admin):
    order = await paid_order(client, (2,))
    _, _, body = await _one_line_ship(client, order)
    await client.create_shipment(order.id, body)
    await client.create_shipment(order.id, body)
    assert (await admin.delete(f"{STORE}/orders/{order.id}/shipments")).status_code == 204
    assert (await client.get_order(order.id)).items_shipped == 0


async def test_status_webhooks_on_shipping(client, admin):
    order = await paid_order(client, (2,))
    _, _, body = await _one_line_ship(client, order)
    await client.create_shipment(order.id, body)
    await client.create_shipment(order.id, body)
    updates = [e["data"]["status"] for e in await _events(admin, "store/order/statusUpdated")
               if e["data"]["id"] == order.id]
    assert updates == [{"previous_status_id": 11, "new_status_id": 3}, {"previous_status_id": 3, "new_status_id": 2}]


async def test_two_address_order_shipped_in_two_shipments(client):
    v1, v2 = await some_variants(client, 2)
    order = await client.create_order({
        "status_id": 11, "billing_address": address(),
        "shipping_addresses": [{**address("a@example.com"), "cost_ex_tax": "5.00"},
                               {**address("b@example.com"), "city": "Dallas", "cost_ex_tax": "7.00"}],
        "products": [{"product_id": v1.product_id, "variant_id": v1.id, "quantity": 2},
                     {"product_id": v2.product_id, "variant_id": v2.id, "quantity": 1, "_sandbox_address_index": 1}],
    })
    first, second = await client.order_shipping_addresses(order.id)
    lines = await client.order_products(order.id)
    assert [line.order_address_id for line in lines] == [first.id, second.id]
    with pytest.raises(ValidationError, match="not part of this address"):
        await client.create_shipment(order.id, ShipmentCreate(order_address_id=first.id, items=[
            ShipmentItemCreate(order_product_id=lines[1].id, quantity=1)]))
    await client.create_shipment(order.id, ShipmentCreate(order_address_id=first.id, tracking_number="A1",
                                                          shipping_provider="usps", items=[
        ShipmentItemCreate(order_product_id=lines[0].id, quantity=2)]))
    assert (await client.get_order(order.id)).status_id == 3
    with pytest.raises(ValidationError, match="exceeds"):
        await client.create_shipment(order.id, ShipmentCreate(order_address_id=second.id, items=[
            ShipmentItemCreate(order_product_id=lines[1].id, quantity=2)]))
    s2 = await client.create_shipment(order.id, ShipmentCreate(order_address_id=second.id, tracking_number="B1",
                                                               tracking_carrier="fedex", items=[
        ShipmentItemCreate(order_product_id=lines[1].id, quantity=1)]))
    assert s2.order_address_id == second.id
    done = await client.get_order(order.id)
    assert done.status_id == 2 and done.items_shipped == 3
    assert [a.items_shipped for a in await client.order_shipping_addresses(order.id)] == [2, 1]


async def test_fault_makes_one_orders_shipment_post_422_in_a_burst(quick, admin):
    orders = [await paid_order(quick, (1,)) for _ in range(4)]
    bad = orders[2].id
    resp = await admin.post("/__sandbox/faults/orders", json={
        "order_id": bad, "status": 422, "message": "Shipment could not be created.", "path": "shipments",
        "method": "POST"})
    assert resp.status_code == 200
    bodies = [(await _one_line_ship(quick, o))[2] for o in orders]  # reads of the faulted order still work
    results = await asyncio.gather(*(quick.create_shipment(o.id, b) for o, b in zip(orders, bodies, strict=True)),
                                   return_exceptions=True)
    failed = [o.id for o, r in zip(orders, results, strict=True) if isinstance(r, Exception)]
    assert failed == [bad]
    error = results[2]
    assert isinstance(error, ValidationError) and error.status == 422
    assert error.details == [{"status": 422, "message": "Shipment could not be created."}]
    assert await quick.list_shipments(bad) == []  # GET under shipments is not faulted


async def test_admin_lists_every_shipment_with_its_items(client, admin):
    order = await paid_order(client)
    line, _, create = await _one_line_ship(client, order, tracking_number="Z9", tracking_carrier="ups")
    made = await client.create_shipment(order.id, create)
    listed = [s for s in (await admin.get("/__sandbox/state/shipments")).json() if s["order_id"] == order.id]
    assert listed == [{**{k: listed[0][k] for k in listed[0]}, "id": made.id, "tracking_number": "Z9",
                       "tracking_carrier": "ups", "items": [{"order_product_id": line.id,
                                                             "product_id": line.product_id, "quantity": 1}]}]
