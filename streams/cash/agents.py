"""The money-in flow's Faust wiring.

With ``O2C_CASH_ENABLED=true``:

- ``record_payments`` on ``bc.orders``: each snapshot's captured payments → customer deposits;
- ``invoice_shipments`` on ``ns.fulfilments``: each shipped fulfilment → an invoice, deposits applied;
- ``deposit_when_synced`` on ``sync.results``: an order's sales order was written → its waiting deposits at
  once (the timer below is the backstop).

With ``O2C_CASH_PAYOUTS_ENABLED=true``: ``post_payouts`` on ``payouts`` (journal entry, reconciliation).

And a leader timer (``O2C_CASH_RECONCILE_INTERVAL``) that writes deposits whose sales order has arrived,
re-reconciles payouts not yet at zero, and carries out operators' retries of this flow's exceptions: an
unmapped gateway's order is read again from BigCommerce, a refused invoice's fulfilment from NetSuite, a
payout from PostgreSQL (the store of its pages), a refused deposit is sent again as stored; the exception
stays ``retrying`` until that re-run's outcome (``streams.platform.retries.settle``).
Work on one order (deposit or invoice) is done one at a time per worker (a keyed lock).
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.http import NotFoundError
from connectors.netsuite.source.fulfilments import read_fulfilment
from state import cash as cash_store
from state import exceptions as exceptions_store
from state import payouts as payouts_store
from streams.cash.deposit_writer import DEPOSIT_KINDS, DepositWriter
from streams.cash.invoice_writer import INVOICE_KINDS, InvoiceWriter
from streams.cash.payout_poster import PAYOUT_KINDS, PayoutPoster
from streams.cash.settings import get_cash_settings
from streams.contract import BcOrderEvent, NsFulfilmentEvent, PayoutEvent, SyncResultEvent
from streams.contract.netsuite import NsFulfilment
from streams.ingest.bigcommerce_reread import read_order
from streams.ingest.netsuite_events import fulfilment_event
from streams.platform import clients, retries, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, Delivered, guarded_agent
from streams.platform.order_locks import ORDER_LOCKS
from streams.platform.runtime import database

log = logging.getLogger(__name__)

settings = get_cash_settings()
store_hash = clients.bigcommerce_settings().store_hash
deposits = DepositWriter(settings)
invoices = InvoiceWriter(settings, store_hash)
payouts = PayoutPoster(settings)
orders_lock = ORDER_LOCKS


def _raw(message: Any) -> dict[str, Any]:
    value = message.value.decode("utf-8", errors="replace") if isinstance(message.value, bytes) else None
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset, "value": value}


async def record_payments(delivered: Delivered[BcOrderEvent]) -> None:
    order = delivered.event.payload
    if order.store_hash != store_hash:
        return
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    async with orders_lock.hold((order.store_hash, order.order_id)):
        outcome = await deposits.handle(pool, ns, order, raw=_raw(delivered.message))
    log.info(f"order {order.order_id} payments: {outcome}", extra={"bc_order_id": order.order_id})


async def invoice_shipment(event: NsFulfilmentEvent) -> None:
    f = event.payload
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    async with orders_lock.hold((store_hash, f.bc_order_id)):
        outcome = await invoices.handle(pool, ns, f)
    log.info(f"fulfilment {f.tran_id or f.ns_id} billing: {outcome}",
             extra={"ns_id": f.ns_id, "bc_order_id": f.bc_order_id})


async def deposit_when_synced(event: SyncResultEvent) -> None:
    result = event.payload
    if (result.object_type != "order" or result.status != "synced"
            or not (result.external_id or "").startswith(f"BC-SO-{store_hash}-")):
        return
    order_id = int(result.source_id)
    pool = await database.acquire_pool()
    if not any(d.status == "waiting" for d in await cash_store.deposits(pool, store_hash, order_id)):
        return
    ns = await clients.netsuite_client()
    async with orders_lock.hold((store_hash, order_id)):
        await deposits.write_waiting(pool, ns, store_hash, order_id)


async def post_payout(event: PayoutEvent) -> None:
    page = event.payload
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    async with orders_lock.hold(("payout", event.key)):
        outcome = await payouts.handle(pool, ns, page)
    log.info(f"payout {event.key} page {page.page}/{page.pages}: {outcome}",
             extra={"payout": event.key, "amount": str(page.payout.amount)})


async def catch_up() -> None:
    """Deposits whose sales order arrived, payouts not at zero yet, and operators' retries."""
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    if settings.enabled:
        for shop, order_id in await cash_store.waiting_orders(pool):
            async with orders_lock.hold((shop, order_id)):
                await deposits.write_waiting(pool, ns, shop, order_id)
    if settings.payouts_enabled:
        for row in await payouts_store.needing_reconciliation(pool):
            await payouts.reconcile(pool, row)
    await retries.each_retrying(pool, [*DEPOSIT_KINDS, *INVOICE_KINDS, *PAYOUT_KINDS],
                                lambda exc: _retry_and_settle(pool, ns, exc), what="cash")


