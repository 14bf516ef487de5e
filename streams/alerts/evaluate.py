"""One round of evaluation: every check, then each firing condition recorded as an ``alert_<name>`` exception
and each cleared one auto-resolved; the ``o2c_alert_*`` series follow."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.http import one_line
from state import alerts as alerts_store
from state import exceptions as exceptions_store
from state.exceptions import OWNERS
from streams.alerts.catalog import ALERTS, Alert
from streams.alerts.checks import Check
from streams.alerts.firing import Firing
from streams.alerts.metrics import ACTIVE, EVALUATIONS, LAST_EVALUATION, SAMPLE_FAILURES

log = logging.getLogger(__name__)


def dedupe_key(alert: Alert, firing: Firing) -> str:
    return f"{alert.kind}:{firing.subject}"


def owners_of(alert: Alert) -> tuple[str, ...]:
    return (alert.owner,) if alert.owner else OWNERS


def set_gauges(alert: Alert, firings: list[Firing]) -> None:
    firing_owners = {f.owner or alert.owner for f in firings}
    for owner in owners_of(alert):
        ACTIVE.labels(alert.name, owner).set(1 if owner in firing_owners else 0)


def stand_down() -> None:
    """Not the leader (any more): this process reports nothing firing, so no stale 1 outlives a leader change."""
    for alert in ALERTS:
        set_gauges(alert, [])


async def apply(pool: Any, alert: Alert, firings: list[Firing], open_keys: set[str]) -> None:
    """Record what fires (refreshing the message of what already did) and auto-resolve what cleared."""
    keys = set()
    for firing in firings:
        key = dedupe_key(alert, firing)
        keys.add(key)
        payload = {**firing.payload, "alert": alert.name, "runbook": f"docs/operations.md#{alert.anchor}"}
        if key in open_keys:
            await alerts_store.refresh_alert(pool, key, firing.message, payload)
            continue
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind=alert.kind, object_type="alert", owner=firing.owner or alert.owner or "engineering",
            severity=alert.severity, bc_id=firing.subject, message=firing.message, payload=payload, dedupe_key=key))
        log.warning(f"alert {alert.name} firing: {firing.message}", extra={"alert": alert.name,
                                                                          "subject": firing.subject})
    cleared = await exceptions_store.auto_resolve_kind_except(pool, alert.kind, keys)
    if cleared:
        log.info(f"alert {alert.name} cleared", extra={"alert": alert.name, "cleared": cleared})


async def evaluate(pool_factory: Callable[[], Awaitable[Any]], checks: Mapping[str, Check]) -> dict[str, Any]:
    """Run every check; an alert whose samples could not be read keeps its exceptions and gauge as they were.
    Returns alert name → its firings (None: not evaluated this round)."""
    results: dict[str, list[Firing] | None] = {}
    for alert in ALERTS:
        check = checks.get(alert.name)
        if check is None:
            results[alert.name] = []
            continue
        try:
            results[alert.name] = await check()
        except Exception as error:  # one unreadable sample must not stop the other alerts
            SAMPLE_FAILURES.labels(alert.name).inc()
            log.warning(f"alert {alert.name} not evaluated: {one_line(error)}", extra={"alert": alert.name})
            results[alert.name] = None
    pool = await pool_factory()
    open_keys = await alerts_store.open_alert_keys(pool)
    for alert in ALERTS:
        firings = results[alert.name]
        if firings is None:
            continue
        await apply(pool, alert, firings, open_keys)
        set_gauges(alert, firings)
    EVALUATIONS.inc()
    LAST_EVALUATION.set(time.time())
    return results
