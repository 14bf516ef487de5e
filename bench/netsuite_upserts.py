"""Benchmark: upserts through the NetSuite client against the sandbox's concurrency pool.

    .venv/bin/python -m bench.netsuite_upserts [--count 2000] [--limit 15] [--latency-ms 300]

Each upsert is a ``PUT …/salesOrder/eid:BC-SO-bench-<n>`` with two lines. The client sizes its
governor from ``governanceLimits``. Prints:

- governance utilisation: slot-seconds held by successful requests / (account limit x wall time)
  (target >= 0.9);
- 429s as a share of requests, as the sandbox counted them (target < 2%);
- wall time, throughput and latency percentiles.

Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from connectors.netsuite import ConcurrencyGovernor, NetSuiteClient, NetSuiteSettings
from connectors.netsuite.governor import BUSY_SLOT_SECONDS
from connectors.netsuite.sandbox import SandboxConfig, start_sandbox


def _busy(outcome: str) -> float:
    return float(BUSY_SLOT_SECONDS.labels(outcome)._value.get())


async def run(count: int, limit: int, latency_ms: float, jitter_ms: float) -> None:
    sandbox = await start_sandbox("127.0.0.1", 0, SandboxConfig(concurrency_limit=limit, latency_ms=latency_ms,
                                                                latency_jitter_ms=jitter_ms, seed_styles=2))
    try:
        async with httpx.AsyncClient(base_url=sandbox.url) as admin:
            items = [r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()
                     if r.get("parent")]
        settings = NetSuiteSettings(base_url=sandbox.url, concurrency_limit=limit)
        async with NetSuiteClient(settings, governor=ConcurrencyGovernor(limit)) as client:
            ceiling = await client.configure_concurrency()
            latencies: list[float] = []
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(count):
                queue.put_nowait(n)

            async def worker() -> None:
                while True:
                    try:
                        n = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    body = {"entity": {"id": "101"}, "location": {"id": "1"},
                            "item": {"items": [{"item": {"id": items[n % len(items)]}, "quantity": 1, "rate": 10},
                                               {"item": {"id": items[(n * 7) % len(items)]}, "quantity": 2,
                                                "rate": 5}]}}
                    started = time.perf_counter()
                    await client.upsert("salesOrder", f"BC-SO-bench-{n}", body)
                    latencies.append(time.perf_counter() - started)

            before = {o: _busy(o) for o in ("ok", "throttled", "error")}
            async with httpx.AsyncClient(base_url=sandbox.url) as admin:
                stats_before = (await admin.get("/__sandbox/stats")).json()
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(limit * 3)))
            wall = time.perf_counter() - started
            busy = {o: _busy(o) - before[o] for o in before}
        async with httpx.AsyncClient(base_url=sandbox.url) as admin:
            stats = (await admin.get("/__sandbox/stats")).json()
            orders = [r for r in (await admin.get("/__sandbox/records/salesOrder")).json()
                      if str(r.get("externalId", "")).startswith("BC-SO-bench-")]
        requests = stats["requests"] - stats_before["requests"]
        throttled = stats["throttled"] - stats_before["throttled"]
        ordered = sorted(latencies)
        print(f"NetSuite upserts: {count} salesOrder PUT eid: against a pool of {limit} "
              f"(latency {latency_ms:.0f} ms + up to {jitter_ms:.0f} ms jitter); governor ceiling {ceiling}")
        print(f"  wall time                 {wall:8.2f} s   ({count / wall:.1f} upserts/s; "
              f"ideal {limit / (latency_ms / 1000):.1f}/s)")
        print(f"  governance utilisation    {busy['ok'] / (limit * wall):8.3f}     "
              f"(ok slot-seconds {busy['ok']:.1f} / {limit} x {wall:.2f} s; target >= 0.9)")
        print(f"  429s / requests           {throttled / max(requests, 1):8.2%}     "
              f"({throttled} of {requests}; target < 2%)")
        print(f"  peak in flight            {stats['max_in_flight']:8d}")
        print(f"  latency p50 / p95 / max   {statistics.median(ordered) * 1000:.0f} / "
              f"{ordered[int(len(ordered) * 0.95) - 1] * 1000:.0f} / {ordered[-1] * 1000:.0f} ms")
        print(f"  sales orders in sandbox   {len(orders):8d}     (exactly one per upsert expected)")
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=15)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    asyncio.run(run(args.count, args.limit, args.latency_ms, args.jitter_ms))


if __name__ == "__main__":
    main()
