"""The money-back flow's Faust wiring (``O2C_RETURNS_ENABLED=true``).

- ``book_refunds`` on ``bc.refunds``: each BigCommerce refund → its NetSuite documents (one order at a time,
  refunds of an order in refund id order);
- ``refund_voids`` on ``bc.orders``: a captured payment voided at the gateway → its deposit refunded;
- a leader timer (``O2C_RETURNS_INTERVAL``): refunds waiting for their order or left half written, cancelled
  orders whose payment was never refunded (``cancelled_unrefunded``), and operators' retries
  (``streams.returns.retry``): the refund is read again from BigCommerce (the order's refunds) and handled as
  a ``bc.refunds`` event would be — a held refund planned again, a refused one continued where it stopped,
  nothing written twice; the exception stays ``retrying`` until that run's outcome (resolved, or ``open`` with
  the new reason: ``streams.platform.retries.settle``; ``open`` with a note if BigCommerce no longer has the
  refund; still ``retrying`` while BigCommerce or NetSuite cannot be reached).
"""

from __future__ import annotations

import logging

from state import exceptions as exceptions_store
from state import returns as store
from streams.cash.settings import get_cash_settings
from streams.contract import BcOrderEvent, BcRefundEvent
from streams.platform import clients, retries, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, guarded_agent
from streams.platform.order_locks import ORDER_LOCKS
from streams.platform.runtime import database
from streams.returns.messages import cancelled_unrefunded
from streams.returns.retry import retry_refund
from streams.returns.settings import get_returns_settings
from streams.returns.voids import void_refunds
from streams.returns.writer import RETURN_KINDS, RefundWriter

log = logging.getLogger(__name__)

settings = get_returns_settings()
store_hash = clients.bigcommerce_settings().store_hash
writer = RefundWriter(settings, get_cash_settings())


async def book_refund(event: BcRefundEvent) -> None:
    refund = event.payload
    if refund.store_hash != store_hash:
        return
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    async with ORDER_LOCKS.hold((refund.store_hash, refund.order_id)):
        outcome = await writer.handle(pool, ns, refund)
    log.info(f"refund {refund.refund_id} of order {refund.order_id}: {outcome}",
             extra={"bc_order_id": refund.order_id, "refund_id": refund.refund_id})


async def refund_voids(event: BcOrderEvent) -> None:
    order = event.payload
    if order.store_hash != store_hash:
        return
    voids = void_refunds(order)
    if not voids:
        return
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    async with ORDER_LOCKS.hold((order.store_hash, order.order_id)):
        for refund in voids:
            outcome = await writer.handle(pool, ns, refund)
            log.info(f"void {-refund.refund_id} of order {order.order_id}: {outcome}",
                     extra={"bc_order_id": order.order_id})


async def catch_up() -> None:
    """Refunds waiting (or half written) for a while, and operators' retries."""
    pool = await database.acquire_pool()
    ns = await clients.netsuite_client()
    for shop, order_id in await store.waiting_orders(pool, older_than=settings.interval):
        async with ORDER_LOCKS.hold((shop, order_id)):
            await writer.run_order(pool, ns, shop, order_id)
    open_keys: set[str] = set()
    for row in await store.cancelled_unrefunded(pool, older_than=settings.cancelled_grace):
        exception = cancelled_unrefunded(row.store_hash, row.order_id, row.paid, row.refunded)
        open_keys.add(exception.dedupe_key or "")
        await exceptions_store.record(pool, exception)
    await exceptions_store.auto_resolve_kind_except(pool, "cancelled_unrefunded", open_keys)

    async def retry(exc: exceptions_store.StoredException) -> None:
        await retry_refund(pool, ns, await clients.bigcommerce_client(), writer, exc, store_hash=store_hash)

    await retries.each_retrying(pool, RETURN_KINDS, retry, what="refund")


if settings.enabled:
    clients.netsuite()
    clients.bigcommerce()
    supervised.timer(app, settings.interval, name="returns_catch_up", on_leader=True)(catch_up)
    guarded_agent(app, topic(BcRefundEvent.TOPIC), Decoder.model(BcRefundEvent), name="book_refunds",
                  concurrency=settings.concurrency)(book_refund)
    guarded_agent(app, topic(BcOrderEvent.TOPIC), Decoder.model(BcOrderEvent), name="refund_voids",
                  concurrency=settings.concurrency)(refund_voids)
