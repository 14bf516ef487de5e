"""Asynchronous inventory adjustments, per-location stock and drift injection."""

from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.models import InventoryAdjustment

from .conftest import eventually
from .helpers import some_variants


async def test_absolute_adjustment_becomes_visible(client, admin, sandbox):
    await admin.post("/__sandbox/config", json={"inventory_delay_ms": 150})
    v = (await some_variants(client, 1))[0]
    (before,) = [i async for i in client.list_inventory_items(skus=[v.sku])]
    target_east = before.onhand(2) + 17
    txns = await client.adjust_inventory_absolute(
        [
            InventoryAdjustment(sku=v.sku, location_id=1, quantity=55),
            InventoryAdjustment(variant_id=v.id, location_id=2, quantity=target_east),
        ]
    )
    assert txns

    async def applied():
        (item,) = [i async for i in client.list_inventory_items(skus=[v.sku])]
        return item.onhand(1) == 55 and item.onhand(2) == target_east

    await eventually(applied)
    state = (await admin.get("/__sandbox/state/inventory")).json()
    assert state["pending_adjustments"] == 0 and txns[0] in state["applied_transactions"]
    row = next(i for i in state["items"] if i["sku"] == v.sku)
    assert row["locations"]["1"] == 55
    assert (await client.get_variant(v.product_id, v.id)).inventory_level == 55  # catalog = default location


async def test_rejects_unknown_items(client):
    import pytest

    with pytest.raises(ValidationError):
        await client.adjust_inventory_absolute([InventoryAdjustment(sku="NOPE-XXX-M", quantity=1)])


async def test_drift_injection_changes_stock_silently(client, admin):
    v = (await some_variants(client, 1))[0]
    resp = await admin.post("/__sandbox/inventory/drift", json={"sku": v.sku, "location_id": 3, "quantity": 999})
    assert resp.status_code == 200
    (item,) = [i async for i in client.list_inventory_items(skus=[v.sku], location_ids=[3])]
    assert item.onhand() == 999 and [loc.location_id for loc in item.locations] == [3]
