"""Order metafields: client ↔ sandbox over real HTTP, checked against the official orders.v3.yml.

Batch create and update (200, and the 422 partial success when a (order, namespace, key) already exists),
listing by namespace/key on the batch endpoint and per order, the request bodies as sent, and the
sandbox's per-endpoint request counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import jsonschema
import orjson
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.models import OrderMetafieldCreate, OrderMetafieldUpdate
from connectors.bigcommerce.sandbox import SandboxServer

from .helpers import paid_order
from .test_openapi import SPECS, validate
from .test_openapi_requests import request_schema

pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="official specs not available")

SPEC = "orders.v3.yml"
BATCH = "/orders/metafields"


def mf(order_id: int, value: str, *, key: str = "netsuite_sales_order") -> OrderMetafieldCreate:
    return OrderMetafieldCreate(resource_id=order_id, namespace="o2c", key=key, value=value,
                                description=f"NetSuite sales order for {order_id}")


@pytest.fixture
async def recorded(sandbox: SandboxServer) -> AsyncIterator[tuple[BigCommerceClient, list[httpx.Request]]]:
    """A client whose every request body is kept as sent."""
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        if request.content:
            sent.append(request)

    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash)
    http = httpx.AsyncClient(headers=settings.auth_headers(), event_hooks={"request": [record]})
    client = BigCommerceClient(settings, governor=RateLimitGovernor("metafields-spec", policy=PacingPolicy()),
                               http=http)
    try:
        yield client, sent
    finally:
        await http.aclose()


async def test_batch_create_update_and_list_through_the_client(recorded, sandbox, admin) -> None:
    client, sent = recorded
    orders = [await paid_order(client) for _ in range(3)]
    await admin.post("/__sandbox/state/stats/reset")

    created = await client.create_order_metafields([mf(o.id, f"SO{n}") for n, o in enumerate(orders)])
    assert not created.partial and created.meta.success == 3
    assert sorted(m.resource_id for m in created.data) == sorted(o.id for o in orders)
    first = next(m for m in created.data if m.resource_id == orders[0].id)
    assert (first.namespace, first.key, first.value, first.permission_set) == ("o2c", "netsuite_sales_order", "SO0",
                                                                                "app_only")

    # the same (order, namespace, key) again: 422 partial success, the new one is still written
    other = await paid_order(client)
    again = await client.create_order_metafields([mf(orders[0].id, "SO-again"), mf(other.id, "SO9")])
    assert again.partial and again.meta.failed == 1 and again.meta.success == 1
    assert [m.resource_id for m in again.data] == [other.id]
    assert again.errors[0].status == 409 and "already exists" in again.errors[0].title

    updated = await client.update_order_metafields([
        OrderMetafieldUpdate(id=first.id, namespace="o2c", key="netsuite_sales_order", value="SO0-B",
                             description="renumbered"),
        OrderMetafieldUpdate(id=999_999, namespace="o2c", key="netsuite_sales_order", value="x"),
    ])
    assert updated.partial and [m.value for m in updated.data] == ["SO0-B"]
    assert updated.errors[0].status == 404

    listed = [m async for m in client.list_order_metafields(namespace="o2c", key="netsuite_sales_order", limit=2)]
    assert sorted(m.resource_id for m in listed) == sorted([*(o.id for o in orders), other.id])
    newest = [m async for m in client.list_order_metafields(keys=["netsuite_sales_order"], direction="desc")]
    assert [m.id for m in newest] == sorted((m.id for m in newest), reverse=True)
    assert [m async for m in client.list_order_metafields(namespace="someone-else")] == []
    one = await client.order_metafields(orders[0].id, namespace="o2c", key="netsuite_sales_order")
    assert [(m.id, m.value, m.description) for m in one] == [(first.id, "SO0-B", "renumbered")]
    assert await client.order_metafields(orders[1].id, key="other") == []

    # every body the client sent validates against its operation's requestBody
    batch_requests = [r for r in sent if r.url.path.endswith("/v3/orders/metafields")]
    for request in batch_requests:
        schema = request_schema(SPEC, BATCH, request.method.lower())
        jsonschema.Draft7Validator(schema).validate(orjson.loads(request.content))
    assert [r.method for r in batch_requests] == ["POST", "POST", "PUT"]

    by_endpoint = (await admin.get("/__sandbox/state/stats")).json()["by_endpoint"]
    assert by_endpoint["POST /v3/orders/metafields"] == 2
    assert by_endpoint["PUT /v3/orders/metafields"] == 1
    assert by_endpoint["GET /v3/orders/metafields"] >= 3
    assert by_endpoint["GET /v3/orders/{order_id}/metafields"] == 2


async def test_sandbox_responses_match_the_spec(client, admin, sandbox) -> None:
    order, second = await paid_order(client), await paid_order(client)
    path = f"/stores/{sandbox.config.store_hash}/v3/orders/metafields"
    item = mf(order.id, "SO1").body()

    ok = await admin.post(path, json=[item])
    assert ok.status_code == 200 and ok.json()["errors"] == []
    validate(ok.json(), SPEC, BATCH, "post", "200")

    partial = await admin.post(path, json=[item, mf(second.id, "SO2").body()])
    assert partial.status_code == 422
    body = partial.json()
    validate(body, SPEC, BATCH, "post", "422")
    assert body["meta"] == {"total": 2, "success": 1, "failed": 1}
    assert [d["resource_id"] for d in body["data"]] == [second.id]
    assert body["errors"][0]["status"] == 409 and body["errors"][0]["errors"] == {"0": body["errors"][0]["title"]}

    mid = ok.json()["data"][0]["id"]
    put = await admin.put(path, json=[{"id": mid, "permission_set": "read", "namespace": "o2c",
                                       "key": "netsuite_sales_order", "value": "SO1-B"}])
    assert put.status_code == 200
    validate(put.json(), SPEC, BATCH, "put", "200")
    assert put.json()["data"][0]["permission_set"] == "read"
    put_partial = await admin.put(path, json=[{"id": mid, "permission_set": "read", "namespace": "o2c",
                                               "key": "netsuite_sales_order", "value": "SO1-C"},
                                              {"id": 424242, "permission_set": "read", "namespace": "o2c",
                                               "key": "k", "value": "v"}])
    assert put_partial.status_code == 422
    validate(put_partial.json(), SPEC, BATCH, "put", "422")

    listed = await admin.get(path, params={"namespace": "o2c", "limit": 1})
    validate(listed.json(), SPEC, BATCH, "get", "200")
    assert listed.json()["meta"]["pagination"]["total"] == 2
    per_order = await admin.get(f"/stores/{sandbox.config.store_hash}/v3/orders/{order.id}/metafields")
    validate(per_order.json(), SPEC, "/orders/{order_id}/metafields", "get", "200")
    assert [d["value"] for d in per_order.json()["data"]] == ["SO1-C"]

    # invalid input: not an array → 400; an invalid item or a missing order → refused item (422 partial)
    assert (await admin.post(path, json={"resource_id": order.id})).status_code == 400
    bad = await admin.post(path, json=[{"resource_id": order.id, "namespace": "o2c", "key": "k", "value": ""},
                                       {**mf(10**9, "x").body()}])
    assert bad.status_code == 422
    assert {e["status"] for e in bad.json()["errors"]} == {422, 404}
    assert (await admin.get(f"/stores/{sandbox.config.store_hash}/v3/orders/{10**9}/metafields")).status_code == 404


async def test_a_whole_request_refusal_is_a_validation_error(client, sandbox) -> None:
    """A 400 (no partial-success body) is raised, not mistaken for an answer."""
    http = httpx.AsyncClient(base_url=sandbox.url, headers={"X-Auth-Token": "sandbox-token"})
    try:
        response = await http.post(f"/stores/{sandbox.config.store_hash}/v3/orders/metafields", json=[])
        assert response.status_code == 400
    finally:
        await http.aclose()
    with pytest.raises(ValidationError):
        await client.request("POST", "v3", "/orders/metafields", endpoint="order_metafields_create", json=[])
    result = await client.create_order_metafields([])
    assert result.data == [] and result.meta.total == 0
