"""Orders → sales order commands: every paid BigCommerce order becomes exactly one NetSuite sales order.

The decisions are the pure rules of ``streams.orders.plan``; this module reads what they need (the
order's link, the SKU map) and carries out the answer:

- a cancellation closes the sales order (a command), or is reported when it never reached NetSuite;
- an order with a SKU NetSuite does not know is parked until the item appears (``streams.orders.catalog``
  releases it) and becomes a ``missing_sku`` exception for operations after a configured wait;
- a total that does not add up is held for finance (a ``total_mismatch`` exception);
- otherwise an idempotent command goes to ``ns.commands`` for the NetSuite writer.

Versions of one order are planned one at a time (a keyed lock); different orders concurrently.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.locks import KeyedLock
from state import catalog
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import (
    BcOrderSnapshot,
    CommandLine,
    CustomerSpec,
    SalesOrderCommand,
    SalesOrderCommandEvent,
    event_id,
)
from streams.orders.mapping import content_hash, external_id_for_order, skus_needed
from streams.orders.plan import Build, CancelUnsynced, Close, Hold, Park, PlanRules, Send, build, triage
from streams.orders.runtime import SOURCE, mapping_config, order_settings, report
from streams.platform.publish import publish
from streams.platform.runtime import database

_order_locks = KeyedLock()

rules = PlanRules(to_fulfil_statuses=order_settings.to_fulfil_statuses,
                  cancelled_statuses=order_settings.cancelled_statuses, mapping=mapping_config)


def customer_spec(order: BcOrderSnapshot) -> CustomerSpec:
    billing = order.billing_address
    return CustomerSpec(
        email=order.email or billing.email, first_name=billing.first_name, last_name=billing.last_name,
        company=billing.company, phone=billing.phone, is_guest=order.customer_id == 0,
        bc_customer_id=order.customer_id,
    )


async def handle_order(order: BcOrderSnapshot) -> str:
    """Decide what to do with one order version and do it; returns the decision's outcome."""
    async with _order_locks.hold((order.store_hash, order.order_id)):
        return await _plan(order)


async def _plan(order: BcOrderSnapshot) -> str:
    pool = await database.acquire_pool()
    external_id = external_id_for_order(order.store_hash, order.order_id)
    version = order.date_modified.isoformat()
    link = await orders_store.get_link(pool, order.store_hash, order.order_id)
    chash = content_hash(order)
    first = triage(order, link, newer_handled=link is not None and link.source_version > order.date_modified,
                   content_hash=chash, rules=rules)
    if isinstance(first, CancelUnsynced):
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        await report(order_id=order.order_id, status="skipped", external_id=external_id, version=version,
                     detail="cancelled before it reached NetSuite")
    elif isinstance(first, Close):
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        await _send(order, action="close", lines=(), chash=chash)
    if not isinstance(first, Build):
        return first.outcome

    known = set(await catalog.resolve(pool, skus_needed(order, mapping_config)))
    decision = build(order, known, rules)
    if isinstance(decision, Park):
        await orders_store.park(pool, store_hash=order.store_hash, order_id=order.order_id, reason="missing_sku",
                                snapshot=order.model_dump(mode="json"), source_version=order.date_modified,
                                missing=list(decision.missing), detail=decision.detail)
        await report(order_id=order.order_id, status="parked", external_id=external_id, version=version,
                     detail=f"waiting for NetSuite items: {', '.join(decision.missing)}")
    elif isinstance(decision, Hold):
        mismatch = decision.mismatch
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        # the exception first: if anything below fails, finance still has the order in front of them
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind="total_mismatch", object_type="order", owner="finance", severity="error",
            bc_id=str(order.order_id), message=mismatch.explain(order.order_id),
            payload={"bc_total": str(mismatch.bc_total), "ns_total": str(mismatch.ns_total),
                     "drift": str(mismatch.drift), "snapshot": order.model_dump(mode="json")},
        ))
        await orders_store.save_link(pool, store_hash=order.store_hash, order_id=order.order_id,
                                     external_id=external_id, content_hash=chash, source_version=order.date_modified,
                                     status="held", bc_total=order.total_inc_tax, ns_total=mismatch.ns_total,
                                     order_created_at=order.date_created)
        await report(order_id=order.order_id, status="failed", external_id=external_id, version=version,
                     detail=f"total mismatch of {mismatch.drift}: held for finance")
    elif isinstance(decision, Send):
        draft = decision.draft
        await _send(order, action="upsert", lines=draft.lines, tran_date=draft.tran_date, memo=draft.memo,
                    shipping_cost=draft.shipping_cost, chash=chash)
        await orders_store.unpark(pool, order.store_hash, order.order_id)
    return decision.outcome


async def _send(order: BcOrderSnapshot, *, action: str, lines: tuple[CommandLine, ...], chash: str,
                tran_date: str = "", memo: str = "", shipping_cost: Decimal = Decimal(0)) -> None:
    command = SalesOrderCommand(
        action=action,
        store_hash=order.store_hash, bc_order_id=order.order_id,
        external_id=external_id_for_order(order.store_hash, order.order_id), source_version=order.date_modified,
        order_created_at=order.date_created, content_hash=chash, bc_total=order.total_inc_tax,
        customer=customer_spec(order), tran_date=tran_date, memo=memo, shipping_cost=shipping_cost, lines=lines,
    )
    await publish(SalesOrderCommandEvent.build(
        command, key=str(order.order_id), source=SOURCE,
        event_id=event_id("ns.command", order.store_hash, order.order_id, action, order.date_modified.isoformat()),
    ))
