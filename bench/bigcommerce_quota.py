"""BigCommerce rate-limit governor benchmark: many coroutines, one store quota, the sandbox over HTTP.

    .venv/bin/python -m bench.bigcommerce_quota [--requests 1000] [--concurrency 64] [--plan standard]

Starts the BigCommerce sandbox on a free port (Standard preset: 150 requests per 30 s window), then
fires ``--requests`` GETs (order lists, order counts, variant reads) through one
``BigCommerceClient`` from ``--concurrency`` coroutines at once. Prints: 429s seen by callers (target
0), 429s the sandbox served (the governor's misses, absorbed by its retries), the share of the quota
used while running = requests served / (quota × windows the run touched) (target ≥ 0.9), and wall time.
A 1,000-request run on Standard needs 7 windows, so it takes a little over 3 minutes by design.
``--window-ms`` shortens the window for a quick look. Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from typing import Any

import httpx

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.sandbox import SandboxConfig, start_sandbox
from connectors.http import RateLimitedError


async def run(requests: int, concurrency: int, plan: str, window_ms: int) -> dict[str, Any]:
    config = SandboxConfig(plan=plan, window_ms=window_ms, rng_seed=1)
    server = await start_sandbox("127.0.0.1", 0, config)
    settings = BigCommerceSettings(api_base=server.url, store_hash=config.store_hash, plan=plan,
                                   max_attempts=20, quota_reserve=0)
    governor = RateLimitGovernor("bench", policy=PacingPolicy(reserve=0))
    client = BigCommerceClient(settings, governor=governor)
    try:
        async with httpx.AsyncClient(base_url=server.url) as admin:
            await admin.post("/__sandbox/state/stats/reset")  # a fresh quota window starts now
            variant = next(iter(server.store.variants.values()))
            todo = iter(range(requests))
            caller_429 = 0
            failures = 0

            async def one(i: int) -> None:
                kind = i % 3
                if kind == 0:
                    await client.list_orders_page(limit=5)
                elif kind == 1:
                    await client.count_orders()
                else:
                    await client.get_variant(int(variant["product_id"]), int(variant["id"]))

            async def worker() -> None:
                nonlocal caller_429, failures
                for i in todo:
                    try:
                        await one(i)
                    except RateLimitedError:
                        caller_429 += 1
                    except Exception:
                        failures += 1

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            wall = time.monotonic() - started
            stats = (await admin.get("/__sandbox/state/stats")).json()
    finally:
        await client.aclose()
        await server.stop()
    quota = config.effective_quota
    window_s = window_ms / 1000.0
    windows = math.floor(wall / window_s) + 1  # windows touched: the last one is partly used
    served = stats["requests"] - stats["rate_limited"]
    return {
        "requests": requests,
        "concurrency": concurrency,
        "plan": plan,
        "quota": f"{quota} per {window_s:g} s",
        "caller_429s": caller_429,
        "other_failures": failures,
        "sandbox_429s": stats["rate_limited"],
        "served": served,
        "windows": windows,
        "quota_share": served / (quota * windows),
        "wall_s": wall,
        "ideal_wall_s": (math.ceil(requests / quota) - 1) * window_s,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--plan", choices=("standard", "plus", "pro"), default="standard")
    p.add_argument("--window-ms", type=int, default=30_000, help="quota window (BigCommerce: 30000)")
    args = p.parse_args(argv)
    r = asyncio.run(run(args.requests, args.concurrency, args.plan, args.window_ms))
    print(f"BigCommerce quota benchmark — {r['requests']} requests from {r['concurrency']} coroutines, "
          f"{r['plan']} ({r['quota']})")
    print(f"  429s seen by callers        {r['caller_429s']}   (target 0)")
    print(f"  429s served by the sandbox  {r['sandbox_429s']}")
    print(f"  other failures              {r['other_failures']}")
    print(f"  quota share used            {r['quota_share']:.3f}   ({r['served']} served / "
          f"{r['windows']} windows; target >= 0.9)")
    print(f"  wall time                   {r['wall_s']:.1f} s   (ideal {r['ideal_wall_s']:.1f} s)")


if __name__ == "__main__":
    main()
