"""Fulfilments: NetSuite item fulfilments → BigCommerce shipments under BigCommerce's real quota.

    .venv/bin/python -m bench.fulfilments [--fulfilments 5000] [--steady-rate 20] [--steady-seconds 60]

Everything is real: Kafka, PostgreSQL, both sandboxes over HTTP, the order flow (which makes the sales
orders first, with BigCommerce's quota lifted so the set-up is quick), the NetSuite fulfilment poller and
the fulfilments flow. Then:

1. **burst** — BigCommerce at the Standard plan's quota (150 requests / 30 s): ``--fulfilments`` item
   fulfilments made in NetSuite at once (20% partial, 10% in two packed cartons with their own tracking
   numbers); prints shipments per second, BigCommerce requests per shipment against the minimum the API
   allows (one ``POST /v2/orders/{id}/shipments`` per shipment: there is no batch endpoint) and 429s;
2. **steady** — ``--steady-rate`` fulfilments per second for ``--steady-seconds``, latency from the
   fulfilment being made in NetSuite to its shipment existing in BigCommerce (p50/p95). Standard's
   5 requests/s cannot carry 20 shipments/s, so this phase runs under ``--steady-quota`` (default 3,000
   per 30 s, an Enterprise-sized quota that also carries the order re-reads each shipment's status change
   causes) and says so;
3. **invariants** — one shipment per package, shipped quantity = fulfilled quantity per order line, no
   unexplained exception.

Never fails on a timing. Shipments are watched through the sandbox's admin routes (no quota).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench.stack import Stack, local_stack
from streams.platform.demo import DEMO_ORDER_ENV

STANDARD_QUOTA = 150
WINDOW_MS = 30_000


def fulfilment_payload(index: int, order: dict[str, Any]) -> tuple[dict[str, Any], int] | None:
    """The warehouse's fulfilment of one sales order and how many packages it has (None: nothing to ship).

    Every 5th (index % 5 == 1) is partial (part of the first line), every 10th (index % 10 == 0) goes in
    two cartons; the carrier rotates over UPS, FedEx, USPS and DHL."""
    goods = [line for line in (order.get("item") or {}).get("items") or []
             if (line.get("itemType") or {}).get("id", "InvtPart") == "InvtPart" and line.get("quantity")]
    if order.get("isMultiShipTo"):  # NetSuite fulfils one ship group (one address) at a time
        first = min(int(line.get("shipGroup") or 1) for line in goods) if goods else 1
        goods = [line for line in goods if int(line.get("shipGroup") or 1) == first]
    lines = [(int(line["line"]), Decimal(str(line["quantity"]))) for line in goods]
    if not lines:
        return None
    method, carrier, number = [
        ("UPS Ground", "UPS", f"1Z{index:016d}"), ("FedEx 2Day", "FedEx", f"{index:012d}"),
        ("USPS Priority Mail", "USPS", f"9400{index:018d}"), ("DHL Express Worldwide", "DHL", f"{index:010d}"),
    ][index % 4]
    units = sum(q for _, q in lines)
    body: dict[str, Any] = {"salesOrder": order["id"], "shipMethod": method, "carrier": carrier}
    if index % 10 == 0 and units > 1:
        if len(lines) == 1:
            line, qty = lines[0]
            halves = [[(line, (qty + 1) // 2)], [(line, qty - (qty + 1) // 2)]]
        else:
            halves = [lines[: (len(lines) + 1) // 2], lines[(len(lines) + 1) // 2:]]
        body["packages"] = [
            {"tracking": f"{number}{k}", "carton": f"C{k + 1}", "weight": "1.0",
             "lines": [{"orderLine": ln, "quantity": str(q)} for ln, q in half]}
            for k, half in enumerate(halves)]
        return body, 2
    chosen = lines
    if index % 5 == 1 and units > 1:
        line, qty = lines[0]
        chosen = [(line, max(Decimal(1), qty // 2))] if qty > 1 else [lines[0]]
    body["lines"] = [{"orderLine": ln, "quantity": str(q)} for ln, q in chosen]
    body["packages"] = [{"tracking": number, "weight": "1.2"}]
    return body, 1


async def _wait_synced(dsn: str, orders: int, timeout: float) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        deadline, last = time.monotonic() + timeout, 0.0
        while time.monotonic() < deadline:
            synced = int(await conn.fetchval("SELECT count(*) FROM order_links WHERE status = 'synced'"))
            if synced >= orders:
                return list(await conn.fetch("SELECT order_id, ns_id FROM order_links WHERE status = 'synced' "
                                             "ORDER BY order_id"))
            if time.monotonic() - last > 15:
                print(f"  … {synced}/{orders} sales orders", flush=True)
                last = time.monotonic()
            await asyncio.sleep(1)
        raise RuntimeError(f"only part of {orders} orders reached NetSuite in {timeout:.0f}s")
    finally:
        await conn.close()


async def _shipments(http: httpx.AsyncClient, bc_url: str) -> list[dict[str, Any]]:
    return list((await http.get(f"{bc_url}/__sandbox/state/shipments")).json())


async def _fulfil(http: httpx.AsyncClient, ns_url: str, bodies: list[dict[str, Any]], rate: float | None,
                  made: dict[str, float]) -> None:
    """Make the fulfilments in NetSuite (at ``rate`` per second, or as fast as the sandbox takes them)."""
    gate = asyncio.Semaphore(16)
    started = time.monotonic()
    refused: Counter[str] = Counter()

    async def one(i: int, body: dict[str, Any]) -> None:
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        async with gate:
            response = await http.post(f"{ns_url}/__sandbox/warehouse/fulfil", json=body)
            if response.status_code >= 300:
                refused[response.text[:200]] += 1
                return
            made[str(body["salesOrder"])] = time.monotonic()

    await asyncio.gather(*(one(i, body) for i, body in enumerate(bodies)))
    for text, count in refused.most_common(3):
        print(f"  NetSuite refused {count} fulfilments: {text}", flush=True)


async def _watch(http: httpx.AsyncClient, bc_url: str, expected: int, timeout: float,
                 first_seen: dict[int, float]) -> list[tuple[float, int]]:
    """Sample the shipment count until ``expected`` exist; note when each order's first shipment appeared."""
    samples: list[tuple[float, int]] = []
    deadline, last = time.monotonic() + timeout, 0.0
    while time.monotonic() < deadline:
        shipments = await _shipments(http, bc_url)
        now = time.monotonic()
        for shipment in shipments:
            first_seen.setdefault(int(shipment["order_id"]), now)
        samples.append((now, len(shipments)))
        if now - last > 15:
            print(f"  … {len(shipments)}/{expected} shipments", flush=True)
            last = now
        if len(shipments) >= expected and len(samples) > 30 and samples[-30][1] == len(shipments):
            break  # everything expected, and nothing new for the last 15 s
        await asyncio.sleep(0.5)
    return samples


