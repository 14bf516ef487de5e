"""Orders → sales order commands: every paid BigCommerce order becomes exactly one NetSuite sales order.

The decisions are the pure rules of ``streams.orders.plan``; this module reads what they need (the
order's link, the SKU map) and carries out the answer:

- a cancellation closes the sales order (a command), or is reported when it never reached NetSuite;
- an order with a SKU NetSuite does not know is parked until the item appears (``streams.orders.catalog``
  releases it) and becomes a ``missing_sku`` exception for operations after a configured wait;
- a total that does not add up, an unmapped currency or tax rate (finance) and a multi-address order the
  NetSuite account cannot ship (operations) are held as an exception; a later version of the order plans it
  again, and so does a retry (``o2c exceptions retry``), which first reads the order again from BigCommerce
  (``streams.ingest.bigcommerce_reread``; the stored snapshot is not used) and stays ``retrying`` until
  NetSuite answers;
- an unmapped ship method is reported (one ``ship_method_unmapped`` exception per method) and not held;
- otherwise an idempotent command goes to ``ns.commands`` for the NetSuite writer.

Versions of one order are planned one at a time (a keyed lock); different orders concurrently.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.http import NotFoundError, PermanentError, one_line
from connectors.locks import KeyedLock
from state import catalog
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import (
    BcOrderSnapshot,
    CustomerSpec,
    SalesOrderCommand,
    SalesOrderCommandEvent,
    event_id,
)
from streams.ingest.bigcommerce_reread import read_order
from streams.orders.addresses import address_spec
from streams.orders.currency import CurrencyConfig
from streams.orders.mapping import TotalMismatch, content_hash, external_id_for_order, skus_needed
from streams.orders.plan import HOLD_KINDS, Build, CancelUnsynced, Close, Hold, Park, PlanRules, Send, build, triage
from streams.orders.runtime import SOURCE, mapping_config, order_settings, report
from streams.orders.shipping import ShippingConfig, addresses_with_lines, ship_method_unmapped
from streams.orders.tax import TaxConfig
from streams.platform import clients, retries
from streams.platform.publish import publish
from streams.platform.runtime import database

log = logging.getLogger(__name__)

_order_locks = KeyedLock()

rules = PlanRules(to_fulfil_statuses=order_settings.to_fulfil_statuses,
                  cancelled_statuses=order_settings.cancelled_statuses, mapping=mapping_config,
                  tax=TaxConfig(order_settings.tax_mode, order_settings.tax_codes),
                  currency=CurrencyConfig(order_settings.currency_ids(), order_settings.base_currency),
                  shipping=ShippingConfig(order_settings.ship_methods, order_settings.default_ship_method or None,
                                          order_settings.multiple_shipping_routes))
#: the exceptions that hold an order until it changes or an operator retries them
HELD_KINDS = [kind for kind, _ in HOLD_KINDS.values()]


def customer_spec(order: BcOrderSnapshot) -> CustomerSpec:
    billing = order.billing_address
    return CustomerSpec(
        email=order.email or billing.email, first_name=billing.first_name, last_name=billing.last_name,
        company=billing.company, phone=billing.phone, is_guest=order.customer_id == 0,
        bc_customer_id=order.customer_id,
    )


async def handle_order(order: BcOrderSnapshot, *, again: bool = False) -> str:
    """Decide what to do with one order version and do it; returns the decision's outcome.

    ``again``: an operator retried its hold, so the same content is planned again (the settings changed)."""
    async with _order_locks.hold((order.store_hash, order.order_id)):
        return await _plan(order, again=again)


async def retry_held_orders() -> None:
    """Held orders whose exception an operator retried: read again from BigCommerce and planned again.

    The exception stays ``retrying`` while the sales order is on its way (the NetSuite writer resolves it
    once the sales order is written, or opens it again if NetSuite refuses it); held again → ``open`` with
    the reason; the order gone from BigCommerce → ``open`` with a note.
    """
    pool = await database.acquire_pool()
    await retries.each_retrying(pool, HELD_KINDS, lambda exc: _retry_held(pool, exc), what="held order")


async def _retry_held(pool: Any, exc: exceptions_store.StoredException) -> None:
    snapshot = (exc.payload or {}).get("snapshot") or {}
    store_hash = str(snapshot.get("store_hash") or clients.bigcommerce_settings().store_hash)
    order_id = int(exc.bc_id or snapshot.get("order_id") or 0)
    try:
        order = await read_order(await clients.bigcommerce_client(), store_hash, order_id)
    except NotFoundError:
        await retries.source_gone(pool, exc.id, f"BigCommerce order {order_id}")
        return
    except PermanentError as error:
        await retries.failed(pool, exc.id, f"The retry could not read BigCommerce order {order_id}: "
                                           f"{one_line(error)}")
        return
    outcome = await handle_order(order, again=True)
    if outcome == "command":
        return  # the writer settles it when NetSuite answers
    if outcome == "parked":
        await retries.failed(pool, exc.id, f"BigCommerce order {order_id} was read again and now waits for items "
                                           "NetSuite does not have yet (see the order's missing_sku exception).")
    elif outcome == "ignored-status":
        await retries.failed(pool, exc.id, f"BigCommerce order {order_id} was read again but its status "
                                           f"({order.status}) is not one o2c sends to NetSuite.")
    else:
        await retries.settle(pool, exc, f"BigCommerce order {order_id} read again: {outcome}")


async def _plan(order: BcOrderSnapshot, *, again: bool = False) -> str:
    pool = await database.acquire_pool()
    external_id = external_id_for_order(order.store_hash, order.order_id)
    version = order.date_modified.isoformat()
    link = await orders_store.get_link(pool, order.store_hash, order.order_id)
    chash = content_hash(order)
    first = triage(order, link, newer_handled=link is not None and link.source_version > order.date_modified,
                   content_hash=chash + ("+again" if again else ""), rules=rules)
    if isinstance(first, CancelUnsynced):
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        await report(order_id=order.order_id, status="skipped", external_id=external_id, version=version,
                     detail="cancelled before it reached NetSuite")
    elif isinstance(first, Close):
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        await _send(order, action="close", chash=chash)
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
        await _hold(order, decision, chash)
    elif isinstance(decision, Send):
        await _send(order, action="upsert", chash=chash, decision=decision)
        await orders_store.unpark(pool, order.store_hash, order.order_id)
        if decision.shipping is not None:
            for method in decision.shipping.unmapped:
                await _ship_method_unmapped(method, order.order_id)
    return decision.outcome


async def _hold(order: BcOrderSnapshot, decision: Hold, chash: str) -> None:
    pool = await database.acquire_pool()
    external_id = external_id_for_order(order.store_hash, order.order_id)
    problem = decision.problem
    await orders_store.unpark(pool, order.store_hash, order.order_id)
    payload: dict[str, object] = {"snapshot": order.model_dump(mode="json")}
    if isinstance(problem, TotalMismatch):
        payload |= {"bc_total": str(problem.bc_total), "ns_total": str(problem.ns_total), "drift": str(problem.drift)}
    # the exception first: if anything below fails, its owner still has the order in front of them
    await exceptions_store.record(pool, exceptions_store.NewException(
        kind=decision.kind, object_type="order", owner=decision.owner, severity="error",  # type: ignore[arg-type]
        bc_id=str(order.order_id), message=problem.explain(order.order_id), payload=payload,
    ))
    ns_total = problem.ns_total if isinstance(problem, TotalMismatch) else None
    await orders_store.save_link(pool, store_hash=order.store_hash, order_id=order.order_id,
                                 external_id=external_id, content_hash=chash, source_version=order.date_modified,
                                 status="held", bc_total=order.total_inc_tax, ns_total=ns_total,
                                 order_created_at=order.date_created)
    detail = (f"total mismatch of {problem.drift}: held for finance" if isinstance(problem, TotalMismatch)
              else f"{decision.kind}: held for {decision.owner}")
    await report(order_id=order.order_id, status="failed", external_id=external_id,
                 version=order.date_modified.isoformat(), detail=detail)


async def _ship_method_unmapped(method: str, order_id: int) -> None:
    pool = await database.acquire_pool()
    seen: list[int] = []
    for exc in await exceptions_store.list_open(pool, kind="ship_method_unmapped", limit=1000):
        if exc.bc_id == method:
            seen = [int(o) for o in (exc.payload or {}).get("orders", [])]
    if order_id not in seen:
        seen.append(order_id)
    await exceptions_store.record(pool, ship_method_unmapped(method, seen, order_settings.default_ship_method or None))


def _order_fields(order: BcOrderSnapshot, decision: Send) -> dict[str, Any]:
    """What the command carries besides the lines: currency, addresses, ship method and groups, message, tax."""
    draft, currency, shipping = decision.draft, decision.currency, decision.shipping
    addresses = addresses_with_lines(order)
    fields: dict[str, Any] = {
        "tran_date": draft.tran_date, "memo": draft.memo, "shipping_cost": draft.shipping_cost, "lines": draft.lines,
        "bill_to": address_spec(order.billing_address), "message": order.customer_message.strip(),
        "phone": order.billing_address.phone, "tax_mode": draft.tax_mode, "tax_total": draft.tax_total,
        "shipping_tax_code_id": draft.shipping_tax_code_id, "shipping_tax_amount": draft.shipping_tax_amount,
        "shipping_tax_rate": draft.shipping_tax_rate,
    }
    if addresses:
        fields["ship_to"] = address_spec(addresses[0])
    if currency is not None:
        fields |= {"currency": currency.code, "currency_id": currency.ns_id, "exchange_rate": currency.exchange_rate}
    if shipping is not None:
        fields |= {"ship_method_id": shipping.method.ns_id, "ship_groups": shipping.groups}
    return fields


async def _send(order: BcOrderSnapshot, *, action: str, chash: str, decision: Send | None = None) -> None:
    command = SalesOrderCommand(
        action=action,
        store_hash=order.store_hash, bc_order_id=order.order_id,
        external_id=external_id_for_order(order.store_hash, order.order_id), source_version=order.date_modified,
        order_created_at=order.date_created, content_hash=chash, bc_total=order.total_inc_tax,
        customer=customer_spec(order), **(_order_fields(order, decision) if decision is not None else {}),
    )
    await publish(SalesOrderCommandEvent.build(
        command, key=str(order.order_id), source=SOURCE,
        event_id=event_id("ns.command", order.store_hash, order.order_id, action, order.date_modified.isoformat()),
    ))
