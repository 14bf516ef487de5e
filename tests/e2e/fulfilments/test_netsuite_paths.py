"""A fulfilment made in the NetSuite sandbox reaches BigCommerce as a shipment through the NetSuite source:
polled (no webhook: the worker's start-up poll) and pushed (the user-event script's signed notice starts a poll;
the fulfilment timer is an hour, so only the push can find it); packages with cartons become one shipment each
(read with one GET of the fulfilment); a fulfilment deleted in NetSuite (``deletedrecord``) deletes its shipment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.netsuite.push import sign
from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from tests.e2e.fulfilments.test_shipments import new_order
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

SECRET = "e2e-fulfilment-push"


async def sales_order(admin: httpx.AsyncClient, store: str, order_id: int, lines: list[tuple[str, int, int]]) -> str:
    response = await admin.post(
        "/__sandbox/records/salesOrder",
        json={
            "externalId": f"BC-SO-{store}-{order_id}",
            "entity": {"id": "101"},
            "location": {"id": "1"},
            "custbody_bc_order_id": str(order_id),
            "custbody_bc_store_hash": store,
            "item": {
                "items": [
                    {"item": {"id": item}, "quantity": qty, "rate": 10, "custcol_bc_order_product_id": product}
                    for item, qty, product in lines
                ]
            },
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_polled_and_pushed_fulfilments_become_shipments(
    kafka: KafkaBroker,
    netsuite: SandboxHandle,
    sandbox: SandboxServer,
    client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess],
) -> None:
    store = sandbox.config.store_hash
    admin = httpx.AsyncClient(base_url=netsuite.url)
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    skus = sorted(s for s in items if s.count("-") == 2)[:2]
    for sku in skus:
        (
            await admin.post("/__sandbox/warehouse/stock", json={"sku": sku, "location": "1", "quantity": 50})
        ).raise_for_status()
    polled, pushed = await new_order(client, (2, 1)), await new_order(client, (1,))
    pp = [p.id for p in await client.order_products(polled.id)]
    (qp,) = [p.id for p in await client.order_products(pushed.id)]
    so1 = await sales_order(admin, store, polled.id, [(items[skus[0]], 2, pp[0]), (items[skus[1]], 1, pp[1])])
    so2 = await sales_order(admin, store, pushed.id, [(items[skus[0]], 1, qp)])
    shipped = await admin.post(
        "/__sandbox/warehouse/fulfil",
        json={
            "salesOrder": so1,
            "lines": [{"sku": skus[0], "quantity": 1}],
            "shipMethod": "UPS Ground",
            "tracking": ["1z 55 ab"],
        },
    )
    assert shipped.status_code == 201, shipped.text

    worker = await asyncio.to_thread(
        make_worker,
        O2C_FULFILMENTS_ENABLED="true",
        O2C_BC_API_BASE=sandbox.url,
        O2C_BC_STORE_HASH=store,
        O2C_NS_SOURCE_ENABLED="true",
        O2C_NS_BASE_URL=netsuite.url,
        O2C_NS_PUSH_SECRET=SECRET,
        O2C_NS_FULFILMENTS_POLL_SECONDS="3600",
        O2C_NS_ITEMS_POLL_SECONDS="0",
        O2C_NS_STOCK_POLL_SECONDS="0",
        O2C_NS_PRICES_POLL_SECONDS="0",
        O2C_NS_CUSTOMERS_POLL_SECONDS="0",
    )

    async def shipments(order_id: int) -> list[Any]:
        return await client.list_shipments(order_id)

    async def polled_shipped() -> bool:
        return len(await shipments(polled.id)) == 1

    await eventually(polled_shipped, timeout=60, what="the polled fulfilment's shipment")
    (first,) = await shipments(polled.id)
    assert (first.tracking_number, first.tracking_carrier) == ("1Z55AB", "ups")
    assert [(i.order_product_id, i.quantity) for i in first.items] == [(pp[0], 1)]
    assert (await client.get_order(polled.id)).status_id == 3  # Partially Shipped

    shipped = await admin.post(
        "/__sandbox/warehouse/fulfil", json={"salesOrder": so2, "shipMethod": "FedEx 2Day", "tracking": ["FX900"]}
    )
    assert shipped.status_code == 201, shipped.text
    body = b'{"recordType":"itemfulfillment","id":"1","type":"ship"}'
    stamp = str(int(time.time()))
    async with httpx.AsyncClient(base_url=worker.webhook_url) as web:
        answer = await web.post(
            "/webhooks/netsuite",
            content=body,
            headers={"X-O2C-Timestamp": stamp, "X-O2C-Signature": sign(SECRET, stamp, body)},
        )
    assert answer.status_code == 202 and "fulfilments" in answer.json()["polls"]

    async def pushed_shipped() -> bool:
        return len(await shipments(pushed.id)) == 1

    await eventually(pushed_shipped, timeout=60, what="the pushed fulfilment's shipment")
    (second,) = await shipments(pushed.id)
    assert (
        second.tracking_number,
        second.tracking_carrier,
        [(i.order_product_id, i.quantity) for i in second.items],
    ) == ("FX900", "fedex", [(qp, 1)])
    assert len(await shipments(polled.id)) == 1  # the second poll did not send the first one again

    async def push() -> None:
        stamp = str(int(time.time()))
        async with httpx.AsyncClient(base_url=worker.webhook_url) as web:
            answer = await web.post(
                "/webhooks/netsuite",
                content=body,
                headers={"X-O2C-Timestamp": stamp, "X-O2C-Signature": sign(SECRET, stamp, body)},
            )
        assert answer.status_code == 202

    # the rest of the first order in two cartons: one shipment per package, each with its tracking number
    shipped = await admin.post(
        "/__sandbox/warehouse/fulfil",
        json={
            "salesOrder": so1,
            "shipMethod": "DHL Express Worldwide",
            "lines": [{"sku": skus[0], "quantity": 1}, {"sku": skus[1], "quantity": 1}],
            "packages": [
                {"tracking": "JD01", "carton": "C1", "weight": 1.0, "lines": [{"sku": skus[0], "quantity": 1}]},
                {"tracking": "jd 02", "carton": "C2", "weight": 2.0, "lines": [{"sku": skus[1], "quantity": 1}]},
            ],
        },
    )
    assert shipped.status_code == 201, shipped.text
    await push()

    async def three() -> bool:
        return len(await shipments(polled.id)) == 3

    await eventually(three, timeout=60, what="one shipment per package")
    by_tracking = {s.tracking_number: s for s in await shipments(polled.id)}
    assert [(i.order_product_id, i.quantity) for i in by_tracking["JD01"].items] == [(pp[0], 1)]
    assert [(i.order_product_id, i.quantity) for i in by_tracking["JD02"].items] == [(pp[1], 1)]
    assert by_tracking["JD02"].tracking_carrier == "dhl"
    assert (await client.get_order(polled.id)).status_id == 2  # Shipped

    # the pushed order's fulfilment is deleted in NetSuite: its shipment is deleted
    fulfilment_id = next(
        r["id"]
        for r in (await admin.get("/__sandbox/records/itemFulfillment")).json()
        if str((r.get("createdFrom") or {}).get("id")) == so2
    )
    (await admin.delete(f"/__sandbox/warehouse/fulfilment/{fulfilment_id}")).raise_for_status()
    await push()

    async def deleted() -> bool:
        return await shipments(pushed.id) == []

    await eventually(deleted, timeout=60, what="the deleted fulfilment's shipment deleted")
    await admin.aclose()
