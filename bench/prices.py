"""B2B prices benchmark: NetSuite price tables → a real worker → BigCommerce price lists (Standard quota).

    python -m bench.prices [--variants 50000] [--levels 5] [--currencies 2] [--changes 10000]

Runs a local Kafka and PostgreSQL, a BigCommerce sandbox in this process at the Standard plan's quota
(150 requests / 30 s, 2 batch upserts in flight, ``--upsert-ms`` per upsert) seeded with ``--variants``
variants, and one ``o2c worker`` with the prices flow on (``--levels`` price levels → lists, the store
selling in ``--currencies`` currencies). Each item's whole price table is fed to ``ns.prices`` as the
NetSuite source publishes it (10% of items with two quantity breaks per level).

1. **Initial push**: every item's table; prints BigCommerce requests used against the minimum the API
   allows (records ÷ 1,000 per list; target ≤ 1.1×), the time until BigCommerce holds every record as
   NetSuite says, and the 429s served (target 0).
2. **Changes**: ``--changes`` random price changes (level, currency, variant), published as the items'
   new tables; the same figures for them.

Then the worker's peak resident memory. Never fails on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import orjson
from aiokafka import AIOKafkaProducer

from bench.stack import Stack, local_stack, peak_rss_mb
from connectors.bigcommerce.sandbox import SandboxConfig, start_sandbox
from connectors.bigcommerce.sandbox.seed import add_stock_products
from connectors.bigcommerce.sandbox.server import SandboxServer
from streams.contract import NsItemPricing, NsPriceEvent, NsPriceRow, event_id
from streams.contract.codec import encode

BATCH_LIMIT = 1000
CURRENCIES = ("usd", "eur", "gbp")
T0 = datetime(2026, 12, 1, tzinfo=UTC)
UPSERT = "PUT /v3/pricelists/{price_list_id}/records"


class Catalogue:
    """NetSuite's price tables: (sku, level, currency) → base price; some items with quantity breaks."""

    def __init__(self, skus: list[str], levels: int, currencies: tuple[str, ...], seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.skus, self.levels, self.currencies = skus, [str(n + 1) for n in range(levels)], currencies
        self.price: dict[tuple[str, str, str], Decimal] = {}
        self.breaks = {sku for sku in skus if self.rng.random() < 0.1}
        for sku in skus:
            base = Decimal(self.rng.randint(500, 20000)) / 100
            for n, level in enumerate(self.levels):
                for currency in currencies:
                    self.price[sku, level, currency] = (base * (1 - Decimal(n) / 20)).quantize(Decimal("0.01"))
        self.modified = {sku: T0 for sku in skus}

    def change(self) -> tuple[str, str, str]:
        key = (self.rng.choice(self.skus), self.rng.choice(self.levels), self.rng.choice(self.currencies))
        self.price[key] = (self.price[key] + Decimal(self.rng.randint(1, 500)) / 100).quantize(Decimal("0.01"))
        self.modified[key[0]] += timedelta(seconds=1)
        return key

    def rows(self, sku: str) -> list[NsPriceRow]:
        out = []
        for level in self.levels:
            for currency in self.currencies:
                price = self.price[sku, level, currency]
                out.append(NsPriceRow(price_level_id=level, price_level_name=f"Level {level}",
                                      currency=currency.upper(), price=price))
                if sku in self.breaks:
                    out += [NsPriceRow(price_level_id=level, price_level_name=f"Level {level}",
                                       currency=currency.upper(), min_quantity=Decimal(q), price=price - cut)
                            for q, cut in ((10, Decimal("0.50")), (50, Decimal("1.00")))]
        return out

    def message(self, sku: str) -> tuple[bytes, bytes]:
        at = self.modified[sku]
        pricing = NsItemPricing(sku=sku, ns_item_id=f"ns-{sku}", prices=tuple(self.rows(sku)), last_modified=at)
        event = NsPriceEvent.build(pricing, key=sku, source="bench:netsuite",
                                   event_id=event_id("bench-prices", sku, at.isoformat()))
        return sku.encode(), encode(event)


def mismatches(server: SandboxServer, lists: dict[str, int], catalogue: Catalogue,
               keys: set[tuple[str, str, str]] | None = None) -> int:
    """Records BigCommerce does not hold as NetSuite says (in-process read of the sandbox, no quota)."""
    store = server.store
    variant_of = catalogue_variant_ids(server, catalogue)
    wrong = 0
    for sku, level, currency in keys if keys is not None else catalogue.price:
        list_id = lists.get(level)
        record = store.price_records.get((list_id, variant_of[sku], currency)) if list_id else None
        if record is None or Decimal(str(record["price"])) != catalogue.price[sku, level, currency]:
            wrong += 1
    return wrong


_VARIANTS: dict[str, int] = {}


def catalogue_variant_ids(server: SandboxServer, catalogue: Catalogue) -> dict[str, int]:
    if not _VARIANTS:
        for sku in catalogue.skus:
            variant = server.store.variant_by_sku(sku)
            assert variant is not None, sku
            _VARIANTS[sku] = int(variant["id"])
    return _VARIANTS


def list_ids(server: SandboxServer, levels: list[str]) -> dict[str, int]:
    by_name = {pl["name"]: pl["id"] for pl in server.store.pricelists.values()}
    return {level: by_name[f"Level {level}"] for level in levels if f"Level {level}" in by_name}


def upserts(server: SandboxServer) -> int:
    return server.store.stats.by_endpoint.get(UPSERT, 0)


def throttled(server: SandboxServer) -> int:
    return server.store.stats.rate_limited + sum(server.store.stats.concurrency_limited.values())


async def handled(worker_url: str) -> float:
    """ns.prices events the worker's agent has given an outcome."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{worker_url}/metrics", timeout=10)).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("o2c_event_outcomes_total{") and 'topic="ns.prices"' in line)


async def converge(server: SandboxServer, levels: list[str], catalogue: Catalogue, timeout: float, worker_url: str,
                   events: float, keys: set[tuple[str, str, str]] | None = None) -> tuple[float | None, float | None]:
    """Seconds until BigCommerce holds NetSuite's prices, and until the agent had stored ``events`` events."""
    started = time.monotonic()
    stored = None
    while time.monotonic() - started < timeout:
        await asyncio.sleep(1.0)
        if stored is None and await handled(worker_url) >= events:
            stored = time.monotonic() - started
        lists = list_ids(server, levels)
        if len(lists) == len(levels) and mismatches(server, lists, catalogue, keys) == 0:
            return time.monotonic() - started, stored
    return None, stored


async def publish(producer: AIOKafkaProducer, messages: list[tuple[bytes, bytes]]) -> None:
    for start in range(0, len(messages), 5000):
        futures = [await producer.send(NsPriceEvent.TOPIC, key=k, value=v) for k, v in messages[start:start + 5000]]
        await asyncio.gather(*futures)


async def run(args: argparse.Namespace, stack: Stack) -> None:
    config = SandboxConfig(quota=args.quota, currencies=CURRENCIES[:args.currencies],
                           pricelist_upsert_delay_ms=args.upsert_ms)
    server = await start_sandbox("127.0.0.1", 0, config, seed=False)
    products = math.ceil(args.variants / 5)
    rows = add_stock_products(server.store, prefix="P", products=products, variants=5)[: args.variants]
    catalogue = Catalogue([r["sku"] for r in rows], args.levels, CURRENCIES[:args.currencies])
    levels = catalogue.levels
    records = len(catalogue.price)
    env = {"O2C_PRICES_ENABLED": "true", "O2C_BC_API_BASE": server.url, "O2C_BC_STORE_HASH": config.store_hash,
           "O2C_PRICES_LEVELS": orjson.dumps({level: f"Level {level}" for level in levels}).decode(),
           "O2C_PRICES_CURRENCIES": orjson.dumps(list(catalogue.currencies)).decode(),
           "O2C_PRICES_RESYNC_INTERVAL": "0", "O2C_LOG_LEVEL": "warning"}
    print(f"seeded {args.variants:,} variants; {args.levels} levels x {args.currencies} currencies = {records:,} "
          f"records ({len(catalogue.breaks):,} items with quantity breaks); starting the worker…", flush=True)
    worker = await asyncio.to_thread(lambda: stack.worker(webhooks=False, **env))
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka.bootstrap, linger_ms=5, acks="all",
                                max_batch_size=262144, compression_type="zstd")
    await producer.start()
    try:
        # ---------------------------------------------------------------- initial push
        server.store.stats.rate_limited = 0
        before = upserts(server)
        started = time.monotonic()
        await publish(producer, [catalogue.message(sku) for sku in catalogue.skus])
        produced = time.monotonic() - started
        took, stored = await converge(server, levels, catalogue, args.timeout, worker.url, len(catalogue.skus))
        minimum = args.levels * math.ceil(args.variants * args.currencies / BATCH_LIMIT)
        used = upserts(server) - before
        print("\n== initial push ==")
        print(f"records                        {records:,} in {args.levels} price lists ({args.variants:,} items "
              f"published in {produced:.1f}s)")
        print(f"BigCommerce upserts            {used}; minimum {minimum} -> {used / max(minimum, 1):.2f}x "
              "(target <= 1.1x)")
        print(f"all BigCommerce requests       {server.store.stats.requests}")
        print(f"429s served                    {throttled(server)} (target 0)")
        print(f"BigCommerce matches NetSuite   {f'after {took:.1f}s' if took else 'NOT within timeout'} "
              f"(Standard quota: {args.quota} requests / 30 s)")
        print(f"agent stored every item        {f'after {stored:.1f}s' if stored else '-'}")

        # ---------------------------------------------------------------- changes
        changed = [catalogue.change() for _ in range(args.changes)]
        keys = set(changed)
        per_list = Counter(level for _, level, _ in keys)
        minimum = sum(math.ceil(n / BATCH_LIMIT) for n in per_list.values())
        items = sorted({sku for sku, _, _ in changed})
        before, throttled_before = upserts(server), throttled(server)
        events = await handled(worker.url) + len(items)
        started = time.monotonic()
        await publish(producer, [catalogue.message(sku) for sku in items])
        took, stored = await converge(server, levels, catalogue, args.timeout, worker.url, events, keys)
        used = upserts(server) - before
        print("\n== changes ==")
        print(f"price changes                  {args.changes:,} ({len(keys):,} records of {len(items):,} items)")
        print(f"BigCommerce upserts            {used}; minimum {minimum} -> {used / max(minimum, 1):.2f}x "
              "(target <= 1.1x)")
        print(f"429s served                    {throttled(server) - throttled_before} (target 0)")
        print(f"BigCommerce matches NetSuite   {f'after {took:.1f}s' if took else 'NOT within timeout'}")
        print(f"agent stored every item        {f'after {stored:.1f}s' if stored else '-'}")
        ids = list_ids(server, levels)
        held = Counter(key[0] for key in server.store.price_records)
        print(f"records per list               { {f'Level {level}': held[ids[level]] for level in levels} }")
        assert worker.proc is not None
        print(f"\nworker peak memory             {peak_rss_mb(worker.proc.pid):.0f} MB (VmHWM)")
    finally:
        await producer.stop()
        await asyncio.to_thread(worker.stop)
        if args.keep_log:
            (stack.root / "worker.log").replace(args.keep_log)
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--levels", type=int, default=5)
    parser.add_argument("--currencies", type=int, default=2, choices=(1, 2, 3))
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--quota", type=int, default=150, help="requests per 30 s (Standard: 150)")
    parser.add_argument("--upsert-ms", type=float, default=500.0, help="time BigCommerce takes per upsert")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--keep-log", default=None, help="move the worker's log here at the end")
    args = parser.parse_args()
    with local_stack(partitions=4) as stack:
        asyncio.run(run(args, stack))


if __name__ == "__main__":
    main()
