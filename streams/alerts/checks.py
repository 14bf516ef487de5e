"""Each alert's check: read its samples (PostgreSQL, Kafka, BigCommerce), apply its pure rule.

A check that cannot read its samples raises; the evaluator then leaves that alert as it was.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.bigcommerce import BigCommerceSettings
from connectors.bigcommerce.client import BigCommerceClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.poller import CURSOR_NAMES
from state import alerts as store
from streams.alerts.backlog import backlog_lag, backlog_waiting, lag_above_since
from streams.alerts.exception_spike import exception_spike
from streams.alerts.firing import Firing
from streams.alerts.orders_stalled import orders_stalled
from streams.alerts.payout_unreconciled import payout_unreconciled
from streams.alerts.sampling import consumer_lag, store_hooks
from streams.alerts.settings import AlertsSettings
from streams.alerts.source_quiet import Poller, Webhooks, quiet_pollers, quiet_webhooks
from streams.alerts.stock_stale import stock_stale
from streams.alerts.webhook_deactivated import webhook_deactivated

Check = Callable[[], Awaitable[list[Firing]]]


@dataclass
class Scope:
    """What this worker runs and reaches: which checks apply and where their samples are."""

    settings: AlertsSettings
    bc: BigCommerceSettings
    ns: NetSuiteSettings
    orders: bool
    inventory: bool
    bootstrap: str
    group: str
    pool: Callable[[], Awaitable[Any]]
    bc_client: Callable[[], Awaitable[BigCommerceClient]]
    kafka_options: dict[str, Any] = field(default_factory=dict)  # TLS / SASL keywords of aiokafka's clients


@dataclass
class Memory:
    """What a check keeps between rounds (on this leader only)."""

    started: float = field(default_factory=time.monotonic)
    lag_above_since: datetime | None = None
    hooks_read_at: float = float("-inf")
    hooks: list[Firing] = field(default_factory=list)


def pollers(scope: Scope) -> list[tuple[str, str, float]]:
    """(cursor name, label, interval) of every poller this deployment runs that keeps a cursor."""
    out = []
    if scope.bc.source_enabled:
        out.append((f"bigcommerce:{scope.bc.store_hash}:orders", "BigCommerce orders catch-up",
                    scope.bc.poll_interval))
    if scope.ns.source_enabled:  # stock keeps no cursor (a snapshot read): its poll is not covered here
        account = scope.ns.account_id
        for kind, interval in (("items", scope.ns.items_poll_seconds),
                               ("fulfilments", scope.ns.fulfilments_poll_seconds),
                               ("prices", scope.ns.prices_poll_seconds),
                               ("customers", scope.ns.customers_poll_seconds)):
            if interval > 0:
                out.append((f"netsuite:{account}:{CURSOR_NAMES.get(kind, kind)}", f"NetSuite {kind}", interval))
    return out


def checks(scope: Scope, memory: Memory) -> dict[str, Check]:
    """Alert name → its check, for the alerts that apply to this deployment (the others always clear)."""
    s = scope.settings

    async def orders() -> list[Firing]:
        if not scope.orders:
            return []
        pool = await scope.pool()
        flow = await store.order_flow(pool, scope.bc.store_hash, s.orders_window * 60)
        return orders_stalled(scope.bc.store_hash, flow, await store.database_now(pool),
                              window_minutes=s.orders_window, minimum=s.orders_min)

    async def quiet() -> list[Firing]:
        pool = await scope.pool()
        now = await store.database_now(pool)
        known = pollers(scope)
        times = await store.cursor_times(pool, [name for name, _, _ in known])
        out = quiet_pollers([Poller(name, label, interval, times.get(name)) for name, label, interval in known], now,
                            factor=s.quiet_factor, floor=s.quiet_min_seconds,
                            running_for=time.monotonic() - memory.started)
        if scope.bc.source_enabled and scope.bc.webhook_destination:
            flow = await store.order_flow(pool, scope.bc.store_hash, s.orders_window * 60)
            hooks = Webhooks(scope.bc.store_hash, flow.received, await store.last_webhook(pool, scope.bc.store_hash))
            out += quiet_webhooks(hooks, now, window_minutes=s.orders_window, minimum=s.orders_min)
        return out

    async def webhooks() -> list[Firing]:
        if not (scope.bc.source_enabled and scope.bc.webhook_destination):
            return []
        if time.monotonic() - memory.hooks_read_at >= s.hooks_interval:
            hooks = await store_hooks(await scope.bc_client(), scope.bc.store_hash, scope.bc.webhook_destination,
                                      scope.bc.webhook_scopes)
            memory.hooks = webhook_deactivated(hooks, repair_interval=scope.bc.hook_check_interval)
            memory.hooks_read_at = time.monotonic()
        return memory.hooks

    async def stock() -> list[Firing]:
        if not scope.inventory:
            return []
        pool = await scope.pool()
        total, rows = await store.stale_stock(pool, s.stock_minutes * 60)
        return stock_stale(total, rows, await store.database_now(pool), stale_minutes=s.stock_minutes)

    async def backlog() -> list[Firing]:
        pool = await scope.pool()
        now = await store.database_now(pool)
        out: list[Firing] = []
        if scope.orders:
            out += backlog_waiting(await store.orders_waiting_on_retry(pool, s.waiting_minutes * 60), now,
                                   waiting_minutes=s.waiting_minutes)
        lag = await consumer_lag(scope.bootstrap, scope.group, scope.kafka_options)
        memory.lag_above_since = lag_above_since(lag, memory.lag_above_since, now, maximum=s.lag_max)
        return out + backlog_lag(lag, memory.lag_above_since, now, maximum=s.lag_max, lag_minutes=s.lag_minutes)

    async def spike() -> list[Firing]:
        counts = await store.new_exceptions(await scope.pool(), s.spike_minutes * 60)
        return exception_spike(counts, threshold=s.spike_count, window_minutes=s.spike_minutes)

    async def payouts() -> list[Firing]:
        pool = await scope.pool()
        late = await store.unreconciled_payouts(pool, s.payout_hours * 3600)
        return payout_unreconciled(late, await store.database_now(pool), hours=s.payout_hours)

    return {"orders_stalled": orders, "source_quiet": quiet, "webhook_deactivated": webhooks, "stock_stale": stock,
            "backlog": backlog, "exception_spike": spike, "payout_unreconciled": payouts}
