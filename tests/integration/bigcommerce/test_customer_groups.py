"""Customer groups (V2) and moving customers between them (``PUT /v3/customers``, 10 a request) through the
client against the sandbox over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from connectors.bigcommerce import BigCommerceClient, ValidationError
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.http import AlreadyExistsError

UPDATE = "PUT /v3/customers"


async def test_groups_are_created_once_and_found_by_name(client: BigCommerceClient) -> None:
    group = await client.create_customer_group("Trade Gold")
    assert group.name == "Trade Gold" and not group.is_default
    with pytest.raises(AlreadyExistsError):
        await client.create_customer_group("Trade Gold")
    assert await client.customer_group_by_name("Trade Gold") == group
    assert await client.customer_group_by_name("Trade") is None
    assert (await client.customer_group_by_name("Wholesale")) is not None


async def test_customers_move_ten_a_request(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    group = await client.create_customer_group("Movers")
    seeded = (await admin.post("/__sandbox/seed/customers", json={"prefix": "mover", "count": 23})).json()["items"]
    assert len(seeded) == 23 and {c["customer_group_id"] for c in seeded} == {0}
    await admin.post("/__sandbox/state/stats/reset")
    moved = await client.set_customer_groups([(c["id"], group.id) for c in seeded])
    assert [c.customer_group_id for c in moved] == [group.id] * 23
    stats = (await admin.get("/__sandbox/state/stats")).json()
    assert stats["by_endpoint"][UPDATE] == 3
    state = (await admin.get("/__sandbox/state/customers", params={"customer_group_id": group.id})).json()
    assert sorted(c["id"] for c in state) == sorted(c["id"] for c in seeded)
    back = await client.set_customer_groups([(seeded[0]["id"], 0)])
    assert back[0].customer_group_id == 0


async def test_an_unknown_group_changes_nobody(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    seeded = (await admin.post("/__sandbox/seed/customers", json={"customers": [
        {"email": "a@example.com"}, {"email": "b@example.com", "customer_group_id": 2}]})).json()["items"]
    with pytest.raises(ValidationError) as info:
        await client.set_customer_groups([(seeded[0]["id"], 2), (seeded[1]["id"], 999)])
    assert info.value.status == 422 and "1.customer_group_id" in str(info.value)
    state = {c["id"]: c["customer_group_id"] for c in (await admin.get("/__sandbox/state/customers")).json()}
    assert (state[seeded[0]["id"]], state[seeded[1]["id"]]) == (0, 2)


async def test_more_than_ten_is_413(admin: httpx.AsyncClient, sandbox: SandboxServer) -> None:
    url = f"/stores/{sandbox.config.store_hash}/v3/customers"
    resp = await admin.put(url, json=[{"id": n, "customer_group_id": 0} for n in range(1, 12)])
    assert resp.status_code == 413
    groups = await admin.post("/__sandbox/seed/customer_groups", json={"names": ["Retail", "New one"]})
    assert [g["name"] for g in groups.json()["items"]] == ["Retail", "New one"]
    assert groups.json()["items"][0]["id"] == 1
