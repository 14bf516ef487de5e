"""Kill the worker with SIGKILL three times while orders flow; every invariant still holds.

Invariants (DESIGN §13): every order has exactly one sales order, every total equals the BigCommerce
total to the cent, and nothing is left unexplained (no open exception, nothing parked).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import asyncpg
import httpx
import pytest

from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent
from tests.e2e.orders.test_order_to_cash import order_message, sales_orders
from tests.support.kafka import produce
from tests.support.netsuite import publish_items, records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

STORE = "chaos"
ORDERS = 150


@pytest.fixture
async def netsuite() -> AsyncIterator[SandboxHandle]:
    config = SandboxConfig(seed_styles=3, latency_ms=40.0, concurrency_limit=5, drop_after_commit_rate=0.05)
    handle = await start_sandbox("127.0.0.1", 0, config)
    try:
        yield handle
    finally:
        await handle.stop()


async def test_sigkill_three_times_keeps_every_invariant(
    kafka: KafkaBroker, netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    rng = random.Random(7)
    base = rng.randint(10**6, 10**7) * 100
    env = {"O2C_ORDERS_ENABLED": "true", "O2C_BC_STORE_HASH": STORE, "O2C_NS_BASE_URL": netsuite.url,
           "O2C_NS_CONCURRENCY_LIMIT": "5"}
    worker = await asyncio.to_thread(make_worker, **env)
    skus = [s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2]
    emails = [f"buyer{i}@chaos.example" for i in range(40)]
    orders = [
        snapshot(order_id=base + i, store_hash=STORE, inclusive=rng.random() < 0.5,
                 lines=[(rng.choice(skus), Decimal(rng.randint(500, 9000)) / 100, rng.randint(1, 4),
                         Decimal(rng.choice([0, 0, 100])) / 100) for _ in range(rng.randint(1, 3))],
                 coupons=[("SAVE10", 1, Decimal(10))] if rng.random() < 0.3 else [],
                 email=rng.choice(emails), customer_id=rng.randint(0, 50))
        for i in range(ORDERS)
    ]

    async def feed() -> None:
        for start in range(0, ORDERS, 10):
            await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in orders[start:start + 10]])
            await asyncio.sleep(0.3)

    feeder = asyncio.create_task(feed())
    for _ in range(3):
        await asyncio.sleep(2.5)
        worker.kill()  # SIGKILL: no shutdown, no commit, in-flight requests abandoned
        worker = await asyncio.to_thread(make_worker, **env)
    await feeder

    expected = {f"BC-SO-{STORE}-{o.order_id}": o for o in orders}
    deadline = asyncio.get_running_loop().time() + 240
    found: dict[str, dict[str, object]] = {}
    while asyncio.get_running_loop().time() < deadline:
        found = {k: v for k, v in (await sales_orders(netsuite.url)).items() if k in expected}  # raises on dupes
        if len(found) == len(expected):
            break
        await asyncio.sleep(2)
    assert len(found) == len(expected), f"{len(expected) - len(found)} orders have no sales order"
    for external_id, order in expected.items():
        assert Decimal(str(found[external_id]["total"])) == order.total_inc_tax, external_id

    customers = [c for c in await records(netsuite.url, "customer")
                 if str(c.get("email", "")).endswith("@chaos.example")]
    by_email: dict[str, int] = {}
    for customer in customers:
        by_email[str(customer["email"]).lower()] = by_email.get(str(customer["email"]).lower(), 0) + 1
    assert all(n == 1 for n in by_email.values()), by_email

    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        async def nothing_parked() -> bool:
            return await conn.fetchval("SELECT count(*) FROM parked_orders WHERE order_id = ANY($1::bigint[])",
                                       [o.order_id for o in orders]) == 0

        await eventually(nothing_parked, what="no parked orders")
        mine = [str(o.order_id) for o in orders]  # the session's shared topics carry other tests' events too
        open_rows = await conn.fetch("SELECT kind, bc_id, message FROM exceptions WHERE status = 'open' "
                                     "AND bc_id = ANY($1::text[])", mine)
        assert [dict(r) for r in open_rows] == []
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=netsuite.url) as http:
        stats = (await http.get("/__sandbox/stats")).json()
    assert stats["dropped"] > 0, "the commit-then-drop fault never fired, so idempotency was not exercised"
