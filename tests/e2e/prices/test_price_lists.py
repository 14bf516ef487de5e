"""B2B prices end to end: ns.prices / ns.customers on the real broker → a real worker → the BigCommerce sandbox.

NetSuite's events are published as the NetSuite source would; the BigCommerce sandbox enforces the price
list endpoints' limits and validation (2 upserts in flight, 1,000 records, store currencies).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from decimal import Decimal

import asyncpg
import httpx
import pytest

from connectors.bigcommerce.sandbox import SandboxConfig, start_sandbox
from connectors.bigcommerce.sandbox.server import SandboxServer
from deploy.local.kafka import KafkaBroker
from streams.contract import NsCustomerEvent, NsPriceEvent
from tests.e2e.orders.test_bad_input import assert_every_event_has_an_outcome
from tests.e2e.prices.helpers import (
    T0,
    customer_groups,
    customer_message,
    level_maps,
    levels,
    prefix,
    price_lists,
    price_message,
    price_of,
    prices_env,
    records,
    row,
    seed_customers,
    seed_products,
)
from tests.support.kafka import produce
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess


@pytest.fixture
async def bigcommerce() -> AsyncIterator[SandboxServer]:
    config = SandboxConfig(store_hash=f"prc{uuid.uuid4().hex[:8]}", currencies=("usd", "eur"))
    server = await start_sandbox("127.0.0.1", 0, config, seed=False)
    try:
        yield server
    finally:
        await server.stop()


async def open_exceptions(dsn: str, kind: str) -> dict[str, str]:
    """dedupe key → message of the open exceptions of ``kind``."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT dedupe_key, message FROM exceptions WHERE kind = $1 AND status = 'open'",
                                kind)
        return {r["dedupe_key"]: r["message"] for r in rows}
    finally:
        await conn.close()