async def _retry_and_settle(pool: Any, ns: Any, exc: exceptions_store.StoredException) -> None:
    try:
        note = await _retry(pool, ns, exc)
    except NotFoundError:
        await retries.source_gone(pool, exc.id, f"the {exc.object_type} {exc.bc_id or exc.ns_id or ''}".strip())
        return
    await retries.settle(pool, exc, note)


async def _retry(pool: Any, ns: Any, exc: exceptions_store.StoredException) -> str:
    """Re-run the exception's object from its source (docs/operations.md, "Retry: what o2c re-reads")."""
    payload = exc.payload or {}
    if exc.kind == "gateway_unmapped" and (payload.get("order") or exc.bc_id):
        stored = payload.get("order") or {}
        order_id = int(exc.bc_id or stored["order_id"])
        order = await read_order(await clients.bigcommerce_client(), str(stored.get("store_hash") or store_hash),
                                 order_id)
        async with orders_lock.hold((order.store_hash, order.order_id)):
            return await deposits.handle(pool, ns, order)
    if exc.kind == "deposit_refused" and exc.bc_id:
        # the payment is as BigCommerce recorded it; NetSuite refused it: the stored deposit is sent again
        await cash_store.refused_to_waiting(pool, store_hash, int(exc.bc_id))
        return await deposits.write_waiting(pool, ns, store_hash, int(exc.bc_id))
    if exc.kind == "invoice_refused" and payload.get("fulfilment"):
        stored_f = NsFulfilment.model_validate(payload["fulfilment"])
        change = await read_fulfilment(ns, clients.netsuite_settings(), stored_f.ns_id,
                                       clients.netsuite_settings().account_id)
        if change is None:
            raise NotFoundError(f"item fulfilment {stored_f.ns_id}")
        return await invoices.handle(pool, ns, fulfilment_event(change).payload)
    if exc.kind in PAYOUT_KINDS and payload.get("payout_id"):
        row = await payouts_store.get(pool, payload["gateway"], payload["payout_id"])  # PostgreSQL holds the pages
        if row is None:
            raise NotFoundError(f"payout {payload['payout_id']}")
        return await payouts.process(pool, ns, row)
    return "nothing to retry"


if settings.enabled or settings.payouts_enabled:
    clients.netsuite()
    clients.bigcommerce()
    supervised.timer(app, settings.reconcile_interval, name="cash_catch_up", on_leader=True)(catch_up)
if settings.enabled:
    guarded_agent(app, topic(BcOrderEvent.TOPIC), Decoder.delivered(BcOrderEvent), name="record_payments",
                  concurrency=settings.concurrency)(record_payments)
    guarded_agent(app, topic(NsFulfilmentEvent.TOPIC), Decoder.model(NsFulfilmentEvent), name="invoice_shipments",
                  concurrency=settings.concurrency)(invoice_shipment)
    guarded_agent(app, topic(SyncResultEvent.TOPIC), Decoder.model(SyncResultEvent), name="deposit_when_synced",
                  concurrency=settings.concurrency)(deposit_when_synced)
if settings.payouts_enabled:
    guarded_agent(app, topic(PayoutEvent.TOPIC), Decoder.model(PayoutEvent), name="post_payouts")(post_payout)
