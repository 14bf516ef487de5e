"""Kill the worker with SIGKILL while it pushes price lists, and again while it writes changed prices, with
BigCommerce answering 429 to one records request in five: BigCommerce ends holding exactly NetSuite's
prices, every record, no exception.

2,000 items × 2 levels × 2 currencies = 8,000 records (8 batch upserts, each taking 1.5 s in the sandbox as
BigCommerce takes about a second per 1,000), then 1,000 changed prices; the issue's size (50,000 × 5 × 2)
is ``bench/prices.py``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from decimal import Decimal

import asyncpg
import orjson
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import NsPriceEvent
from tests.e2e.prices.helpers import T0, prefix, price_message, prices_env, records, row, seed_products
from tests.support.kafka import produce
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

ITEMS = 2000


@pytest.fixture
async def bigcommerce() -> AsyncIterator[SandboxServer]:
    config = SandboxConfig(store_hash=f"chaosprc{uuid.uuid4().hex[:6]}", currencies=("usd", "eur"),
                           quota=10_000_000, pricelist_upsert_delay_ms=1500, error_429_rate=0.2,
                           error_429_endpoint="/records")
    server = await start_sandbox("127.0.0.1", 0, config, seed=False)
    try:
        yield server
    finally:
        await server.stop()


async def test_sigkill_mid_push_with_429s_ends_with_exactly_netsuite_s_prices(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    p = prefix()
    n = uuid.uuid4().int % 10**8  # levels unique to the test: ns.prices is shared with other tests' workers
    LEVELS = {str(n): "Chaos A", str(n + 1): "Chaos B"}
    skus = [f"{p}-{n}" for n in range(ITEMS)]
    await seed_products(bigcommerce, skus)
    rng = random.Random(5)
    prices = {(sku, level, cur): Decimal(rng.randint(100, 9999)) / 100
              for sku in skus for level in LEVELS for cur in ("USD", "EUR")}

    def message(sku: str, at: timedelta = timedelta(0)) -> tuple[bytes, bytes]:
        return price_message(sku, [row(f"{level}:L{level}", cur, "0", str(prices[sku, level, cur]))
                                   for level in LEVELS for cur in ("USD", "EUR")], T0 + at)

    env = prices_env(bigcommerce, O2C_PRICES_LEVELS=orjson.dumps(LEVELS).decode())
    worker = await asyncio.to_thread(make_worker, **env)
    await produce(kafka.bootstrap, NsPriceEvent.TOPIC, [message(sku) for sku in skus])
    await asyncio.sleep(4.0)
    worker.kill()  # SIGKILL: leased batches and in-flight upserts are abandoned
    worker = await asyncio.to_thread(make_worker, **env)

    changed = rng.sample(skus, 1000)
    for sku in changed:
        prices[sku, str(n), "USD"] += Decimal("1.00")
    await produce(kafka.bootstrap, NsPriceEvent.TOPIC, [message(sku, timedelta(minutes=1)) for sku in changed])
    await asyncio.sleep(2.0)
    worker.kill()
    worker = await asyncio.to_thread(make_worker, **env)

    async def netsuite_s_prices() -> bool:
        for level, name in LEVELS.items():
            held = await records(bigcommerce, name)
            if len(held) != 2 * ITEMS or any(
                    Decimal(held[sku, cur.lower()]["price"]) != prices[sku, level, cur]
                    for sku in skus for cur in ("USD", "EUR")):
                return False
        return True

    await eventually(netsuite_s_prices, timeout=240, what="BigCommerce holding exactly NetSuite's prices")
    assert bigcommerce.store.stats.injected_429 > 0  # the 429s did land in the push
    assert bigcommerce.store.stats.concurrency_limited.get("pricelist_records_upsert", 0) == 0
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        # (the worker also reads earlier tests' events on shared topics, e.g. a malformed heartbeat: not ours)
        assert await conn.fetch("SELECT kind, message FROM exceptions WHERE status = 'open' AND kind LIKE 'price%'") \
            == []
    finally:
        await conn.close()
