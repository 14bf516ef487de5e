"""Kill the worker with SIGKILL three times during a burst of fulfilments; each one still ends as exactly
one BigCommerce shipment per package with the right quantities (none twice, none lost), or, for the one order
whose shipment POSTs BigCommerce answers 422, as one ``shipment_rejected`` exception per fulfilment.

The burst is 1,000 fulfilments (500 orders, each shipped in two partial fulfilments) rather than 2,000, to
keep ``make test`` well inside its budget; the kills land while shipments are being written, so some
fulfilments are left ``pending`` between BigCommerce's answer and PostgreSQL and are adopted by marker.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import httpx
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import NsFulfilmentEvent
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine, NsPackage
from tests.e2e.fulfilments.test_shipments import message
from tests.integration.bigcommerce.helpers import address
from tests.support.kafka import produce
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

ORDERS = 500


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    config = SandboxConfig(
        store_hash=f"chaosful{uuid.uuid4().hex[:6]}",
        rng_seed=9,
        quota=10_000_000,
        decrement_stock_on_order=False,
        latency_ms_min=5.0,
        latency_ms_max=20.0,
    )
    server = await start_sandbox("127.0.0.1", 0, config)
    try:
        yield server
    finally:
        await server.stop()


async def test_sigkill_three_times_during_a_burst_of_fulfilments(
    kafka: KafkaBroker,
    sandbox: SandboxServer,
    make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    store = sandbox.store
    variants = list(store.variants.values())[:2]
    orders = [
        store.create_order(
            {
                "status_id": 11,
                "billing_address": address("chaos@example.com"),
                "products": [{"product_id": v["product_id"], "variant_id": v["id"], "quantity": 2} for v in variants],
            }
        )["id"]
        for _ in range(ORDERS)
    ]
    base = random.randint(10**6, 10**8) * 10
    now = datetime.now(UTC).replace(microsecond=0)
    expected: dict[str, tuple[int, list[tuple[int, int]]]] = {}  # ns id → (order, items)
    fulfilments = []
    for i, order_id in enumerate(orders):
        products = [p["id"] for p in store.order_products[order_id]]
        for k, items in enumerate(([(products[0], 1)], [(products[0], 1), (products[1], 2)])):
            ns_id = str(base + 2 * i + k)
            expected[ns_id] = (order_id, items)
            fulfilments.append(
                NsFulfilment(
                    ns_id=ns_id,
                    store_hash=sandbox.config.store_hash,  # later tests' workers read this topic too
                    tran_id=f"IF{ns_id}",
                    sales_order_ns_id="1",
                    bc_order_id=order_id,
                    status="shipped",
                    ship_method="FedEx 2Day",
                    tracking_numbers=(f"FX{ns_id}",),
                    packages=(NsPackage(tracking_number=f"FX{ns_id}"),),
                    lines=tuple(
                        NsFulfilmentLine(sku="S", ns_item_id="1", quantity=Decimal(q), bc_order_product_id=p)
                        for p, q in items
                    ),
                    last_modified=now,
                )
            )
    refused = orders[ORDERS // 2]  # BigCommerce answers 422 to this order's shipment POSTs, mid-burst
    async with httpx.AsyncClient(base_url=sandbox.url) as admin:
        fault = {
            "order_id": refused,
            "status": 422,
            "message": "The order cannot be shipped.",
            "path": "shipments",
            "method": "POST",
        }
        (await admin.post("/__sandbox/faults/orders", json=fault)).raise_for_status()
    refused_ids = {ns_id for ns_id, (order_id, _) in expected.items() if order_id == refused}
    env = {
        "O2C_FULFILMENTS_ENABLED": "true",
        "O2C_FULFILMENTS_CONCURRENCY": "16",
        "O2C_BC_API_BASE": sandbox.url,
        "O2C_BC_STORE_HASH": sandbox.config.store_hash,
    }
    worker = await asyncio.to_thread(make_worker, **env)

    async def feed() -> None:
        for start in range(0, len(fulfilments), 100):
            await produce(
                kafka.bootstrap, NsFulfilmentEvent.TOPIC, [message(f) for f in fulfilments[start : start + 100]]
            )
            await asyncio.sleep(0.2)

    feeder = asyncio.create_task(feed())
    for _ in range(3):
        await asyncio.sleep(3.0)
        worker.kill()  # SIGKILL: in-flight shipment writes are abandoned
        worker = await asyncio.to_thread(make_worker, **env)
    await feeder

    def shipments() -> list[dict[str, object]]:
        return [s for order_id in orders for s in store.shipments[order_id]]

    shipping = {k: v for k, v in expected.items() if k not in refused_ids}

    async def all_shipped() -> bool:
        return len(shipments()) >= len(shipping)

    with contextlib.suppress(AssertionError):  # counted below, with the details
        await eventually(all_shipped, timeout=240, what="a shipment per fulfilment")
    await asyncio.sleep(3)  # anything still in flight would show as a duplicate
    found = shipments()
    by_tracking = Counter(str(s["tracking_number"]) for s in found)
    duplicates = {t: n for t, n in by_tracking.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} fulfilments became more than one shipment"
    assert len(found) == len(shipping), f"{len(shipping) - len(found)} fulfilments have no shipment"
    for shipment in found:
        ns_id = str(shipment["tracking_number"])[2:]
        order_id, items = shipping[ns_id]
        assert shipment["order_id"] == order_id
        got = sorted((int(i["order_product_id"]), int(i["quantity"])) for i in shipment["items"])  # type: ignore[attr-defined]
        assert got == sorted(items), ns_id
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) n FROM fulfilment_shipments WHERE ns_id = ANY($1::text[]) GROUP BY status",
            list(shipping),
        )
        assert {r["status"]: r["n"] for r in rows} == {"created": len(shipping)}
        rejected = await conn.fetch(
            "SELECT ns_id, kind, owner FROM exceptions WHERE ns_id = ANY($1::text[])", list(expected)
        )
        assert {(r["ns_id"], r["kind"], r["owner"]) for r in rejected} == {
            (ns_id, "shipment_rejected", "operations") for ns_id in refused_ids
        }
        assert len(rejected) == len(refused_ids)  # one exception each
    finally:
        await conn.close()
