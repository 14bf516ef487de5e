"""Inventory benchmark: NetSuite stock changes → a real worker → the BigCommerce sandbox (Standard quota).

    python -m bench.inventory [--changes 100000] [--skus 20000] [--steady-rate 200] [--steady-seconds 30]

Runs a local Kafka and PostgreSQL, a BigCommerce sandbox in this process (seeded with ``--skus`` variants:
products of 5 variants, stock 0 everywhere) and one ``o2c worker`` with the inventory flow on. Stock
events are fed to ``ns.inventory`` directly, as the NetSuite source publishes them.

1. **Burst**: ``--changes`` changes across the SKUs in 3 NetSuite locations (1 and 2 sold online, 3 the
   excluded retail store), in random order; quantities walk ±1–5 from 50–300 per location. Prints the
   BigCommerce requests used against the minimum (changed SKUs ÷ 2,000), the 429s served, the time until
   BigCommerce shows NetSuite's buffered number for every SKU, and events per second through the agent.
2. **Steady**: ``--steady-rate`` changes per second for ``--steady-seconds``; each change's latency from
   publishing to the sandbox applying the value (or a later value of the same SKU): p50 / p95.

Then the worker's peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from bench.stack import local_stack, peak_rss_mb
from connectors.bigcommerce.sandbox import SandboxConfig, start_sandbox
from connectors.bigcommerce.sandbox.seed import add_stock_products
from streams.contract import NsStock, NsStockEvent
from streams.contract.codec import encode
from streams.inventory.model import AggregationConfig, LocationFigure, SkuStock, targets

LOCATIONS = ("1", "2", "3")
CONFIG = AggregationConfig(locations=frozenset({"1", "2"}))
BATCH_LIMIT = 2000


class Feed:
    """NetSuite's side: figures per SKU and location, and the target BigCommerce should show."""

    def __init__(self, skus: list[str], seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.skus = skus
        self.level = {(s, loc): self.rng.randint(50, 300) for s in skus for loc in LOCATIONS}
        self.stock = {s: SkuStock() for s in skus}
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)
        self.changed: set[str] = set()

    def change(self, sku: str | None = None, location: str | None = None) -> tuple[bytes, bytes, str, int]:
        sku = sku or self.rng.choice(self.skus)
        location = location or self.rng.choice(LOCATIONS)
        step = self.rng.randint(1, 5) * self.rng.choice((-1, 1))
        level = max(0, self.level[(sku, location)] + step)
        if level == self.level[(sku, location)]:
            level += 1
        self.level[(sku, location)] = level
        self.clock += timedelta(microseconds=10)
        figure = NsStock(sku=sku, ns_item_id=sku, location_id=location, on_hand=Decimal(level),
                         committed=Decimal(0), available=Decimal(level), last_modified=self.clock)
        self.stock[sku].apply(location, LocationFigure(figure.available, figure.on_hand, figure.committed,
                                                       figure.last_modified))
        if location in CONFIG.locations:
            self.changed.add(sku)
        event = NsStockEvent.build(figure, key=sku, source="bench:netsuite")
        return sku.encode(), encode(event), sku, self.target(sku)

    def target(self, sku: str) -> int:
        return targets(self.stock[sku], CONFIG, buffer=Decimal(0)).get(1, 0)


class Storefront:
    """Watches the sandbox apply adjustments: counts requests and records when each value became visible."""

    def __init__(self, server: Any, by_variant: dict[int, str]) -> None:
        self.server = server
        self.by_variant = by_variant
        self.adjust_requests = 0
        self.items = 0
        self.waiting: dict[str, deque[tuple[float, int]]] = {}
        self.latencies: list[float] = []
        store = server.store
        original_adjust, original_emit = store.adjust, store.emit

        def adjust(items: list[dict[str, Any]], *, absolute: bool) -> str:
            self.adjust_requests += 1
            self.items += len(items)
            return original_adjust(items, absolute=absolute)

        def emit(scope: str, data: dict[str, Any]) -> None:
            if scope == "store/sku/inventory/updated":
                self.applied(int(data["inventory"]["variant_id"]), int(data["inventory"]["value"]))
            original_emit(scope, data)

        store.adjust = adjust
        store.emit = emit

    def expect(self, sku: str, value: int, sent: float) -> None:
        self.waiting.setdefault(sku, deque()).append((sent, value))

    def applied(self, variant_id: int, value: int) -> None:
        sku = self.by_variant.get(variant_id)
        queue = self.waiting.get(sku) if sku else None
        if not queue:
            return
        now = time.monotonic()
        last = max((i for i, (_, v) in enumerate(queue) if v == value), default=None)
        if last is None:
            return
        for _ in range(last + 1):
            sent, _ = queue.popleft()
            self.latencies.append(now - sent)

    def shows(self, sku_variant: dict[str, int], expected: dict[str, int]) -> int:
        """How many SKUs differ from ``expected``."""
        store = self.server.store
        return sum(1 for sku, want in expected.items() if store.onhand(sku_variant[sku], 1) != want)


