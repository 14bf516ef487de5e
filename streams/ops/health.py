"""Each flow's health from its figures: ok, warning or failing, with the reasons in plain English (pure).

Inputs are numbers the page gathered (PostgreSQL's :class:`state.ops_health.FlowRow` and rates from the
workers' metrics); nothing here reads a clock, a database or the network, so every rule is unit-tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from streams.ops.text import age, count, duration, rate

Status = Literal["ok", "warning", "failing"]
_RANK = {"ok": 0, "warning": 1, "failing": 2}


@dataclass(frozen=True)
class Flow:
    """A flow as the page presents it, and how long is too long for it."""

    key: str
    title: str
    writes: str            # what a success writes, plural ("sales orders")
    waits: str             # what waits ("order")
    arrives: str           # what arrives, plural ("orders")
    warn_wait: float       # seconds the oldest waiting object may wait before a warning
    fail_wait: float       # ... before the flow is failing
    silent_after: float    # seconds without a success, while work waits or arrives, before it is failing
    backlog_warn: int = 1000  # Kafka events not yet read before a warning


FLOWS: tuple[Flow, ...] = (
    Flow("orders", "Orders", "sales orders", "order", "orders", 600, 3600, 1800),
    Flow("inventory", "Stock", "stock updates", "stock change", "stock changes", 600, 3600, 3600,
         backlog_warn=20000),
    Flow("fulfilments", "Shipments", "shipments", "fulfilment", "fulfilments", 900, 3600, 3600),
    Flow("cash", "Money in", "deposits or invoices", "deposit or invoice", "paid orders", 1800, 6 * 3600, 3600),
    Flow("payouts", "Payouts", "payout journal entries", "payout", "payouts", 86400, 3 * 86400, 2 * 86400,
         backlog_warn=100),
    Flow("returns", "Refunds", "refund credits", "refund", "refunds", 1800, 6 * 3600, 3600),
    Flow("prices", "Prices", "price records", "price record", "price changes", 900, 3 * 3600, 3600,
         backlog_warn=20000),
)
BY_KEY = {f.key: f for f in FLOWS}


@dataclass(frozen=True)
class FlowFigures:
    """What the page knows about one flow right now (None: unknown, e.g. no metrics scraped yet)."""

    last_success: datetime | None
    waiting: int = 0
    oldest: datetime | None = None
    stuck: int = 0
    in_per_min: float | None = None
    out_per_min: float | None = None
    backlog: int | None = None


@dataclass(frozen=True)
class FlowHealth:
    flow: Flow
    status: Status
    reasons: Sequence[str]
    figures: FlowFigures


@dataclass(frozen=True)
class Systems:
    """The outside systems as the workers see them (None: unknown)."""

    bc_quota_left: float | None = None
    bc_quota_size: float | None = None
    ns_slots_in_use: float | None = None
    ns_slot_limit: float | None = None
    workers: int = 0
    unreadable: Sequence[str] = field(default_factory=tuple)  # metrics addresses that did not answer


@dataclass(frozen=True)
class SystemsHealth:
    status: Status
    reasons: Sequence[str]
    systems: Systems


def worst(statuses: Sequence[Status]) -> Status:
    return max(statuses, key=_RANK.__getitem__, default="ok")


def flow_health(flow: Flow, f: FlowFigures, now: datetime) -> FlowHealth:
    """The flow's status and every reason for it (the worst first); an ok flow says when it last worked."""
    found: list[tuple[Status, str]] = []
    waited = (now - f.oldest).total_seconds() if f.oldest and f.waiting else 0.0
    if waited >= flow.fail_wait:
        found.append(("failing", f"the oldest waiting {flow.waits} has waited {duration(waited)}"))
    elif waited >= flow.warn_wait:
        found.append(("warning", f"the oldest waiting {flow.waits} has waited {duration(waited)}"))
    silent = None if f.last_success is None else (now - f.last_success).total_seconds()
    arriving = f.in_per_min is not None and f.in_per_min > 0
    writing = f.out_per_min is not None and f.out_per_min > 0
    if (f.waiting or arriving) and not writing and (silent is None or silent >= flow.silent_after):
        since = "ever" if silent is None else f"for {duration(silent)}"
        if f.waiting:
            why = f"{count(f.waiting, flow.waits)} {'waits' if f.waiting == 1 else 'wait'}"
        else:
            why = f"{flow.arrives} keep arriving"
        found.append(("failing", f"no {flow.writes} written {since} while {why}"))
    if f.backlog is not None and f.backlog >= flow.backlog_warn:
        found.append(("warning", f"{count(f.backlog, 'event')} not yet read from Kafka"))
    if f.stuck:
        found.append(("warning", f"{count(f.stuck, flow.waits)} held or refused (see the exceptions)"))
    if not found:
        if f.last_success is None and writing:
            return FlowHealth(flow, "ok", [f"writing {flow.writes}: {rate(f.out_per_min)}"], f)
        if f.last_success is None:
            return FlowHealth(flow, "ok", ["nothing to do yet"], f)
        return FlowHealth(flow, "ok", [f"last written {age(f.last_success, now)}"], f)
    found.sort(key=lambda item: -_RANK[item[0]])
    return FlowHealth(flow, worst([s for s, _ in found]), [r for _, r in found], f)


def systems_health(s: Systems) -> SystemsHealth:
    """NetSuite's concurrency, BigCommerce's quota and whether every worker's metrics could be read."""
    found: list[tuple[Status, str]] = []
    if s.unreadable:
        found.append(("warning", f"could not read the metrics of {count(len(s.unreadable), 'worker')}: rates "
                                 "and the Kafka backlog are incomplete"))
    if s.workers == 0 and not s.unreadable:
        found.append(("warning", "no worker metrics configured (O2C_OPS_METRICS_URLS)"))
    if s.ns_slots_in_use is not None and s.ns_slot_limit and s.ns_slots_in_use >= s.ns_slot_limit:
        found.append(("warning", f"every NetSuite slot is in use ({s.ns_slots_in_use:.0f} of {s.ns_slot_limit:.0f}): "
                                 "writes queue in Kafka (expected during a sale)"))
    if s.bc_quota_left is not None and s.bc_quota_size and s.bc_quota_left < 0.1 * s.bc_quota_size:
        found.append(("warning", f"BigCommerce's API quota is nearly used up ({s.bc_quota_left:.0f} of "
                                 f"{s.bc_quota_size:.0f} requests left in the window)"))
    if not found:
        return SystemsHealth("ok", ["both systems answer within their limits"], s)
    return SystemsHealth(worst([st for st, _ in found]), [r for _, r in found], s)
