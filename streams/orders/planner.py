"""Orders → sales order commands: every paid BigCommerce order becomes exactly one NetSuite sales order.

For each order snapshot on ``bc.orders``:

1. a malformed snapshot is quarantined (exception for engineering) and the stream goes on;
2. only statuses that mean "to fulfil" are synced; a cancellation closes the sales order;
3. a version older than the one already synced is ignored, and so is a status-only change (orders are
   planned concurrently, but the versions of one order one at a time, and the writer drops a version
   older than the one it has written);
4. an order with a SKU NetSuite does not know is parked until the item appears (``streams.orders.catalog``
   releases it) and becomes a ``missing_sku`` exception for operations after a configured wait;
5. the sales order is built to the cent (``streams.orders.mapping``); a drift above the tolerance is a
   ``total_mismatch`` exception for finance and the order is held;
6. otherwise an idempotent command goes to ``ns.commands`` for the NetSuite writer.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.locks import KeyedLock
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import (
    BcOrderEvent,
    BcOrderSnapshot,
    CommandLine,
    CustomerSpec,
    SalesOrderCommand,
    SalesOrderCommandEvent,
    event_id,
)
from streams.orders.mapping import TotalMismatch, build_sales_order, content_hash, external_id_for_order, skus_needed
from streams.orders.runtime import SOURCE, mapping_config, order_settings, report
from streams.platform.app import app, topic
from streams.platform.publish import publish
from streams.platform.quarantine import decode_or_quarantine
from streams.platform.runtime import database

log = logging.getLogger(__name__)

orders_topic = topic(BcOrderEvent.TOPIC)
_order_locks = KeyedLock()


def customer_spec(order: BcOrderSnapshot) -> CustomerSpec:
    billing = order.billing_address
    return CustomerSpec(
        email=order.email or billing.email, first_name=billing.first_name, last_name=billing.last_name,
        company=billing.company, phone=billing.phone, is_guest=order.customer_id == 0,
        bc_customer_id=order.customer_id,
    )


async def handle_order(order: BcOrderSnapshot) -> str:
    """Decide what to do with one order version; returns what happened (for logs and tests)."""
    async with _order_locks.hold((order.store_hash, order.order_id)):
        return await _plan(order)


async def _plan(order: BcOrderSnapshot) -> str:
    pool = await database.acquire_pool()
    external_id = external_id_for_order(order.store_hash, order.order_id)
    version = order.date_modified.isoformat()
    link = await orders_store.get_link(pool, order.store_hash, order.order_id)
    if link is not None and link.source_version > order.date_modified:
        return "stale"

    if order.status_id in order_settings.cancelled_statuses:
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        if link is None or link.status != "synced":
            await report(order_id=order.order_id, status="skipped", external_id=external_id, version=version,
                         detail="cancelled before it reached NetSuite")
            return "cancelled-unsynced"
        await _send(order, action="close", lines=())
        return "close"
    if order.status_id not in order_settings.to_fulfil_statuses:
        return "ignored-status"

    chash = content_hash(order)
    if link is not None and link.content_hash == chash and link.status in ("synced", "held"):
        return "unchanged"

    known = await _known_skus(order)
    missing = sorted(skus_needed(order) - known)
    if missing:
        await orders_store.park(pool, store_hash=order.store_hash, order_id=order.order_id, reason="missing_sku",
                                snapshot=order.model_dump(mode="json"), source_version=order.date_modified,
                                missing=missing, detail=f"SKU not in NetSuite: {', '.join(missing)}")
        await report(order_id=order.order_id, status="parked", external_id=external_id, version=version,
                     detail=f"waiting for NetSuite items: {', '.join(missing)}")
        return "parked"

    draft = build_sales_order(order, mapping_config)
    if isinstance(draft, TotalMismatch):
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        await orders_store.save_link(pool, store_hash=order.store_hash, order_id=order.order_id,
                                     external_id=external_id, content_hash=chash, source_version=order.date_modified,
                                     status="held", bc_total=order.total_inc_tax, ns_total=draft.ns_total,
                                     order_created_at=order.date_created)
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind="total_mismatch", object_type="order", owner="finance", severity="error",
            bc_id=str(order.order_id), message=draft.explain(order.order_id),
            payload={"bc_total": str(draft.bc_total), "ns_total": str(draft.ns_total), "drift": str(draft.drift),
                     "snapshot": order.model_dump(mode="json")},
        ))
        await report(order_id=order.order_id, status="failed", external_id=external_id, version=version,
                     detail=f"total mismatch of {draft.drift}: held for finance")
        return "held"

    lines = tuple(CommandLine(kind=x.kind, item_ref=x.item_ref, quantity=x.quantity, rate=x.rate,
                              amount=x.amount, description=x.description, bc_order_product_id=x.bc_order_product_id)
                  for x in draft.lines)
    await _send(order, action="upsert", lines=lines, tran_date=draft.tran_date, memo=draft.memo,
                shipping_cost=draft.shipping_cost, chash=chash)
    await orders_store.unpark(pool, order.store_hash, order.order_id)
    return "command"


async def _known_skus(order: BcOrderSnapshot) -> set[str]:
    from state import catalog

    pool = await database.acquire_pool()
    return set(await catalog.resolve(pool, skus_needed(order)))


async def _send(order: BcOrderSnapshot, *, action: str, lines: tuple[CommandLine, ...], tran_date: str = "",
                memo: str = "", shipping_cost: Any = 0, chash: str | None = None) -> None:
    command = SalesOrderCommand(
        action=action,
        store_hash=order.store_hash, bc_order_id=order.order_id,
        external_id=external_id_for_order(order.store_hash, order.order_id), source_version=order.date_modified,
        order_created_at=order.date_created, content_hash=chash or content_hash(order), bc_total=order.total_inc_tax,
        customer=customer_spec(order), tran_date=tran_date, memo=memo, shipping_cost=shipping_cost, lines=lines,
    )
    await publish(SalesOrderCommandEvent.build(
        command, key=str(order.order_id), source=SOURCE,
        event_id=event_id("ns.command", order.store_hash, order.order_id, action, order.date_modified.isoformat()),
    ))


if order_settings.enabled:

    @app.agent(orders_topic, concurrency=order_settings.planner_concurrency)
    async def plan_sales_orders(stream: Any) -> None:
        async for event in stream.events():
            order_event = await decode_or_quarantine(BcOrderEvent, event)
            if order_event is None:
                continue
            outcome = await handle_order(order_event.payload)
            log.info(f"order {order_event.payload.order_id}: {outcome}",
                     extra={"bc_order_id": order_event.payload.order_id, "outcome": outcome})

    @app.timer(15.0)
    async def raise_overdue_parked_orders() -> None:
        """Orders parked longer than the configured wait become exceptions (they stay parked and retried)."""
        pool = await database.acquire_pool()
        for row in await orders_store.overdue(pool, order_settings.park_exception_after):
            skus = ", ".join(row["missing"])
            exception_id = await exceptions_store.record(pool, exceptions_store.NewException(
                kind="missing_sku", object_type="order", owner="operations", severity="warning",
                bc_id=str(row["order_id"]),
                message=(f"BigCommerce order {row['order_id']} is waiting because NetSuite has no active item for "
                         f"SKU {skus}. Create or activate the item in NetSuite (or fix the SKU in BigCommerce); "
                         "the order will sync by itself as soon as the item appears."),
                payload={"missing": list(row["missing"]), "parked_at": row["parked_at"].isoformat()},
            ))
            await orders_store.set_exception(pool, row["store_hash"], row["order_id"], exception_id)
