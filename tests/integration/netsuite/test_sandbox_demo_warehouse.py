"""The demo warehouse inside a running sandbox: the orders it ships become real item fulfilments."""

from __future__ import annotations

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.sandbox import SandboxHandle
from connectors.netsuite.sandbox.app import STATE_KEY
from connectors.netsuite.sandbox.demo_warehouse import DemoWarehouse, plan
from tests.integration.netsuite.test_sandbox_fulfilments import _order


async def test_orders_it_ships_are_fulfilled_and_partial_ones_finish_later(sandbox: SandboxHandle,
                                                                           client: NetSuiteClient, admin) -> None:
    ids = [(await _order(client, admin, f"BC-SO-demo-wh-{n}"))[0] for n in range(12)]
    job = DemoWarehouse(lambda: sandbox.app[STATE_KEY], share=1.0, delay=0.0)
    job.tick(0.0)  # first sight: every order is shipped now, partial ones partly
    job.tick(1.0)  # the partial ones' rest (one delay = 0 s later)
    fulfilments = [r for r in (await admin.get("/__sandbox/records/itemFulfillment")).json()
                   if str(r["createdFrom"]["id"]) in ids]
    assert job.shipped == len(fulfilments) >= len(ids)
    for so in ids:
        order = await client.get("salesOrder", so, expand=True)
        assert [x["quantityFulfilled"] for x in order["item"]["items"]] == [3, 2]
    assert any(len(r["package"]["items"]) == 2 for r in fulfilments) or not any(
        p is not None and len(p.packages) == 2
        for p in (plan({"externalId": f"BC-SO-demo-wh-{n}", "item": {"items": [
            {"line": 1, "quantity": 3}, {"line": 2, "quantity": 2}]}}, 1.0) for n in range(12)))
    assert all(r["package"]["items"][0]["packageTrackingNumber"] for r in fulfilments)