async def agent_events(worker_url: str) -> float:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{worker_url}/metrics", timeout=10)).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("o2c_inventory_events_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def run(args: argparse.Namespace, stack: Any) -> None:
    server = await start_sandbox("127.0.0.1", 0, SandboxConfig(styles=1, customers=1))
    products = math.ceil(args.skus / 5)
    rows = add_stock_products(server.store, prefix="B", products=products, variants=5, quantity=0)[: args.skus]
    skus = [r["sku"] for r in rows]
    sku_variant = {r["sku"]: int(r["variant_id"]) for r in rows}
    front = Storefront(server, {v: s for s, v in sku_variant.items()})
    env = {"O2C_INVENTORY_ENABLED": "true", "O2C_BC_API_BASE": server.url, "O2C_INVENTORY_RESYNC_INTERVAL": "0",
           "O2C_LOG_LEVEL": "warning"}
    print(f"seeded {len(skus):,} SKUs in the BigCommerce sandbox; starting the worker…", flush=True)
    worker = await asyncio.to_thread(stack.worker, **env)
    await asyncio.sleep(3)  # the catalogue map is read at start
    server.store.stats.requests = server.store.stats.rate_limited = 0
    front.adjust_requests = front.items = 0

    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka.bootstrap, linger_ms=5, acks="all",
                                max_batch_size=262144)
    await producer.start()
    feed = Feed(skus)
    try:
        # ---------------------------------------------------------------- burst
        messages = []
        for _ in range(args.changes):
            key, value, _sku, _target = feed.change()
            messages.append((key, value))
        expected = {s: feed.target(s) for s in feed.changed}
        base_events = await agent_events(worker.url)
        started = time.monotonic()
        for start in range(0, len(messages), 5000):
            futures = [await producer.send(NsStockEvent.TOPIC, key=k, value=v) for k, v in messages[start:start + 5000]]
            await asyncio.gather(*futures)
        produced = time.monotonic() - started
        agent_done = None
        matched = None
        while matched is None and time.monotonic() - started < args.timeout:
            await asyncio.sleep(0.5)
            if agent_done is None and await agent_events(worker.url) - base_events >= args.changes:
                agent_done = time.monotonic() - started
            if front.shows(sku_variant, expected) == 0:
                matched = time.monotonic() - started
        if agent_done is None:
            agent_done = time.monotonic() - started
        burst_requests, burst_items = front.adjust_requests, front.items
        minimum = math.ceil(len(expected) / BATCH_LIMIT)
        print("\n== burst ==")
        print(f"changes published            {args.changes:,} across {len(skus):,} SKUs x 3 locations "
              f"(in {produced:.1f}s)")
        print(f"SKUs whose number changed     {len(expected):,}")
        print(f"BigCommerce adjustment calls  {burst_requests} (items {burst_items:,}); minimum {minimum} "
              f"-> {burst_requests / max(minimum, 1):.2f}x (target <= 1.1x)")
        print(f"all BigCommerce requests      {server.store.stats.requests} (incl. reads)")
        print(f"429s served                   {server.store.stats.rate_limited} (target 0)")
        print(f"BigCommerce matches NetSuite  {f'after {matched:.1f}s' if matched else 'NOT within timeout'}")
        print(f"aggregation agent             {args.changes / agent_done:,.0f} events/s "
              f"({args.changes:,} events in {agent_done:.1f}s)")

        # ---------------------------------------------------------------- steady
        await asyncio.sleep(2)
        front.latencies.clear()
        steady_sent = 0
        interval = 1.0 / args.steady_rate
        t0 = time.monotonic()
        pending: list[Any] = []
        while time.monotonic() - t0 < args.steady_seconds:
            due = t0 + steady_sent * interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            key, value, sku, target = feed.change(location=random.choice(("1", "2")))
            sent = time.monotonic()
            front.expect(sku, target, sent)
            pending.append(await producer.send(NsStockEvent.TOPIC, key=key, value=value))
            steady_sent += 1
            if len(pending) > 200:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        deadline = time.monotonic() + 60
        while any(front.waiting.values()) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        lost = sum(len(q) for q in front.waiting.values())
        lat = sorted(front.latencies)
        p50 = statistics.median(lat) if lat else float("nan")
        p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
        print("\n== steady ==")
        print(f"changes                       {steady_sent:,} at {args.steady_rate:g}/s for {args.steady_seconds:g}s")
        print(f"change -> storefront latency  p50 {p50:.3f}s  p95 {p95:.3f}s  (target p95 < 2s; "
              f"{len(lat):,} measured, {lost} not seen)")
        print(f"429s served (whole run)       {server.store.stats.rate_limited}")
        print(f"adjustment calls (steady)     {front.adjust_requests - burst_requests}")
        print(f"\nworker peak memory            {peak_rss_mb(worker.proc.pid):.0f} MB (VmHWM)")
    finally:
        await producer.stop()
        await asyncio.to_thread(worker.stop)
        if args.keep_log:
            (stack.root / "worker.log").replace(args.keep_log)
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--steady-rate", type=float, default=200.0)
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--keep-log", default=None, help="move the worker's log here at the end")
    args = parser.parse_args()
    with local_stack(partitions=4) as stack:
        asyncio.run(run(args, stack))


if __name__ == "__main__":
    main()
