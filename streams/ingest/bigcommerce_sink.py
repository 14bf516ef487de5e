"""The BigCommerce source's sink in o2c: reads become contract events, unreadable orders exceptions.

A retry of ``order_unreadable`` is carried out by the source itself (``retries_requested``): it reads the
order again from BigCommerce; a success auto-resolves the exception (``recovered``), a failure sets it
back to ``open`` with ``last_retry_note`` (``unreadable`` with ``retried``).

:class:`EventSink` implements :class:`connectors.bigcommerce.source.Sink`. It does not import the Faust
app (the publisher is given), so the integration tests run it against a plain Kafka producer.
"""

from __future__ import annotations

import asyncpg

from connectors.bigcommerce.source import OrderRead, OrderRejected, RefundRead, UnreadableOrder, one_line
from state import bigcommerce_source as bc_state
from state import exceptions
from streams.contract import Publisher
from streams.ingest.bigcommerce_events import order_read_event, refund_read_event

KIND = "order_unreadable"


def exception_key(store_hash: str, order_id: int) -> str:
    """One open ``order_unreadable`` exception per store and order, however often it fails."""
    return f"{KIND}:{store_hash}:{order_id}"


def unreadable_exception(failure: UnreadableOrder) -> exceptions.NewException:
    """The exception engineering gets for an order the source gave up on (pure)."""
    oid = failure.order_id
    if failure.retried:
        what = f"A retry of BigCommerce order {oid} (store {failure.store_hash}) failed"
    else:
        what = (f"BigCommerce order {oid} (store {failure.store_hash}) could not be read "
                f"{failure.failures} time{'s' if failure.failures != 1 else ''} in a row")
    message = (
        f"{what}, so it has not been sent on to NetSuite. Last error: {failure.error}. "
        "o2c has moved on to the next orders and tries this one again by itself when it changes in BigCommerce. "
        "Find the cause in the error (a BigCommerce fault on this order, or order data o2c cannot handle yet), "
        "fix it, then run `o2c exceptions retry <this exception's id>` to read the order again."
    )
    return exceptions.NewException(
        kind=KIND, object_type="order", owner="engineering", severity="error", message=message, bc_id=str(oid),
        payload={"store": failure.store_hash, "order_id": oid, "version": failure.version,
                 "failures": failure.failures, "error": failure.error, "retried": failure.retried},
        dedupe_key=exception_key(failure.store_hash, oid),
    )


def retry_failed_note(failure: UnreadableOrder) -> str:
    """Why an operator's retry of an unreadable order failed, in plain English (pure)."""
    if not failure.version and not failure.failures:  # not found: the order is gone from BigCommerce
        return (f"The retry could not read BigCommerce order {failure.order_id}: BigCommerce no longer has it "
                f"(deleted?). {failure.error}")
    return f"The retry read BigCommerce order {failure.order_id} again and it failed: {failure.error}"


class EventSink:
    """Publishes order and refund events (``publish`` returns once the broker has them) and keeps the
    ``order_unreadable`` exceptions of one store."""

    def __init__(self, pool: asyncpg.Pool, store_hash: str, publish: Publisher) -> None:
        self.pool = pool
        self.store_hash = store_hash
        self.publish = publish

    async def order(self, read: OrderRead) -> str:
        try:
            event = order_read_event(read)
        except ValueError as exc:  # pydantic's ValidationError included: the data, not the broker
            raise OrderRejected(f"the order does not fit the bc.orders contract: {one_line(exc)}") from exc
        await self.publish(event)
        return event.event_id

    async def refund(self, read: RefundRead) -> str:
        try:
            event = refund_read_event(read)
        except ValueError as exc:
            raise OrderRejected(f"refund {read.refund.id} does not fit the bc.refunds contract: "
                                f"{one_line(exc)}") from exc
        await self.publish(event)
        return event.event_id

    async def unreadable(self, failure: UnreadableOrder) -> None:
        exception_id = await exceptions.record(self.pool, unreadable_exception(failure))
        if failure.retried:
            await exceptions.retry_outcome(self.pool, exception_id, resolved=False, note=retry_failed_note(failure))

    async def recovered(self, store_hash: str, order_id: int) -> None:
        await exceptions.auto_resolve_key(self.pool, exception_key(store_hash, order_id))

    async def retries_requested(self) -> list[int]:
        return await bc_state.retrying_orders(self.pool, self.store_hash)
