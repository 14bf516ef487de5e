"""Shared pieces of the order flow: settings, topics, the NetSuite connection and result publishing."""

from __future__ import annotations

from typing import Any

from state import ledger
from streams.contract import SyncResult, SyncResultEvent, event_id
from streams.orders.mapping import MappingConfig
from streams.orders.settings import get_order_settings
from streams.platform import clients
from streams.platform.app import settings
from streams.platform.publish import publish
from streams.platform.runtime import database

order_settings = get_order_settings()
if order_settings.enabled:
    clients.netsuite()

mapping_config = MappingConfig(
    discount_item=order_settings.discount_item, tax_item=order_settings.tax_item,
    handling_item=order_settings.handling_item, rounding_item=order_settings.rounding_item,
    tolerance=order_settings.rounding_tolerance,
)
SOURCE = f"o2c:{settings.app_id}"


async def report(*, order_id: int, status: Any, external_id: str | None = None, target_id: str | None = None,
                 detail: str = "", latency_ms: float | None = None, version: str = "") -> None:
    """Ledger row and ``sync.results`` event for one outcome of one order."""
    pool = await database.acquire_pool()
    ledger_status = {"synced": "synced", "parked": "parked", "failed": "failed", "skipped": "skipped",
                     "closed": "synced"}[status]
    await ledger.mark(pool, object_type="order", direction="bc_to_ns", source_id=str(order_id),
                      status=ledger_status, target_id=target_id, external_id=external_id,  # type: ignore[arg-type]
                      error=detail if status in ("parked", "failed") else None, source_version=version or None)
    await publish(SyncResultEvent.build(
        SyncResult(object_type="order", source_id=str(order_id), external_id=external_id, target_id=target_id,
                   status=status, detail=detail, latency_ms=latency_ms),
        key=str(order_id), source=SOURCE, event_id=event_id("sync.result", order_id, status, version, target_id),
    ))
