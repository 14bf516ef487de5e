"""NetSuite document numbers written back to BigCommerce orders: real broker, PostgreSQL, worker and both
sandboxes over HTTP.

The orders exist in the BigCommerce sandbox (created through the client) and their snapshots are published
on ``bc.orders`` with the same ids; the worker syncs them to NetSuite, then writes each sales order's
``tranId`` to its order as one ``o2c/netsuite_sales_order`` metafield, in batches.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.models import Metafield, OrderMetafieldCreate
from connectors.bigcommerce.sandbox import SandboxConfig as BcSandboxConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc_sandbox
from connectors.bigcommerce.sandbox.routes_metafields import METAFIELDS
from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, BcOrderSnapshot, SyncResultEvent, event_id
from streams.contract.codec import decode, encode
from tests.support.kafka import produce, read
from tests.support.netsuite import publish_items, records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

ORDERS = 30
BATCH = 10
METAFIELD_ENDPOINTS = ("POST /v3/orders/metafields", "PUT /v3/orders/metafields", "GET /v3/orders/metafields",
                       "GET /v3/orders/{order_id}/metafields")


@pytest.fixture
async def bigcommerce() -> AsyncIterator[SandboxServer]:
    server = await start_bc_sandbox("127.0.0.1", 0, BcSandboxConfig(store_hash=f"wb{uuid.uuid4().hex[:8]}",
                                                                    rng_seed=5, plan="pro"))
    # order ids unique to this test: every worker in a session reads the whole shared bc.orders topic
    server.store._ids["order"] = itertools.count(random.randint(10**6, 10**8) * 10)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bc_client(bigcommerce: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    settings = BigCommerceSettings(api_base=bigcommerce.url, store_hash=bigcommerce.config.store_hash)
    governor = RateLimitGovernor(f"wb-{uuid.uuid4().hex[:6]}", policy=PacingPolicy())
    async with BigCommerceClient(settings, governor=governor) as client:
        yield client


async def create_bc_orders(client: BigCommerceClient, n: int) -> list[int]:
    variant = None
    async for v in client.list_variants():
        variant = v
        break
    assert variant is not None
    address = {"first_name": "Jane", "last_name": "Doe", "street_1": "1 Main St", "city": "Austin",
               "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
               "email": "writeback@example.com"}
    ids = []
    for _ in range(n):
        order = await client.create_order({"status_id": 11, "billing_address": address,
                                           "products": [{"product_id": variant.product_id, "variant_id": variant.id,
                                                         "quantity": 1}]})
        ids.append(order.id)
    return ids


def order_message(order: BcOrderSnapshot) -> tuple[bytes, bytes]:
    event = BcOrderEvent.build(order, key=str(order.order_id), source=f"bigcommerce:{order.store_hash}",
                               event_id=event_id(order.store_hash, "order", order.order_id, order.date_modified))
    return str(order.order_id).encode(), encode(event)


async def metafield_requests(server: SandboxServer) -> dict[str, int]:
    by_endpoint = server.store.stats.by_endpoint
    return {name: by_endpoint.get(name, 0) for name in METAFIELD_ENDPOINTS}


async def ours(server: SandboxServer) -> dict[int, list[dict[str, Any]]]:
    """The sandbox's o2c metafields by order, read in process (so the test's reads are not counted)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in server.app[METAFIELDS].rows.values():
        if (row["namespace"], row["key"]) == ("o2c", "netsuite_sales_order"):
            found.setdefault(row["resource_id"], []).append(row)
    return found


async def ours_via_api(client: BigCommerceClient) -> dict[int, list[Metafield]]:
    found: dict[int, list[Metafield]] = {}
    async for m in client.list_order_metafields(namespace="o2c", key="netsuite_sales_order"):
        found.setdefault(m.resource_id, []).append(m)
    return found


async def synced_results(kafka: KafkaBroker, order_ids: set[int]) -> list[tuple[bytes, bytes]]:
    keys = {str(i).encode() for i in order_ids}
    found = await read(kafka.bootstrap, SyncResultEvent.TOPIC, count=10_000, timeout=5.0,
                       match=lambda r: r.key in keys and decode(SyncResultEvent, r.value).payload.status == "synced")
    return [(r.key, r.value) for r in found or []]