async def test_levels_become_price_lists_with_tiers_and_customers_join_their_level_s_group(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    p = prefix()
    a, b, c, d, ghost = (f"{p}-{x}" for x in "ABCDG")
    await seed_products(bigcommerce, [a, b, c, d])
    customers = await seed_customers(bigcommerce, [f"{p.lower()}-buyer@example.com"])
    buyer = next(iter(customers))
    W, TRADE = levels()
    wid, trade_list = W.split(":")[0], f"NetSuite {TRADE.split(':')[1]}"
    worker = await asyncio.to_thread(make_worker, **prices_env(bigcommerce, **level_maps(W, TRADE)))
    dsn = worker_env["O2C_DATABASE_URL"]

    await produce(kafka.bootstrap, NsPriceEvent.TOPIC, [
        price_message(a, [row(W, "USD", "0", "10.00"), row(W, "USD", "10", "9.00"), row(W, "USD", "50", "8.00"),
                          row(W, "EUR", "0", "9.00"), row(TRADE, "USD", "0", "11.00"),
                          row("9:Retail", "USD", "0", "20")]),
        price_message(b, [row(W, "USD", "0", "0"), row(W, "EUR", "0", "-1.00")]),  # a zero and a negative
        price_message(c, [row(W, "USD", "0", "12.345")]),  # more decimals than USD has
        price_message(ghost, [row(W, "USD", "0", "5.00")]),  # not a BigCommerce variant
        price_message(d, [row(W, "USD", "0", "7.00"), row(W, "GBP", "0", "6.00")]),  # GBP: not sold in
    ])

    async def written() -> bool:
        wholesale = await records(bigcommerce, "Wholesale")
        return (price_of(wholesale, a), price_of(wholesale, a, "eur"), price_of(wholesale, d)) == (
            Decimal("10.00"), Decimal("9.00"), Decimal("7.00")) and bool(await records(bigcommerce, trade_list))

    await eventually(written, timeout=60, what="the Wholesale and Trade price lists")
    wholesale = await records(bigcommerce, "Wholesale")
    assert [{**t, "amount": Decimal(t["amount"])} for t in wholesale[a, "usd"]["bulk_pricing_tiers"]] == [
        {"quantity_min": 10, "quantity_max": 49, "type": "fixed", "amount": Decimal("9.00")},
        {"quantity_min": 50, "quantity_max": None, "type": "fixed", "amount": Decimal("8.00")}]
    assert set(wholesale) == {(a, "usd"), (a, "eur"), (d, "usd")}  # nothing for B, C, the ghost or GBP
    assert set(await records(bigcommerce, trade_list)) == {(a, "usd")}
    assert "NetSuite 9" not in await price_lists(bigcommerce) and "Retail" not in await price_lists(bigcommerce)

    async def exceptions_raised() -> bool:
        return len(await open_exceptions(dsn, "price_invalid")) == 3 and bool(
            await open_exceptions(dsn, "price_sync_failed"))

    await eventually(exceptions_raised, timeout=30, what="price_invalid and price_sync_failed exceptions")
    invalid = await open_exceptions(dsn, "price_invalid")
    assert "is 0: the product would be free" in invalid[f"price_invalid:{wid}:{b}:usd"]
    assert "a negative price cannot be sold" in invalid[f"price_invalid:{wid}:{b}:eur"]
    assert "more decimal places than USD has" in invalid[f"price_invalid:{wid}:{c}:usd"]
    [failed] = (await open_exceptions(dsn, "price_sync_failed")).values()
    assert ghost in failed and "refused" in failed

    # the Wholesale list is assigned to its group, and a customer on the level joins it
    lists = await price_lists(bigcommerce)
    [assignment] = lists["Wholesale"]["assignments"]
    assert assignment["channel_id"] == 1
    group = int(assignment["customer_group_id"])
    await produce(kafka.bootstrap, NsCustomerEvent.TOPIC, [customer_message(f"{p}-1", buyer, W, T0)])

    async def in_group(expected: int) -> bool:
        return (await customer_groups(bigcommerce)).get(buyer) == expected

    await eventually(lambda: in_group(group), timeout=30, what="the customer in the Wholesale group")
    await produce(kafka.bootstrap, NsCustomerEvent.TOPIC,
                  [customer_message(f"{p}-1", buyer, None, T0 + timedelta(seconds=1))])
    await eventually(lambda: in_group(0), timeout=30, what="the customer out of the group")

    # prices change: A loses its USD price (record deleted), B gets valid ones (exceptions resolve)
    later = T0 + timedelta(minutes=1)
    await produce(kafka.bootstrap, NsPriceEvent.TOPIC, [
        price_message(a, [row(W, "EUR", "0", "8.50"), row(TRADE, "USD", "0", "11.00")], later),
        price_message(b, [row(W, "USD", "0", "6.00"), row(W, "EUR", "0", "5.50")], later),
        price_message(a, [row(W, "USD", "0", "1.00")], T0),  # an older version: ignored
    ])

    async def changed() -> bool:
        now = await records(bigcommerce, "Wholesale")
        return (a, "usd") not in now and price_of(now, a, "eur") == Decimal("8.50") \
            and price_of(now, b) == Decimal("6.00") and price_of(now, b, "eur") == Decimal("5.50")

    await eventually(changed, timeout=60, what="the changed Wholesale records")
    assert set(await open_exceptions(dsn, "price_invalid")) == {f"price_invalid:{wid}:{c}:usd"}

    # the merchant deletes the Wholesale list: o2c has it again, whole, and assigned again
    async with httpx.AsyncClient(base_url=bigcommerce.url) as http:
        (await http.delete(f"/__sandbox/pricelists/{lists['Wholesale']['id']}")).raise_for_status()
    await produce(kafka.bootstrap, NsPriceEvent.TOPIC,
                  [price_message(d, [row(W, "USD", "0", "7.25")], later)])

    async def rebuilt() -> bool:
        now = await records(bigcommerce, "Wholesale")
        return set(now) == {(a, "eur"), (b, "usd"), (b, "eur"), (d, "usd")} and price_of(now, d) == Decimal("7.25")

    await eventually(rebuilt, timeout=60, what="the Wholesale list created again with every record")
    again = await price_lists(bigcommerce)
    assert again["Wholesale"]["id"] != lists["Wholesale"]["id"]
    assert [a["customer_group_id"] for a in again["Wholesale"]["assignments"]] == [group]

    assert bigcommerce.store.stats.concurrency_limited.get("pricelist_records_upsert", 0) == 0
    await assert_every_event_has_an_outcome(worker, NsPriceEvent.TOPIC)


async def test_resync_reports_drift_by_list_and_repairs_only_that(
    kafka: KafkaBroker, bigcommerce: SandboxServer, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    p = prefix()
    skus = [f"{p}-{n}" for n in range(6)]
    await seed_products(bigcommerce, skus)
    W, TRADE = levels()
    env = prices_env(bigcommerce, **level_maps(W, TRADE))
    await asyncio.to_thread(make_worker, **env)
    await produce(kafka.bootstrap, NsPriceEvent.TOPIC, [
        price_message(sku, [row(W, "USD", "0", f"{10 + n}.00")]) for n, sku in enumerate(skus)])

    async def all_written() -> bool:
        return len(await records(bigcommerce, "Wholesale")) == len(skus)

    await eventually(all_written, timeout=60, what="every Wholesale record")
    list_id = (await price_lists(bigcommerce))["Wholesale"]["id"]
    base = f"/stores/{bigcommerce.config.store_hash}/v3/pricelists/{list_id}/records"
    token = {"X-Auth-Token": bigcommerce.config.access_token}
    async with httpx.AsyncClient(base_url=bigcommerce.url, headers=token) as http:
        # drift: a price edited by hand, a record deleted, a stray record added
        (await http.put(base, json=[{"sku": skus[0], "currency": "usd", "price": 99}])).raise_for_status()
        (await http.request("DELETE", base, params={"sku:in": skus[1], "currency": "usd"})).raise_for_status()
        (await http.put(base, json=[{"sku": skus[2], "currency": "eur", "price": 3}])).raise_for_status()

    dry = await asyncio.to_thread(run_resync, {**worker_env, **env}, "--dry-run")
    assert "3 drifted (would fix)" in dry and "Wholesale: 1 missing, 1 differ, 1 extra" in dry, dry
    assert price_of(await records(bigcommerce, "Wholesale"), skus[0]) == Decimal("99.00")

    fixed = await asyncio.to_thread(run_resync, {**worker_env, **env})
    assert "3 drifted (fixed)" in fixed, fixed
    now = await records(bigcommerce, "Wholesale")
    assert {sku: price_of(now, sku) for sku in skus} == {sku: Decimal(f"{10 + n}.00") for n, sku in enumerate(skus)}
    assert (skus[2], "eur") not in now

    again = await asyncio.to_thread(run_resync, {**worker_env, **env})
    assert " 0 drifted" in again, again


def run_resync(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "streams.cli", "prices", "resync", *args],
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
