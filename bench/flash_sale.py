"""Flash sale: N orders into the BigCommerce sandbox, NetSuite sandbox at limit 15 with 300 ms latency.

    .venv/bin/python -m bench.flash_sale [--orders 10000] [--rate 400] [--ns-limit 15] [--ns-latency-ms 300]
        [--bc-quota unlimited|plus|pro|standard] [--bc-share 0.6]

Everything is real: Kafka, PostgreSQL, both sandboxes over HTTP, the BigCommerce source (webhooks and
catch-up poller), the NetSuite item poller, the orders agent and the NetSuite writer. Prints sustained
sales orders per second against the governance ceiling, latency percentiles, NetSuite requests per
order, 429s, peak worker memory, and checks the invariants. Never fails on a timing.

``--bc-quota`` (default ``unlimited``: 1,000,000 requests per 30 s, the benchmark as it always was) runs the
BigCommerce sandbox at a real plan's quota instead (Standard and Plus 150, Pro 450 per 30 s). o2c may use
``--bc-share`` of it (default 0.6; the rest is other apps'): o2c has no setting for a share of the quota (its
governor only keeps ``O2C_BC_QUOTA_RESERVE`` requests in hand, at most a quarter of the quota), so the sandbox's
quota is set to share × plan quota and o2c is alone in it. The order generator's ``POST /v2/orders`` stand for
storefront checkouts and are not charged to the quota (``SandboxConfig.quota_exempt``); its catalogue reads are.
BigCommerce requests are reported per order and per kind (order reads, coupons, transactions, …).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.stack import Stack, cpu_by_role, local_stack, peak_rss_mb, print_cpu
from connectors.bigcommerce.config import PLAN_QUOTA, WINDOW_MS
from streams.platform.demo import DEMO_ORDER_ENV

UNLIMITED_QUOTA = 1_000_000
#: (substring of the sandbox's "METHOD /vN/route", kind), first match wins.
BC_KINDS: tuple[tuple[str, str], ...] = (
    ("POST /v2/orders", "order placement (load generator)"),
    ("/coupons", "order coupons"),
    ("/transactions", "order transactions"),
    ("/payment_actions/refunds", "order refunds"),
    ("/metafields", "metafields (document-number write-back)"),
    ("/shipments", "shipments"),
    ("/inventory/", "inventory"),
    ("/hooks", "webhook hooks"),
    ("/catalog/", "catalogue (products, variants)"),
    ("/customer", "customers"),
    ("/pricelists", "price lists"),
    ("GET /v2/orders/count", "order count"),
    ("/orders/{order_id}/products", "order products"),
    ("/orders/{order_id}/shipping_addresses", "order shipping addresses"),
    ("GET /v2/orders/{order_id}", "order reads (one order)"),
    ("GET /v2/orders", "order reads (list pages)"),
)


def bc_kind(endpoint: str) -> str:
    """The kind of a sandbox ``by_endpoint`` key (e.g. ``GET /v3/orders/{order_id}/transactions``)."""
    return next((kind for needle, kind in BC_KINDS if needle in endpoint), "other")


def bc_quota(plan: str, share: float) -> int:
    """Requests per 30 s window the BigCommerce sandbox grants (o2c's share of the plan's quota)."""
    if plan == "unlimited":
        return UNLIMITED_QUOTA
    return max(1, int(PLAN_QUOTA[plan] * share))


async def _wait_items(dsn: str, timeout: float = 300) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = int(await conn.fetchval("SELECT count(*) FROM sku_map WHERE sellable"))
            if n:
                await asyncio.sleep(3)
                return int(await conn.fetchval("SELECT count(*) FROM sku_map WHERE sellable"))
            await asyncio.sleep(1)
        raise RuntimeError("the NetSuite item poller published no items")
    finally:
        await conn.close()


async def _follow(dsn: str, orders: int, worker_pid: int, timeout: float) -> tuple[list[tuple[float, int]], float]:
    """Sample (time, synced count) until every order is synced; return the samples and peak RSS."""
    conn = await asyncpg.connect(dsn)
    samples: list[tuple[float, int]] = []
    peak = 0.0
    try:
        deadline = time.monotonic() + timeout
        last_print = 0.0
        while time.monotonic() < deadline:
            synced = int(await conn.fetchval("SELECT count(*) FROM order_links WHERE status = 'synced'"))
            samples.append((time.monotonic(), synced))
            peak = max(peak, peak_rss_mb(worker_pid))
            if time.monotonic() - last_print > 10:
                print(f"  … {synced}/{orders} sales orders", flush=True)
                last_print = time.monotonic()
            if synced >= orders:
                break
            await asyncio.sleep(1)
        return samples, peak
    finally:
        await conn.close()


def _sustained(samples: list[tuple[float, int]], total: int) -> float:
    """Sales orders per second between 10 % and 90 % of the run (the steady part)."""
    lo = next((s for s in samples if s[1] >= total * 0.1), samples[0])
    hi = next((s for s in samples if s[1] >= total * 0.9), samples[-1])
    return (hi[1] - lo[1]) / (hi[0] - lo[0]) if hi[0] > lo[0] else float("nan")


async def _report(stack: Stack, args: argparse.Namespace, samples: list[tuple[float, int]], peak: float,
                  metrics_url: str) -> None:
    total = samples[-1][1]
    rate = _sustained(samples, total)
    ceiling = args.ns_limit / (args.ns_latency_ms / 1000)
    conn = await asyncpg.connect(stack.postgres.dsn)
    try:
        p = await conn.fetchrow(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95,
                      percentile_cont(0.99) WITHIN GROUP (ORDER BY s) AS p99
               FROM (SELECT extract(epoch FROM synced_at - order_created_at) AS s FROM order_links
                     WHERE status = 'synced') t""")
        exceptions = await conn.fetch("SELECT kind, owner, message FROM exceptions WHERE status = 'open'")
    finally:
        await conn.close()
    assert p is not None
    async with httpx.AsyncClient(timeout=60) as http:
        ns_stats = (await http.get(f"{stack.ns_url}/__sandbox/stats")).json()
        so_records = (await http.get(f"{stack.ns_url}/__sandbox/records/salesOrder")).json()
        bc_orders = (await http.get(f"{stack.bc_url}/__sandbox/state/orders")).json()
        bc_stats = (await http.get(f"{stack.bc_url}/__sandbox/state/stats")).json()
        metrics = (await http.get(metrics_url)).text
    busy_ok = 0.0
    lag: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == "o2c_netsuite_busy_slot_seconds_total" and sample.labels.get("outcome") == "ok":
                busy_ok += sample.value
            elif sample.name.startswith("o2c_event_loop_lag_seconds"):
                lag[sample.name.rsplit("_", 1)[-1] + sample.labels.get("le", "")] = sample.value
    elapsed = samples[-1][0] - samples[0][0]

    by_eid: dict[str, int] = {}
    for record in so_records:
        by_eid[record["externalId"]] = by_eid.get(record["externalId"], 0) + 1
    ns_total = {record["externalId"]: Decimal(str(record["total"])) for record in so_records}
    store = args.store
    missing = [o for o in bc_orders if f"BC-SO-{store}-{o['id']}" not in by_eid]
    dupes = [k for k, n in by_eid.items() if n > 1]
    wrong = [o["id"] for o in bc_orders if f"BC-SO-{store}-{o['id']}" in ns_total
             and ns_total[f"BC-SO-{store}-{o['id']}"] != Decimal(o["total_inc_tax"])]

    print("\nflash sale")
    print(f"  orders                       {len(bc_orders)} in BigCommerce, {total} sales orders synced "
          f"in {elapsed:.0f}s")
    print(f"  sustained                    {rate:.1f} sales orders/s; NetSuite ceiling {ceiling:.1f} requests/s "
          f"(limit {args.ns_limit} / {args.ns_latency_ms} ms)")
    req_per_order = ns_stats["requests"] / max(total, 1)
    print(f"  share of ceiling             {rate / ceiling:.2f} (sales orders/s ÷ ceiling); "
          f"requests/s {rate * req_per_order / ceiling:.2f} of ceiling")
    print(f"  governance utilisation       {busy_ok / (args.ns_limit * elapsed):.2f} "
          "(slot-seconds on successful requests ÷ slot-seconds available)")
    requests = max(ns_stats["requests"], 1)
    print(f"  time per request             {busy_ok / requests * 1000:.0f} ms holding a slot in the worker, "
          f"{ns_stats['busy_us'] / requests / 1000:.0f} ms inside NetSuite (latency {args.ns_latency_ms:.0f} ms)")
    if lag.get("count"):
        late = 1 - lag.get("bucket0.025", 0.0) / lag["count"]
        print(f"  worker event-loop lag        mean {lag['sum'] / lag['count'] * 1000:.1f} ms; "
              f"{late:.0%} of probes more than 25 ms late")
    print(f"  latency order→sales order    p50 {p['p50']:.1f}s  p95 {p['p95']:.1f}s  p99 {p['p99']:.1f}s")
    print(f"  NetSuite requests per order  {req_per_order:.2f} ({ns_stats['requests']} requests)")
    print(f"  NetSuite 429s                {ns_stats['throttled']}")
    for kind, count in sorted(ns_stats.get("by_kind", {}).items(), key=lambda kv: -kv[1]):
        cpu_ms = ns_stats["cpu_us_by_kind"].get(kind, 0) / 1000
        print(f"    {kind:<34} {count:6d} requests, {count / max(total, 1):.2f}/order, "
              f"sandbox CPU {cpu_ms / count:.1f} ms each")
    # every API request but the orders the load generator placed (its one catalogue read is counted)
    bc_reads = {k: v for k, v in bc_stats["by_endpoint"].items() if k != "POST /v2/orders"}
    print(f"  BigCommerce requests/order   {sum(bc_reads.values()) / max(total, 1):.2f}")
    if args.bc_quota == "unlimited":
        for endpoint, count in sorted(bc_reads.items(), key=lambda kv: -kv[1])[:6]:
            print(f"    {endpoint:<48} {count:6d}")
    else:
        _print_bc_quota(args, bc_stats, bc_reads, total, elapsed)
    print(f"  peak worker memory           {peak:.0f} MB")
    print("invariants")
    print(f"  exactly one sales order      {'OK' if not missing and not dupes else 'FAILED'} "
          f"(missing {len(missing)}, duplicated {len(dupes)})")
    print(f"  totals equal to the cent     {'OK' if not wrong else 'FAILED'} ({len(wrong)} differ)")
    explained = all(e["owner"] and e["message"] for e in exceptions)
    print(f"  exceptions explained         {'OK' if explained else 'FAILED'} ({len(exceptions)} open)")