def _rate(samples: list[tuple[float, int]], start_count: int, total: int) -> float:
    """Shipments per second between 10% and 90% of the phase."""
    want = total - start_count
    lo = next((s for s in samples if s[1] - start_count >= want * 0.1), samples[0])
    hi = next((s for s in samples if s[1] - start_count >= want * 0.9), samples[-1])
    return (hi[1] - lo[1]) / (hi[0] - lo[0]) if hi[0] > lo[0] else float("nan")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _orders(args: argparse.Namespace) -> int:
    """Orders to place: one per fulfilment of both phases."""
    return args.fulfilments + int(args.steady_rate * args.steady_seconds)


async def run(stack: Stack, args: argparse.Namespace) -> None:
    links = await _wait_synced(stack.postgres.dsn, _orders(args), args.timeout)
    async with httpx.AsyncClient(timeout=120) as http:
        records = {str(r["id"]): r for r in (await http.get(f"{stack.ns_url}/__sandbox/records/salesOrder")).json()}
        plans = [fulfilment_payload(i, records[str(link["ns_id"])]) for i, link in enumerate(links)]
        planned = [p for p in plans if p is not None]
        burst, rest = planned[: args.fulfilments], planned[args.fulfilments:]
        await http.post(f"{stack.bc_url}/__sandbox/config", json={"quota": STANDARD_QUOTA, "window_ms": WINDOW_MS})
        await http.post(f"{stack.bc_url}/__sandbox/state/stats/reset")
        packages = sum(n for _, n in burst)
        print(f"burst: {len(burst)} fulfilments ({packages} packages) under the Standard quota "
              f"({STANDARD_QUOTA} requests / {WINDOW_MS // 1000} s)", flush=True)
        made: dict[str, float] = {}
        first_seen: dict[int, float] = {}
        started = time.monotonic()
        await _fulfil(http, stack.ns_url, [b for b, _ in burst], None, made)
        samples = await _watch(http, stack.bc_url, packages, args.timeout, first_seen)
        burst_elapsed = time.monotonic() - started
        burst_stats = (await http.get(f"{stack.bc_url}/__sandbox/state/stats")).json()
        created = samples[-1][1]

        print(f"steady: {len(rest)} fulfilments at {args.steady_rate:g}/s under a quota of {args.steady_quota} "
              f"/ {WINDOW_MS // 1000} s", flush=True)
        await http.post(f"{stack.bc_url}/__sandbox/config", json={"quota": args.steady_quota})
        steady_made: dict[str, float] = {}
        steady_seen: dict[int, float] = {}
        so_to_order = {str(link["ns_id"]): int(link["order_id"]) for link in links}
        already = {int(s["order_id"]) for s in await _shipments(http, stack.bc_url)}
        await asyncio.gather(
            _watch(http, stack.bc_url, created + sum(n for _, n in rest), args.timeout, steady_seen),
            _fulfil(http, stack.ns_url, [b for b, _ in rest], args.steady_rate, steady_made))
        latencies = [steady_seen[so_to_order[so]] - t for so, t in steady_made.items()
                     if so_to_order[so] in steady_seen and so_to_order[so] not in already]
        shipments = await _shipments(http, stack.bc_url)
        fulfilments = (await http.get(f"{stack.ns_url}/__sandbox/records/itemFulfillment")).json()
    conn = await asyncpg.connect(stack.postgres.dsn)
    try:
        exceptions = await conn.fetch("SELECT kind, owner, message FROM exceptions WHERE status = 'open'")
    finally:
        await conn.close()
    _report(args, burst_elapsed, samples, created, burst_stats, latencies, shipments, fulfilments, records,
            so_to_order, exceptions)


