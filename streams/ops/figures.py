"""Which metrics tell each flow's rates and backlog, and the figures the health rules read (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from state.ops_health import FlowRow
from streams.ops.health import FlowFigures, Systems
from streams.ops.metrics_scrape import Scrapes, Series

_NONE: Mapping[str, str] = {}


@dataclass(frozen=True)
class FlowMetrics:
    """``events_in``: what the change sources handed the flow; ``events_out``: what it wrote to the other
    system; ``topics``: its input topics (for the Kafka backlog); ``pending``: a gauge of what waits in memory."""

    events_in: Sequence[Series]
    events_out: Sequence[Series]
    topics: Sequence[str]
    pending: Sequence[Series] = ()


def _bc(kind: str) -> Series:
    return ("o2c_bigcommerce_source_events_total", {"kind": kind})


def _ns(kind: str) -> Series:
    return ("o2c_netsuite_source_events_total", {"kind": kind})


FLOW_METRICS: Mapping[str, FlowMetrics] = {
    "orders": FlowMetrics([_bc("order")], [("o2c_order_to_sales_order_seconds_count", _NONE)], ["bc.orders"]),
    "inventory": FlowMetrics([_ns("stock")], [("o2c_inventory_items_written_total", _NONE)], ["ns.inventory"],
                             pending=[("o2c_inventory_pending_skus", _NONE)]),
    "fulfilments": FlowMetrics([_ns("fulfilments")], [("o2c_shipments_total", _NONE)], ["ns.fulfilments"]),
    "cash": FlowMetrics([_bc("order")], [("o2c_deposits_total", _NONE), ("o2c_invoices_total", _NONE)],
                        ["bc.orders"]),
    "payouts": FlowMetrics([("o2c_payouts_published_total", _NONE)], [("o2c_payouts_posted_total", _NONE)],
                           ["payouts"]),
    "returns": FlowMetrics([_bc("refund")], [("o2c_refunds_total", {"outcome": "done"})], ["bc.refunds"]),
    "prices": FlowMetrics([_ns("prices")], [("o2c_price_records_written_total", {"outcome": "upserted"}),
                                            ("o2c_price_records_written_total", {"outcome": "deleted"})],
                          ["ns.prices"]),
}


def flow_figures(flow: str, row: FlowRow, scrapes: Scrapes) -> FlowFigures:
    """PostgreSQL's figures of ``flow`` with its rates, Kafka backlog and in-memory queue from the metrics."""
    m = FLOW_METRICS[flow]
    pending = sum(scrapes.total(name, **match) or 0.0 for name, match in m.pending)
    return FlowFigures(last_success=row.last_success, waiting=row.waiting + int(pending), oldest=row.oldest,
                       stuck=row.stuck, in_per_min=scrapes.rate_per_minute(m.events_in),
                       out_per_min=scrapes.rate_per_minute(m.events_out), backlog=scrapes.backlog(m.topics))


def systems(scrapes: Scrapes, targets: int) -> Systems:
    """BigCommerce's quota (the least left any worker saw) and NetSuite's slots (every worker's share)."""
    left = [v for s in scrapes.latest() for _, v in s.series("o2c_bigcommerce_quota_left")]
    size = [v for s in scrapes.latest() for _, v in s.series("o2c_bigcommerce_quota_size")]
    return Systems(bc_quota_left=min(left) if left else None, bc_quota_size=max(size) if size else None,
                   ns_slots_in_use=scrapes.total("o2c_netsuite_slots_in_use"),
                   ns_slot_limit=scrapes.total("o2c_netsuite_slot_limit"), workers=targets,
                   unreadable=tuple(scrapes.errors))
