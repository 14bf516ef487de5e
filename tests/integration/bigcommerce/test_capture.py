"""Payment capture over real HTTP: an authorized order is captured (capture pending, then captured with a
``capture`` transaction); any other is a 422 V3 error."""

from __future__ import annotations

import pytest

from connectors.bigcommerce.errors import ValidationError

from .conftest import eventually
from .helpers import paid_order

V3 = "/stores/o2cdemo/v3"


async def test_capture_authorized_order(client, admin):
    await admin.post("/__sandbox/config", json={"capture_delay_ms": 100})
    order = await paid_order(client, (1,), _sandbox_payment_status="authorized")
    assert order.payment_status == "authorized"
    assert [t.event for t in await client.list_transactions(order.id)] == ["authorization"]
    await client.capture_payment(order.id)
    assert (await client.get_order(order.id)).payment_status == "capture pending"

    async def captured() -> bool:
        return (await client.get_order(order.id)).payment_status == "captured"

    await eventually(captured)
    transactions = await client.list_transactions(order.id)
    assert [t.event for t in transactions] == ["authorization", "capture"]
    assert transactions[1].amount == order.total_inc_tax


async def test_capture_response_is_201_empty_object(client, admin):
    await admin.post("/__sandbox/config", json={"capture_delay_ms": 0})
    order = await paid_order(client, (1,), _sandbox_payment_status="authorized")
    raw = await admin.post(f"{V3}/orders/{order.id}/payment_actions/capture", json={})
    assert raw.status_code == 201 and raw.json() == {}
    assert (await client.get_order(order.id)).payment_status == "captured"  # delay 0: at once


async def test_capture_not_authorized_is_422(client, admin):
    order = await paid_order(client, (1,))  # already captured
    with pytest.raises(ValidationError, match="not 'authorized'") as err:
        await client.capture_payment(order.id)
    assert err.value.status == 422
    raw = await admin.post(f"{V3}/orders/{order.id}/payment_actions/capture", json={})
    body = raw.json()
    assert raw.status_code == 422 and body["status"] == 422 and "captured" in body["title"]
    assert [t.event for t in await client.list_transactions(order.id)] == ["purchase"]


async def test_capture_twice_is_422(client, admin):
    await admin.post("/__sandbox/config", json={"capture_delay_ms": 0})
    order = await paid_order(client, (1,), _sandbox_payment_status="authorized")
    await client.capture_payment(order.id)
    with pytest.raises(ValidationError):
        await client.capture_payment(order.id)