async def test_each_order_gets_one_document_number_metafield_in_batches(
    kafka: KafkaBroker, netsuite: SandboxHandle, bigcommerce: SandboxServer, bc_client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess], worker_env: dict[str, str],
) -> None:
    store = bigcommerce.config.store_hash
    order_ids = await create_bc_orders(bc_client, ORDERS + 1)
    sentinel = order_ids.pop()
    # one order already carries a stale metafield (as after a crash, or another writer): updated, not doubled
    stale = await bc_client.create_order_metafields([OrderMetafieldCreate(
        resource_id=order_ids[0], namespace="o2c", key="netsuite_sales_order", value="SO-STALE")])
    assert stale.meta.success == 1

    await asyncio.to_thread(
        make_worker, O2C_ORDERS_ENABLED="true", O2C_NS_BASE_URL=netsuite.url,
        O2C_BC_API_BASE=bigcommerce.url, O2C_BC_STORE_HASH=store, O2C_ORDERS_WRITEBACK_BATCH_SIZE=str(BATCH),
        O2C_ORDERS_WRITEBACK_INTERVAL="10",
    )
    skus = [s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2]
    before = await metafield_requests(bigcommerce)
    snapshots = [snapshot(order_id=oid, store_hash=store, email=f"wb{n % 4}@example.com",
                          lines=[(skus[n % len(skus)], Decimal("19.99"), 1 + n % 3, Decimal(0))])
                 for n, oid in enumerate(order_ids)]
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(s) for s in snapshots])

    async def all_written() -> bool:
        found = await ours(bigcommerce)
        return all(oid in found for oid in order_ids) and found[order_ids[0]][0]["value"] != "SO-STALE"

    await eventually(all_written, timeout=180.0, what="a document-number metafield on every order")
    after = await metafield_requests(bigcommerce)
    by_eid = {r["externalId"]: r for r in await records(netsuite.url, "salesOrder")}
    found = await ours_via_api(bc_client)
    for oid in order_ids:
        assert len(found[oid]) == 1, f"order {oid} has {len(found[oid])} o2c metafields"
        record = by_eid[f"BC-SO-{store}-{oid}"]
        assert found[oid][0].value == record["tranId"]
        assert str(record["id"]) in found[oid][0].description
    assert found[order_ids[0]][0].id == stale.data[0].id

    sent = {k: after[k] - before[k] for k in METAFIELD_ENDPOINTS}
    assert sum(sent.values()) <= ORDERS // 3, sent  # batches, not one request per order
    assert sent["PUT /v3/orders/metafields"] >= 1  # the stale one was updated in place

    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        rows = await conn.fetch("SELECT order_id, status, tran_id FROM order_writebacks WHERE store_hash = $1", store)
        assert {r["order_id"] for r in rows if r["status"] == "written"} == set(order_ids)
    finally:
        await conn.close()

    # a replay of every synced result writes nothing again; the sentinel, keyed like the replays (so on the
    # same partition, read after them), shows when they have all been read
    replays = await synced_results(kafka, set(order_ids))
    assert len(replays) >= ORDERS
    await produce(kafka.bootstrap, SyncResultEvent.TOPIC, [(str(sentinel).encode(), value) for _, value in replays])
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(snapshot(
        order_id=sentinel, store_hash=store, lines=[(skus[0], Decimal("5.00"), 1, Decimal(0))]))])

    async def sentinel_written() -> bool:
        return sentinel in await ours(bigcommerce)

    await eventually(sentinel_written, timeout=120.0, what="the sentinel's metafield")
    final = await metafield_requests(bigcommerce)
    assert final["PUT /v3/orders/metafields"] == after["PUT /v3/orders/metafields"]
    assert final["POST /v3/orders/metafields"] == after["POST /v3/orders/metafields"] + 1  # the sentinel alone
    mine = await ours(bigcommerce)
    assert all(len(mine[oid]) == 1 for oid in [*order_ids, sentinel])



async def test_failed_writes_are_retried_never_dropped(
    kafka: KafkaBroker, netsuite: SandboxHandle, bigcommerce: SandboxServer, bc_client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess], worker_env: dict[str, str],
) -> None:
    store = bigcommerce.config.store_hash
    order_ids = await create_bc_orders(bc_client, 5)
    await asyncio.to_thread(
        make_worker, O2C_ORDERS_ENABLED="true", O2C_NS_BASE_URL=netsuite.url,
        O2C_BC_API_BASE=bigcommerce.url, O2C_BC_STORE_HASH=store, O2C_ORDERS_WRITEBACK_INTERVAL="1",
        O2C_BC_MAX_ATTEMPTS="1",
    )
    skus = [s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2]
    bigcommerce.config.error_5xx_rate = 1.0  # BigCommerce is down
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(snapshot(
        order_id=oid, store_hash=store, lines=[(skus[0], Decimal("9.99"), 1, Decimal(0))])) for oid in order_ids])

    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        async def failing() -> bool:
            rows = await conn.fetch("SELECT status, attempts, last_error FROM order_writebacks "
                                    "WHERE store_hash = $1", store)
            return len(rows) == len(order_ids) and all(
                r["status"] == "pending" and r["attempts"] >= 1 and r["last_error"] for r in rows)

        await eventually(failing, timeout=120.0, what="failed write-backs kept for a retry")
        assert await ours(bigcommerce) == {}
        bigcommerce.config.error_5xx_rate = 0.0  # back up

        async def all_written() -> bool:
            return set(await ours(bigcommerce)) >= set(order_ids)

        await eventually(all_written, timeout=120.0, what="every metafield written after the outage")
        assert all(len(rows) == 1 for rows in (await ours(bigcommerce)).values())
        statuses = await conn.fetch("SELECT status FROM order_writebacks WHERE store_hash = $1", store)
        assert {r["status"] for r in statuses} == {"written"}
    finally:
        await conn.close()
