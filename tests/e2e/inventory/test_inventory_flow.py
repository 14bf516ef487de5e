"""Inventory end to end: ns.inventory on the real broker → a real worker → the BigCommerce sandbox over HTTP.

Every test seeds its own products (unique SKU prefix) in the BigCommerce sandbox, publishes NetSuite stock
figures as the NetSuite source would, and reads what the storefront shows from the sandbox.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import orjson
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig, start_sandbox
from connectors.bigcommerce.sandbox.seed import add_stock_products
from connectors.bigcommerce.sandbox.server import SandboxServer
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, NsItem, NsItemEvent, NsStock, NsStockEvent, event_id
from streams.contract.codec import encode
from tests.support.kafka import produce
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def bigcommerce() -> AsyncIterator[SandboxServer]:
    server = await start_sandbox("127.0.0.1", 0, SandboxConfig(inventory_delay_ms=50), seed=False)
    try:
        yield server
    finally:
        await server.stop()


def prefix() -> str:
    return f"INV{uuid.uuid4().hex[:8].upper()}"


def inventory_env(server: SandboxServer, **extra: str) -> dict[str, str]:
    return {"O2C_INVENTORY_ENABLED": "true", "O2C_BC_API_BASE": server.url, "O2C_INVENTORY_COALESCE_WINDOW": "0.3",
            "O2C_INVENTORY_RESYNC_INTERVAL": "0", "O2C_INVENTORY_RESYNC_START_DELAY": "1", **extra}


def stock_message(
    sku: str, location: str, available: int | str, at: datetime, *, committed: int = 0
) -> tuple[bytes, bytes]:
    avail = Decimal(available)
    figure = NsStock(sku=sku, ns_item_id=f"ns-{sku}", location_id=location, location_name=f"loc {location}",
                     on_hand=avail + committed, committed=Decimal(committed), available=avail, last_modified=at)
    event = NsStockEvent.build(figure, key=sku, source="test:netsuite",
                               event_id=event_id("test", sku, location, at.isoformat(), available))
    return sku.encode(), encode(event)


def item_message(sku: str, buffer: Decimal | None) -> tuple[bytes, bytes]:
    item = NsItem(ns_id=f"ns-{sku}", sku=sku, item_type="inventoryItem", safety_buffer=buffer, last_modified=T0)
    event = NsItemEvent.build(item, key=sku, source="test:netsuite", event_id=event_id("test-item", sku))
    return sku.encode(), encode(event)


def shown(server: SandboxServer, sku: str, location: int = 1) -> int:
    variant = server.store.variant_by_sku(sku)
    assert variant is not None, sku
    return server.store.onhand(int(variant["id"]), location)


async def shows(server: SandboxServer, expected: dict[str, int], timeout: float = 90.0) -> None:
    async def check() -> bool:
        return all(shown(server, sku) == qty for sku, qty in expected.items())

    try:
        await eventually(check, timeout=timeout, what=f"BigCommerce showing {expected}")
    except AssertionError:
        raise AssertionError(f"expected {expected}, BigCommerce shows "
                             f"{ {s: shown(server, s) for s in expected} }") from None


async def start(make_worker: Callable[..., WorkerProcess], **env: str) -> WorkerProcess:
    return await asyncio.to_thread(make_worker, **env)


async def test_sums_buffers_floor_tracking_and_a_burst_end_as_the_last_value(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess]
) -> None:
    p = prefix()
    variants = add_stock_products(bigcommerce.store, prefix=p, products=4, variants=1, quantity=50)
    by_product = add_stock_products(bigcommerce.store, prefix=f"{p}P", products=1, tracking="product", quantity=50)
    a, b, c, burst = (v["sku"] for v in variants)
    d = by_product[0]["sku"]
    await start(make_worker, **inventory_env(bigcommerce, O2C_INVENTORY_SKU_BUFFERS=orjson.dumps({c: 3}).decode(),
                                             O2C_INVENTORY_DEFAULT_BUFFER="0"))

    await produce(kafka.bootstrap, NsItemEvent.TOPIC, [item_message(b, Decimal(4)), item_message(c, Decimal(1))])
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, [
        # A: two warehouses count, the retail store (3) does not
        stock_message(a, "1", 10, T0), stock_message(a, "2", 5, T0), stock_message(a, "3", 100, T0),
        # B: 5 available minus its NetSuite item buffer of 4
        stock_message(b, "1", 3, T0), stock_message(b, "2", 2, T0),
        # C: 2 available minus the configured buffer of 3 (wins over the item's 1): floored at zero
        stock_message(c, "1", 2, T0), stock_message(c, "2", "-4", T0),
        # D is tracked by product in BigCommerce: written by product id
        stock_message(d, "1", 7, T0),
    ])
    await shows(bigcommerce, {a: 15, b: 1, c: 0, d: 7})

    # an older figure for a location is ignored; a newer one is not
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, [stock_message(a, "1", 99, T0 - timedelta(minutes=5)),
                                                        stock_message(a, "2", 6, T0 + timedelta(seconds=1))])
    await shows(bigcommerce, {a: 16})

    # a burst of 300 changes for one SKU ends as its last value
    values = [(i * 7919) % 41 for i in range(300)]
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, [
        stock_message(burst, "1", q, T0 + timedelta(milliseconds=i)) for i, q in enumerate(values)
    ])
    await shows(bigcommerce, {burst: values[-1], a: 16, b: 1, c: 0, d: 7})
    assert bigcommerce.store.stats.rate_limited == 0


async def test_resync_repairs_drift_injected_into_bigcommerce(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    p = prefix()
    skus = [v["sku"] for v in add_stock_products(bigcommerce.store, prefix=p, products=3, quantity=0)]
    env = inventory_env(bigcommerce)
    await start(make_worker, **env)
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, [stock_message(s, "1", 20 + i, T0) for i, s in enumerate(skus)])
    await shows(bigcommerce, {s: 20 + i for i, s in enumerate(skus)})

    async with httpx.AsyncClient(base_url=bigcommerce.url) as http:
        for sku, quantity in ((skus[0], 999), (skus[2], 1)):
            response = await http.post("/__sandbox/inventory/drift", json={"sku": sku, "location_id": 1,
                                                                           "quantity": quantity})
            response.raise_for_status()
    assert shown(bigcommerce, skus[0]) == 999

    output = await asyncio.to_thread(run_resync, {**worker_env, **env})
    assert "2 drifted" in output, output
    assert skus[0] in output and skus[2] in output and skus[1] not in output, output
    await shows(bigcommerce, {s: 20 + i for i, s in enumerate(skus)})

    again = await asyncio.to_thread(run_resync, {**worker_env, **env})
    assert " 0 drifted" in again, again
    assert bigcommerce.store.stats.rate_limited == 0


def run_resync(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "streams.cli", "inventory", "resync"],
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_orders_in_between_do_not_hand_back_sold_stock(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    p = prefix()
    sku = add_stock_products(bigcommerce.store, prefix=p, products=1, quantity=0)[0]["sku"]
    await start(make_worker, **inventory_env(bigcommerce, O2C_INVENTORY_HOLD_GRACE="1"))
    now = datetime.now(UTC)
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, [stock_message(sku, "1", 10, now)])
    await shows(bigcommerce, {sku: 10})

    # checkout: BigCommerce takes 3 off its own stock and the order arrives on bc.orders
    order_id = int(uuid.uuid4().int % 10**9)
    bigcommerce.store.set_stock(sku, 1, 7)
    order = snapshot(order_id=order_id, store_hash="invstore", lines=[(sku, Decimal("5.00"), 3, Decimal(0))],
                     email="stock@example.com")
    event = BcOrderEvent.build(order, key=str(order_id), source="test:bigcommerce",
                               event_id=event_id("test-order", order_id))
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [(str(order_id).encode(), encode(event))])
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        async def held() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM inventory_holds WHERE sku = $1 AND quantity = 3",
                                            sku))

        await eventually(held, what="the order's hold")
        # a NetSuite poll before the sales order exists: still 10 available (+1 elsewhere) -> 11 - 3 held
        await produce(kafka.bootstrap, NsStockEvent.TOPIC,
                      [stock_message(sku, "2", 1, datetime.now(UTC))])
        await shows(bigcommerce, {sku: 8})

        # the sales order is written to NetSuite (as the order flow records it) ...
        await conn.execute(
            """INSERT INTO order_links (store_hash, order_id, external_id, ns_id, content_hash, source_version,
                                        status, bc_total, synced_at)
               VALUES ('invstore', $1, $2, '777', 'x', now(), 'synced', 15, now())""",
            order_id, f"BC-SO-invstore-{order_id}")
        # ... and the next poll, taken afterwards, shows it committed: the hold ends, nothing is counted twice
        later = datetime.now(UTC) + timedelta(seconds=3)
        await produce(kafka.bootstrap, NsStockEvent.TOPIC, [stock_message(sku, "1", 7, later, committed=3)])

        async def released() -> bool:
            return bool(await conn.fetchval(
                "SELECT count(*) FROM inventory_holds WHERE sku = $1 AND released_at IS NOT NULL", sku))

        await eventually(released, what="the hold released")
        await produce(kafka.bootstrap, NsStockEvent.TOPIC, [stock_message(sku, "2", 2, later + timedelta(seconds=1))])
        await shows(bigcommerce, {sku: 9})
    finally:
        await conn.close()


async def test_a_worker_killed_mid_burst_loses_nothing(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess]
) -> None:
    p = prefix()
    skus = [v["sku"] for v in add_stock_products(bigcommerce.store, prefix=p, products=40, quantity=0)]
    env = inventory_env(bigcommerce)
    first = await start(make_worker, **env)
    final: dict[str, int] = {}
    messages: list[tuple[bytes | None, bytes | None]] = []
    for step in range(15):
        for i, sku in enumerate(skus):
            quantity = (step * 13 + i * 7) % 50 + 1
            final[sku] = quantity
            messages.append(stock_message(sku, "1", quantity, T0 + timedelta(seconds=step)))
    half = len(messages) // 2

    await produce(kafka.bootstrap, NsStockEvent.TOPIC, messages[:half])

    async def some_written() -> bool:
        return any(shown(bigcommerce, s) != 0 for s in skus)

    await eventually(some_written, what="the first writes")
    first.kill()  # SIGKILL: no shutdown, no final commit
    await produce(kafka.bootstrap, NsStockEvent.TOPIC, messages[half:])
    await start(make_worker, **env)
    await shows(bigcommerce, final, timeout=120)
    assert bigcommerce.store.stats.rate_limited == 0