def _print_bc_quota(args: argparse.Namespace, bc_stats: dict[str, Any], bc_reads: dict[str, int], total: int,
                    elapsed: float) -> None:
    """BigCommerce requests per order by kind and endpoint, quota used against o2c's share, 429s."""
    kinds: dict[str, int] = {}
    for endpoint, count in bc_reads.items():
        kinds[bc_kind(endpoint)] = kinds.get(bc_kind(endpoint), 0) + count
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"    {kind:<46} {count:6d} requests, {count / max(total, 1):.3f}/order")
    print("  BigCommerce requests by endpoint")
    for endpoint, count in sorted(bc_reads.items(), key=lambda kv: -kv[1]):
        print(f"    {endpoint:<52} {count:6d}")
    quota = bc_quota(args.bc_quota, args.bc_share)
    windows = elapsed / (WINDOW_MS / 1000)
    print(f"  BigCommerce quota            {args.bc_quota} {PLAN_QUOTA[args.bc_quota]}/30 s × share {args.bc_share} "
          f"= {quota}/30 s for o2c; used {sum(bc_reads.values()) / (quota * windows):.2f} of it "
          f"over {windows:.1f} windows (generator's catalogue reads included)")
    print(f"  BigCommerce 429s             {bc_stats['rate_limited']} served by the sandbox "
          f"(by status {bc_stats['by_status']})")


