"""source_quiet: a change source stopped — a poller has not completed a poll for k × its interval, or
BigCommerce's webhooks stopped arriving while the catch-up poll keeps finding orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.alerts.firing import Firing, since, span


@dataclass(frozen=True)
class Poller:
    """One poller: its cursor's name, what it reads (in words), its interval, its last completed poll."""

    name: str
    label: str
    interval: float
    last: datetime | None


@dataclass(frozen=True)
class Webhooks:
    """BigCommerce deliveries: new orders in the window, and the last delivery o2c received."""

    store_hash: str
    orders: int
    last_delivery: datetime | None


def quiet_pollers(pollers: list[Poller], now: datetime, *, factor: float, floor: float,
                  running_for: float) -> list[Firing]:
    """A poller is quiet after ``max(factor × interval, floor)`` seconds without a completed poll (never polled:
    counted from when the evaluator started, ``running_for`` seconds ago)."""
    out = []
    for p in pollers:
        limit = max(factor * p.interval, floor)
        quiet_for = (now - p.last).total_seconds() if p.last is not None else running_for
        if quiet_for <= limit:
            continue
        out.append(Firing(
            subject=p.name,
            message=(f"The {p.label} poll has not completed for {span(quiet_for)} (last completed "
                     f"{since(p.last, now)}; it should run every {span(p.interval)}), so changes there are not "
                     "reaching o2c. Check the worker's log for the poll's error (credentials, the system "
                     "unreachable, a timer that stopped) and that a worker is the group's leader; once a poll "
                     "completes, missed changes are read by themselves and this alert closes."),
            payload={"cursor": p.name, "interval": p.interval, "last": p.last.isoformat() if p.last else None}))
    return out


def quiet_webhooks(hooks: Webhooks, now: datetime, *, window_minutes: float, minimum: int) -> list[Firing]:
    """Fires when ``minimum`` new orders arrived within the window and not one webhook delivery did."""
    window = span(window_minutes * 60)
    if hooks.orders < minimum or (hooks.last_delivery is not None
                                  and (now - hooks.last_delivery).total_seconds() < window_minutes * 60):
        return []
    return [Firing(
        subject=f"bigcommerce:{hooks.store_hash}:webhooks",
        message=(f"{hooks.orders} new orders of store {hooks.store_hash} arrived in the last {window} only through "
                 f"the catch-up poll: no BigCommerce webhook was received for {window} or more (the last "
                 f"{since(hooks.last_delivery, now)}). Orders reach NetSuite later than they should. Check that "
                 "BigCommerce can reach the worker's public webhook address (O2C_BC_WEBHOOK_DESTINATION: DNS, "
                 "TLS, ingress) and that the hooks exist; this alert closes when deliveries arrive again."),
        payload={"store": hooks.store_hash, "orders": hooks.orders,
                 "last_delivery": hooks.last_delivery.isoformat() if hooks.last_delivery else None})]
