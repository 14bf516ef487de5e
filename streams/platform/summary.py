"""A live, plain-English summary of the order flow for the demo (and for anyone watching a worker).

Figures come from PostgreSQL (set-based counts) and from the worker's own ``/metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

LATENCY_METRIC = "o2c_order_to_sales_order_seconds"


@dataclass(frozen=True)
class Summary:
    orders_received: int
    sales_orders: int
    parked: int
    held: int
    exceptions_open: int
    p50: float | None
    p95: float | None
    slots_in_use: float | None
    slot_limit: float | None

    def line(self) -> str:
        latency = (f"latency p50 {self.p50:.1f}s p95 {self.p95:.1f}s" if self.p50 is not None and self.p95 is not None
                   else "latency -")
        slots = (f"NetSuite slots {self.slots_in_use:.0f}/{self.slot_limit:.0f}"
                 if self.slots_in_use is not None and self.slot_limit is not None else "NetSuite slots -")
        return (f"orders received {self.orders_received} | sales orders {self.sales_orders} | parked {self.parked} "
                f"| held {self.held} | exceptions open {self.exceptions_open} | {latency} | {slots}")


async def collect(pool: asyncpg.Pool, metrics_url: str, since: datetime) -> Summary:
    """Figures for what happened since ``since`` (the demo's start)."""
    row = await pool.fetchrow(
        """SELECT (SELECT count(*) FROM sync_ledger WHERE object_type = 'order' AND updated_at >= $1) AS received,
                  (SELECT count(*) FROM order_links WHERE status IN ('synced', 'closed') AND synced_at >= $1)
                      AS synced,
                  (SELECT count(*) FROM parked_orders WHERE parked_at >= $1) AS parked,
                  (SELECT count(*) FROM order_links WHERE status = 'held' AND updated_at >= $1) AS held,
                  (SELECT count(*) FROM exceptions WHERE status IN ('open', 'retrying') AND created_at >= $1)
                      AS open_exceptions""",
        since,
    )
    assert row is not None
    p50 = p95 = slots = limit = None
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            text = (await http.get(metrics_url)).text
        buckets: list[tuple[float, float]] = []
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == f"{LATENCY_METRIC}_bucket":
                    buckets.append((float(sample.labels["le"]), sample.value))
                elif sample.name == "o2c_netsuite_slots_in_use":
                    slots = sample.value
                elif sample.name == "o2c_netsuite_slot_limit":
                    limit = sample.value
        p50, p95 = quantile(buckets, 0.5), quantile(buckets, 0.95)
    except httpx.HTTPError:
        pass
    return Summary(int(row["received"]), int(row["synced"]), int(row["parked"]), int(row["held"]),
                   int(row["open_exceptions"]), p50, p95, slots, limit)


def quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """Estimate a quantile from cumulative histogram buckets (linear inside the bucket)."""
    buckets = sorted(buckets)
    total = buckets[-1][1] if buckets else 0
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            span = count - lower_count
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / span if span else 1.0)
        lower_bound, lower_count = bound, count
    return lower_bound