async def _stage_latencies(bootstrap: str) -> dict[str, list[float]]:
    """Per order, broker timestamps of its first snapshot, first command and first synced result."""
    from aiokafka import AIOKafkaConsumer

    from streams.contract import BcOrderEvent, SyncResultEvent
    from streams.contract.codec import decode

    firsts: dict[str, dict[str, float]] = {"bc.orders": {}, "ns.commands": {}, "sync.results": {}}
    created: dict[str, float] = {}
    for topic_name in firsts:
        consumer = AIOKafkaConsumer(topic_name, bootstrap_servers=bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            idle = 0
            while idle < 3:
                batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
                idle = 0 if batch else idle + 1
                for records in batch.values():
                    for record in records:
                        key = record.key.decode() if record.key else ""
                        if topic_name == "sync.results" and decode(SyncResultEvent, record.value).payload.status \
                                != "synced":
                            continue
                        if topic_name == "bc.orders" and key not in created:
                            created[key] = decode(BcOrderEvent, record.value).payload.date_created.timestamp()
                        firsts[topic_name].setdefault(key, record.timestamp / 1000)
        finally:
            await consumer.stop()
    stages: dict[str, list[float]] = {"placed → bc.orders (source)": [], "bc.orders → ns.commands (plan)": [],
                                      "ns.commands → synced (NetSuite writer)": []}
    for key, t0 in created.items():
        t1, t2, t3 = (firsts[t].get(key) for t in ("bc.orders", "ns.commands", "sync.results"))
        if t1 and t2 and t3:
            stages["placed → bc.orders (source)"].append(t1 - t0)
            stages["bc.orders → ns.commands (plan)"].append(t2 - t1)
            stages["ns.commands → synced (NetSuite writer)"].append(t3 - t2)
    return stages


def _print_stages(stages: dict[str, list[float]]) -> None:
    import statistics

    print("stages (median / p95 seconds)")
    for name, values in stages.items():
        if len(values) > 1:
            q = statistics.quantiles(values, n=20)
            print(f"  {name:<40} {statistics.median(values):6.2f} / {q[18]:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=400.0, help="orders per second placed in BigCommerce")
    parser.add_argument("--ns-limit", type=int, default=15)
    parser.add_argument("--ns-latency-ms", type=float, default=300.0)
    parser.add_argument("--store", default="o2cdemo")
    parser.add_argument("--writer-concurrency", type=int, default=384,
                        help="sales orders in flight in the writer (new customers' orders wait on batches)")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--bc-quota", choices=("unlimited", *PLAN_QUOTA), default="unlimited",
                        help="BigCommerce plan whose quota the sandbox enforces (unlimited: 1,000,000 per 30 s)")
    parser.add_argument("--bc-share", type=float, default=0.6,
                        help="share of the plan's quota o2c may use (the rest is other apps'); not with unlimited")
    args = parser.parse_args()
    if not 0 < args.bc_share <= 1:
        parser.error("--bc-share must be in (0, 1]")
    with local_stack() as stack:
        stack.ns_url = stack.sandbox("netsuite", "--concurrency-limit", str(args.ns_limit),
                                     "--latency-ms", str(args.ns_latency_ms), "--styles", "6",
                                     "--multiple-shipping-routes")
        plan = [] if args.bc_quota == "unlimited" else ["--plan", args.bc_quota]
        stack.bc_url = stack.sandbox("bigcommerce", "--store-hash", args.store, *plan,
                                     "--quota", str(bc_quota(args.bc_quota, args.bc_share)),
                                     "--window-ms", str(WINDOW_MS), "--styles", "6")
        bc_env: dict[str, str] = {}
        if args.bc_quota != "unlimited":
            httpx.post(f"{stack.bc_url}/__sandbox/config", json={"quota_exempt": ["POST /v2/orders"]},
                       timeout=10).raise_for_status()
            bc_env["O2C_BC_PLAN"] = args.bc_quota
        worker = stack.worker(
            webhooks=True, O2C_ORDERS_ENABLED="true", **DEMO_ORDER_ENV, **bc_env,
            O2C_ORDERS_WRITER_CONCURRENCY=str(args.writer_concurrency),
            O2C_NS_BASE_URL=stack.ns_url, O2C_NS_CONCURRENCY_LIMIT=str(args.ns_limit), O2C_NS_SOURCE_ENABLED="true",
            O2C_NS_ITEMS_POLL_SECONDS="5", O2C_BC_SOURCE_ENABLED="true", O2C_BC_API_BASE=stack.bc_url,
            O2C_BC_STORE_HASH=args.store, O2C_BC_POLL_INTERVAL="10", O2C_BC_HYDRATOR_CONCURRENCY="16",
        )
        worker_url = worker.url
        items = asyncio.run(_wait_items(stack.postgres.dsn))
        print(f"stack ready: {items} sellable SKUs mapped from NetSuite; placing {args.orders} orders "
              f"at {args.rate:.0f}/s", flush=True)
        load = subprocess.Popen([sys.executable, "-m", "streams.cli", "sandbox", "bigcommerce-load", "--url",
                                 stack.bc_url, "--store-hash", args.store, "--count", str(args.orders),
                                 "--rate", str(args.rate)], stdout=subprocess.DEVNULL)
        assert worker.proc is not None
        cpu_before, started = cpu_by_role(), time.monotonic()
        samples, peak = asyncio.run(_follow(stack.postgres.dsn, args.orders, worker.proc.pid, args.timeout))
        print_cpu(cpu_before, cpu_by_role(), time.monotonic() - started)
        load.wait()
        asyncio.run(_report(stack, args, samples, peak, f"{worker_url}/metrics"))
        _print_stages(asyncio.run(_stage_latencies(stack.kafka.bootstrap)))
        worker.stop()


if __name__ == "__main__":
    main()