def _report(args: argparse.Namespace, elapsed: float, samples: list[tuple[float, int]], created: int,
            stats: dict[str, Any], latencies: list[float], shipments: list[dict[str, Any]],
            fulfilments: list[dict[str, Any]], orders: dict[str, dict[str, Any]], so_to_order: dict[str, int],
            exceptions: list[asyncpg.Record]) -> None:
    shipment_calls = {k: v for k, v in stats["by_endpoint"].items() if "shipments" in k}
    requests = sum(stats["by_endpoint"].values())
    print("\nfulfilments → shipments")
    print(f"  burst                        {created} shipments in {elapsed:.0f}s; "
          f"sustained {_rate(samples, 0, created):.2f} shipments/s "
          f"(quota ceiling {STANDARD_QUOTA / (WINDOW_MS / 1000):.1f} requests/s)")
    print(f"  BigCommerce requests/shipment {requests / max(created, 1):.2f} (minimum the API allows: 1.00); "
          f"429s {stats.get('rate_limited', 0)}")
    for endpoint, count in sorted(stats["by_endpoint"].items(), key=lambda kv: -kv[1])[:6]:
        print(f"    {endpoint:<48} {count:6d}")
    del shipment_calls
    print(f"  steady latency               NetSuite fulfilment → BigCommerce shipment at {args.steady_rate:g}/s: "
          f"p50 {_pct(latencies, 50):.1f}s  p95 {_pct(latencies, 95):.1f}s ({len(latencies)} fulfilments)")
    shipped: dict[tuple[int, int], int] = defaultdict(int)
    for shipment in shipments:
        for item in shipment["items"]:
            shipped[(int(shipment["order_id"]), int(item["order_product_id"]))] += int(item["quantity"])
    fulfilled: dict[tuple[int, int], int] = defaultdict(int)
    packages = 0
    for record in fulfilments:
        if (record.get("shipStatus") or {}).get("id", "C") != "C":
            continue
        packages += max(1, len((record.get("package") or {}).get("items") or []))
        so = str((record.get("createdFrom") or {}).get("id"))
        lines = {int(x["line"]): x for x in (orders.get(so, {}).get("item") or {}).get("items") or []}
        for line in (record.get("item") or {}).get("items") or []:
            source = lines.get(int(line.get("orderLine", -1)))
            if source is not None and source.get("custcol_bc_order_product_id") and line.get("itemReceive", True):
                key = (so_to_order.get(so, -1), int(source["custcol_bc_order_product_id"]))
                fulfilled[key] += int(Decimal(str(line.get("quantity") or 0)))
    wrong = [k for k in set(shipped) | set(fulfilled) if shipped.get(k, 0) != fulfilled.get(k, 0)]
    for key in sorted(wrong)[:5]:
        print(f"    order {key[0]} product {key[1]}: shipped {shipped.get(key, 0)}, fulfilled {fulfilled.get(key, 0)}")
    per_order = Counter(int(s["order_id"]) for s in shipments)
    packages_per_order: Counter[int] = Counter()
    for record in fulfilments:
        if (record.get("shipStatus") or {}).get("id", "C") == "C":
            so = str((record.get("createdFrom") or {}).get("id"))
            packages_per_order[so_to_order.get(so, -1)] += max(1, len((record.get("package") or {}).get("items") or []))
    addresses = defaultdict(set)
    for shipment in shipments:
        addresses[int(shipment["order_id"])].add(shipment["order_address_id"])
    # BigCommerce wants one shipment per address: a package whose lines go to two addresses is two shipments
    splits = {o: n - packages_per_order.get(o, 0) for o, n in per_order.items()
              if packages_per_order.get(o, 0) < n <= packages_per_order.get(o, 0) * len(addresses[o])}
    extra = [(o, n, packages_per_order.get(o, 0)) for o, n in per_order.items()
             if n - splits.get(o, 0) != packages_per_order.get(o, 0)]
    for order_id, n, expected in sorted(extra)[:5]:
        print(f"    order {order_id}: {n} shipments for {expected} packages")
    by_kind = Counter(e["kind"] for e in exceptions)
    unexplained = [e for e in exceptions if not (e["owner"] and e["message"])]
    print("invariants")
    split = sum(splits.values())
    print(f"  one shipment per package     {'OK' if len(shipments) == packages + split and not extra else 'FAILED'} "
          f"({len(shipments)} shipments = {packages} packages shipped in NetSuite + {split} more for packages whose "
          "lines ship to two BigCommerce addresses, one shipment per address as BigCommerce requires)")
    print(f"  shipped = fulfilled          {'OK' if not wrong else 'FAILED'} ({len(wrong)} order lines differ)")
    print(f"  exceptions explained         {'OK' if not unexplained and not by_kind else 'CHECK'} "
          f"({dict(by_kind) or 'none open'})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fulfilments", type=int, default=5000)
    parser.add_argument("--steady-rate", type=float, default=20.0)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    parser.add_argument("--steady-quota", type=int, default=3000, help="requests / 30 s in the steady phase")
    parser.add_argument("--store", default="o2cbench")
    parser.add_argument("--poll-seconds", default="1", help="NetSuite fulfilment poll interval")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    with local_stack() as stack:
        stack.ns_url = stack.sandbox("netsuite", "--concurrency-limit", "15", "--latency-ms", "50", "--styles", "6",
                                     "--multiple-shipping-routes")
        stack.bc_url = stack.sandbox("bigcommerce", "--store-hash", args.store, "--quota", "1000000",
                                     "--window-ms", str(WINDOW_MS), "--styles", "6")
        worker = stack.worker(
            webhooks=True, O2C_ORDERS_ENABLED="true", **DEMO_ORDER_ENV,
            O2C_ORDERS_WRITEBACK_ENABLED="false",
            O2C_FULFILMENTS_ENABLED="true", O2C_NS_BASE_URL=stack.ns_url, O2C_NS_CONCURRENCY_LIMIT="15",
            O2C_NS_SOURCE_ENABLED="true", O2C_NS_ITEMS_POLL_SECONDS="5",
            O2C_NS_FULFILMENTS_POLL_SECONDS=args.poll_seconds, O2C_BC_SOURCE_ENABLED="true",
            O2C_BC_API_BASE=stack.bc_url, O2C_BC_STORE_HASH=args.store, O2C_BC_POLL_INTERVAL="10",
        )
        print(f"placing {_orders(args)} orders in BigCommerce (quota lifted for the set-up)", flush=True)
        load = subprocess.Popen([sys.executable, "-m", "streams.cli", "sandbox", "bigcommerce-load", "--url",
                                 stack.bc_url, "--store-hash", args.store, "--count", str(_orders(args)),
                                 "--rate", "300"], stdout=subprocess.DEVNULL)
        asyncio.run(run(stack, args))
        load.wait()
        worker.stop()


if __name__ == "__main__":
    main()
