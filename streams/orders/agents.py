"""The order flow's Faust wiring: each agent runs the guarded loop around one handler.

``bc.orders`` → ``plan_sales_orders`` → ``ns.commands`` → ``write_sales_orders`` → NetSuite;
``ns.items`` → ``map_items`` (SKU map, releases parked orders); ``sync.results`` →
``collect_synced_orders`` → the write-back of document numbers to BigCommerce. Registered only with
``O2C_ORDERS_ENABLED=true``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import BcOrderEvent, NsItemEvent, SalesOrderCommandEvent, SyncResultEvent
from streams.orders import catalog, planner, writeback, writer
from streams.orders.runtime import order_settings
from streams.orders.waiting import Waiting, overdue_exception
from streams.platform import clients, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, guarded_agent
from streams.platform.runtime import database

log = logging.getLogger(__name__)


async def plan(event: BcOrderEvent) -> None:
    outcome = await planner.handle_order(event.payload)
    log.info(f"order {event.payload.order_id}: {outcome}",
             extra={"bc_order_id": event.payload.order_id, "outcome": outcome})


async def write(event: SalesOrderCommandEvent) -> None:
    outcome = await writer.apply_command(event.payload)
    log.info(f"sales order {event.payload.external_id}: {outcome}",
             extra={"bc_order_id": event.payload.bc_order_id, "outcome": outcome})


async def raise_overdue_parked_orders() -> None:
    """Orders parked longer than the configured wait become exceptions (they stay parked and retried)."""
    pool = await database.acquire_pool()
    now = datetime.now(UTC)
    for row in await orders_store.overdue(pool, order_settings.park_exception_after):
        waiting = Waiting(store_hash=row["store_hash"], order_id=row["order_id"], reason=row["reason"],
                          missing=tuple(row["missing"]), detail=row["detail"], parked_at=row["parked_at"])
        exception_id = await exceptions_store.record(pool, overdue_exception(waiting, now=now))
        await orders_store.set_exception(pool, waiting.store_hash, waiting.order_id, exception_id)


if order_settings.enabled:
    guarded_agent(app, topic(BcOrderEvent.TOPIC), Decoder.model(BcOrderEvent), name="plan_sales_orders",
                  concurrency=order_settings.planner_concurrency)(plan)
    guarded_agent(app, topic(SalesOrderCommandEvent.TOPIC), Decoder.model(SalesOrderCommandEvent),
                  name="write_sales_orders", concurrency=order_settings.writer_concurrency)(write)
    guarded_agent(app, topic(NsItemEvent.TOPIC), Decoder.model(NsItemEvent), name="map_items")(catalog.apply_item)
    supervised.timer(app, 15.0, name="raise_overdue_parked_orders")(raise_overdue_parked_orders)
    supervised.timer(app, 10.0, name="retry_parked_commands")(writer.retry_parked_commands)
    clients.bigcommerce()  # a retried hold reads the order again from BigCommerce
    supervised.timer(app, 5.0, name="retry_held_orders", on_leader=True)(planner.retry_held_orders)

    if order_settings.writeback_enabled:
        clients.bigcommerce()
        guarded_agent(app, topic(SyncResultEvent.TOPIC), Decoder.model(SyncResultEvent),
                      name="collect_synced_orders")(writeback.queue_result)
        supervised.task(app, name="write_back")(writeback.writer.run)
