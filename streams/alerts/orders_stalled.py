"""orders_stalled: BigCommerce orders keep arriving but no sales order is written to NetSuite."""

from __future__ import annotations

from datetime import datetime

from state.alerts import OrderFlow
from streams.alerts.firing import Firing, since, span


def orders_stalled(store_hash: str, flow: OrderFlow, now: datetime, *, window_minutes: float,
                   minimum: int) -> list[Firing]:
    """Fires when at least ``minimum`` new orders arrived within the window and no sales order was written in it."""
    if flow.received < minimum or flow.written > 0:
        return []
    window = span(window_minutes * 60)
    return [Firing(
        subject=store_hash,
        message=(f"{flow.received} BigCommerce orders of store {store_hash} arrived in the last {window}, but no "
                 f"sales order was written to NetSuite in that time (the last one {since(flow.last_written, now)}). "
                 "The order flow has stopped: check the worker's log and the open engineering exceptions (NetSuite "
                 "refusing o2c's login, NetSuite unavailable, the orders agent failing), fix the cause; the orders "
                 "wait and are written by themselves, and this alert closes when sales orders are written again."),
        payload={"store": store_hash, "received": flow.received, "written": flow.written,
                 "window_minutes": window_minutes,
                 "last_written": flow.last_written.isoformat() if flow.last_written else None})]
