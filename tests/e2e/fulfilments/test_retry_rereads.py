"""An operator's retry of a fulfilment problem reads the item fulfilment again from NetSuite (not the stored
event): real broker, PostgreSQL, worker, the NetSuite and BigCommerce sandboxes over HTTP.

A fulfilment made in the NetSuite sandbox with a tracking number BigCommerce cannot take reaches the worker
through the NetSuite source's start-up poll (its fulfilment timer is an hour and nothing pushes, so no later
change reaches o2c on its own) and becomes a ``tracking_invalid`` exception with nothing shipped. A retry
while NetSuite still holds the bad number goes back to ``open`` with ``last_retry_note``; the number is then
corrected in NetSuite, and the next retry ships it: the shipment is in BigCommerce with the corrected number
before the exception leaves ``retrying``, and it is resolved only then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import httpx

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from state.db import create_pool
from streams.platform import exception_actions
from tests.e2e.fulfilments.test_netsuite_paths import sales_order
from tests.e2e.fulfilments.test_shipments import new_order
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

BAD = "1Z 999 AA1 " + "0" * 60  # 69 characters once the spaces go; BigCommerce takes at most 50


async def test_a_retried_fulfilment_ships_what_netsuite_holds_now(
    kafka: KafkaBroker,
    netsuite: SandboxHandle,
    sandbox: SandboxServer,
    client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    store = sandbox.config.store_hash
    admin = httpx.AsyncClient(base_url=netsuite.url, timeout=30)
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    sku = sorted(s for s in items if s.count("-") == 2)[0]
    (await admin.post("/__sandbox/warehouse/stock", json={"sku": sku, "location": "1", "quantity": 10})
     ).raise_for_status()
    order = await new_order(client, (2,))
    (product,) = [p.id for p in await client.order_products(order.id)]
    so = await sales_order(admin, store, order.id, [(items[sku], 2, product)])
    shipped = await admin.post("/__sandbox/warehouse/fulfil",
                               json={"salesOrder": so, "shipMethod": "UPS Ground", "tracking": [BAD]})
    assert shipped.status_code == 201, shipped.text
    fulfilment_id = str(shipped.json()["itemFulfillment"])

    await asyncio.to_thread(
        make_worker,
        O2C_FULFILMENTS_ENABLED="true",
        O2C_BC_API_BASE=sandbox.url,
        O2C_BC_STORE_HASH=store,
        O2C_NS_SOURCE_ENABLED="true",
        O2C_NS_BASE_URL=netsuite.url,
        O2C_NS_FULFILMENTS_POLL_SECONDS="3600",  # the start-up poll only: later edits reach o2c by a retry alone
        O2C_NS_ITEMS_POLL_SECONDS="0",
        O2C_NS_STOCK_POLL_SECONDS="0",
        O2C_NS_PRICES_POLL_SECONDS="0",
        O2C_NS_CUSTOMERS_POLL_SECONDS="0",
    )
    pool = await create_pool(worker_env["O2C_DATABASE_URL"])
    try:
        async def exception() -> asyncpg.Record | None:
            return await pool.fetchrow("SELECT * FROM exceptions WHERE kind = 'tracking_invalid' AND ns_id = $1",
                                       fulfilment_id)

        async def recorded() -> bool:
            return await exception() is not None

        await eventually(recorded, timeout=90, what="a tracking_invalid exception")
        row = await exception()
        assert row is not None and row["status"] == "open"
        exception_id = row["id"]
        assert await client.list_shipments(order.id) == []

        async def retry() -> None:
            result = await exception_actions.retry(pool, exception_id, actor="e2e", role="operator", source="page")
            assert result.ok, result.message

        # NetSuite still holds the bad number: read again, refused again → open, with the reason as its note
        await retry()

        async def reopened() -> bool:
            now = await exception()
            return now is not None and now["status"] == "open" and now["last_retry_note"] is not None

        await eventually(reopened, timeout=60, what="the failed retry back to open")
        row = await exception()
        assert row is not None
        assert row["occurrences"] == 2 and row["retries"] == 1 and "50" in row["last_retry_note"]
        assert await client.list_shipments(order.id) == []

        # corrected in NetSuite (no poll and no push: only the retry's re-read can see it), then retried
        edited = await admin.post(f"/__sandbox/warehouse/fulfilment/{fulfilment_id}", json={"tracking": ["1z 777 ok"]})
        assert edited.status_code == 200, edited.text
        await asyncio.sleep(2)
        assert await client.list_shipments(order.id) == []  # nothing saw the edit on its own
        await retry()

        async def settled() -> bool:
            now = await exception()
            if now is None or now["status"] == "retrying":
                return False
            assert len(await client.list_shipments(order.id)) == 1, "settled before the shipment was in BigCommerce"
            return True

        await eventually(settled, timeout=60, what="the retried exception settled")
        row = await exception()
        assert row is not None
        assert row["status"] in ("resolved", "auto_resolved") and row["resolved_by"] == "o2c", dict(row)
        assert row["retries"] == 2 and row["occurrences"] == 2
    finally:
        await pool.close()
        await admin.aclose()
    (shipment,) = await client.list_shipments(order.id)
    assert (shipment.tracking_number, shipment.tracking_carrier) == ("1Z777OK", "ups")
    assert [(i.order_product_id, i.quantity) for i in shipment.items] == [(product, 2)]
    assert (await client.get_order(order.id)).status_id == 2  # Shipped
