"""A live, plain-English summary of the order flow for the demo (and for anyone watching a worker).

Figures come from PostgreSQL (set-based counts) and from the worker's own ``/metrics``; what the worker
is doing (its phase, and whether it is ready) is its own ``/readyz`` answer, word for word, so the
summary and the readiness probe never disagree. :class:`StartupWatch` turns successive summaries into
the start-up lines the demo prints as they happen (joining the group, ready, items known, first sync).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from state.summary import demo_figures

LATENCY_METRIC = "o2c_order_to_sales_order_seconds"


@dataclass(frozen=True)
class WorkerState:
    """The worker's ``/readyz`` answer: ready or not, its phase, and the reasons it is not ready."""

    ready: bool
    phase: str
    reasons: tuple[str, ...] = ()


#: Before the worker's web server answers: the process is loading the flows and creating the topics.
STARTING = WorkerState(False, "starting (loading the flows, creating topics)", ("web server not up yet",))


async def worker_state(http: httpx.AsyncClient, readyz_url: str) -> WorkerState:
    """Ask ``/readyz``; a worker whose web server does not answer yet is :data:`STARTING`."""
    try:
        response = await http.get(readyz_url)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return STARTING
    return WorkerState(response.status_code == 200, str(body.get("phase") or body.get("status")),
                       tuple(str(r) for r in body.get("reasons", ())))


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
    worker: WorkerState = STARTING
    items_known: int = 0  # NetSuite items in the SKU map: orders wait (parked) for theirs
    shipments: int = 0  # BigCommerce shipments created from NetSuite fulfilments
    deposits: int = 0  # NetSuite customer deposits written
    invoices: int = 0  # NetSuite invoices made for shipments
    payouts: int = 0  # gateway payouts posted as journal entries
    payouts_reconciled: int = 0  # of which the clearing residual is 0.00
    refunds: int = 0  # BigCommerce refunds seen
    refunds_credited: int = 0  # of which NetSuite holds every document (credit = refund)
    price_records: int = 0  # B2B price list records BigCommerce holds as NetSuite's price levels say
    price_customers: int = 0  # NetSuite customers in their price level's BigCommerce group

    @property
    def waiting_for_items(self) -> bool:
        return self.worker.ready and self.items_known == 0

    def state(self) -> str:
        """What the worker is doing, as ``/readyz`` says, and what the orders wait for."""
        state = f"worker {self.worker.phase}"
        if self.waiting_for_items:
            state += ", waiting for the first NetSuite item poll (orders wait for their items)"
        return state

    def line(self) -> str:
        latency = (f"latency p50 {self.p50:.1f}s p95 {self.p95:.1f}s" if self.p50 is not None and self.p95 is not None
                   else "latency -")
        slots = (f"NetSuite slots {self.slots_in_use:.0f}/{self.slot_limit:.0f}"
                 if self.slots_in_use is not None and self.slot_limit is not None else "NetSuite slots -")
        return (f"{self.state()} | orders received {self.orders_received} | sales orders {self.sales_orders} "
                f"| parked {self.parked} | held {self.held} | exceptions open {self.exceptions_open} | {latency} "
                f"| shipments {self.shipments} | deposits {self.deposits} | invoices {self.invoices} "
                f"| payouts {self.payouts} ({self.payouts_reconciled} reconciled) "
                f"| refunds {self.refunds} ({self.refunds_credited} credited) "
                f"| price records {self.price_records} ({self.price_customers} customers grouped) | {slots}")


async def collect(pool: asyncpg.Pool, worker_url: str, since: datetime, *, with_metrics: bool = True) -> Summary:
    """Figures for what happened since ``since`` (the demo's start), and the worker's state.

    ``with_metrics=False`` skips ``/metrics`` (latency and NetSuite slots), for frequent start-up checks.
    """
    row = await demo_figures(pool, since)
    async with httpx.AsyncClient(timeout=2.0) as http:
        worker = await worker_state(http, f"{worker_url}/readyz")
        p50, p95, slots, limit = await _metrics(http, f"{worker_url}/metrics") if with_metrics else (None,) * 4
    return Summary(int(row["received"]), int(row["synced"]), int(row["parked"]), int(row["held"]),
                   int(row["open_exceptions"]), p50, p95, slots, limit, worker, int(row["items"]),
                   int(row["shipments"]), int(row["deposits"]), int(row["invoices"]), int(row["payouts"]),
                   int(row["payouts_reconciled"]), int(row["refunds"]), int(row["refunds_credited"]),
                   int(row["price_records"]), int(row["price_customers"]))


async def _metrics(http: httpx.AsyncClient, url: str) -> tuple[float | None, ...]:
    """Latency p50 and p95, NetSuite slots in use and their limit (None where the worker does not say)."""
    slots = limit = None
    buckets: list[tuple[float, float]] = []
    try:
        text = (await http.get(url)).text
    except httpx.HTTPError:
        return None, None, None, None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{LATENCY_METRIC}_bucket":
                buckets.append((float(sample.labels["le"]), sample.value))
            elif sample.name == "o2c_netsuite_slots_in_use":
                slots = sample.value
            elif sample.name == "o2c_netsuite_slot_limit":
                limit = sample.value
    return quantile(buckets, 0.5), quantile(buckets, 0.95), slots, limit


@dataclass
class StartupWatch:
    """Start-up milestones, each reported once, the moment a summary first shows it."""

    seen_phases: list[str] = field(default_factory=list)
    items_reported: bool = False
    first_sync_reported: bool = False

    @property
    def done(self) -> bool:
        """The first sales order is synced: from here on, the periodic summary says enough."""
        return self.first_sync_reported

    def milestones(self, summary: Summary) -> list[str]:
        """What changed since the previous summary, in plain words (empty when nothing did)."""
        out = []
        if not self.seen_phases or self.seen_phases[-1] != summary.worker.phase:
            self.seen_phases.append(summary.worker.phase)
            out.append(f"worker {summary.worker.phase}")
            if summary.waiting_for_items:
                out.append("waiting for the first NetSuite item poll: orders are parked until their items are known")
        if summary.items_known and not self.items_reported:
            self.items_reported = True
            out.append(f"NetSuite items arriving ({summary.items_known} known so far): parked orders go ahead")
        if summary.sales_orders and not self.first_sync_reported:
            self.first_sync_reported = True
            out.append(f"first sales order synced ({summary.sales_orders} so far)")
        return out


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
