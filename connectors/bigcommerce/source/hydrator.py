"""Order id → one full read of the order (products, shipping addresses, coupons, transactions), handed to
the sink, plus any refund of it not yet delivered.

The order, its products and its shipping addresses come from one read (``include=consignments.line_items``);
a backlog is read a page of orders per request (:meth:`Hydrator.read_orders`). A version already
delivered (``bc_published``) is skipped, so the webhook path and the poller do not deliver it twice.

A failure that is about the order — BigCommerce's answer for it, data the models or the sink reject —
is counted (:class:`~.failures.FailureBook`) and raised as :class:`~.failures.HydrationFailed`; once the
version failed ``limit`` times the sink hears it is unreadable. An order that vanished (404), or a
sink or PostgreSQL that cannot take what was read, is not the order's fault: raised as is, not counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass

import asyncpg

from connectors.http import NotFoundError
from connectors.locks import KeyedLock
from state import bigcommerce_source as receipts
from state.bigcommerce_source import HydrationFailure

from .. import metrics
from ..client import V2_MAX_LIMIT, BigCommerceClient
from ..models import OrderWithLines, Refund
from ..versions import has_refunds, order_version
from .failures import FailureBook, HydrationFailed, one_line
from .sink import OrderRead, OrderRejected, RefundRead, Sink, UnreadableOrder

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The sink could not take what was read (broker or database unavailable): not counted against the order."""


#: Failures that are not the order's fault, so never counted against it.
_NOT_COUNTED = (NotFoundError, DeliveryFailed, asyncpg.PostgresError, OSError)


@dataclass(frozen=True)
class _Done:
    published: bool
    recovered: bool


class Hydrator:
    """Reads orders and refunds and delivers them to the sink, counting the orders that fail."""

    def __init__(self, client: BigCommerceClient, pool: asyncpg.Pool, sink: Sink, failures: FailureBook) -> None:
        self.client = client
        self.pool = pool
        self.sink = sink
        self.failures = failures
        self.store_hash = client.settings.store_hash
        self._locks = KeyedLock()

    async def hydrate_order(self, order_id: int, *, read: OrderWithLines | None = None, version: str = "",
                            path: str = "webhook") -> bool:
        """Deliver the order's current version unless already delivered; True when delivered.

        ``read`` is the order as already read with its lines (a list page with
        ``include=consignments.line_items``); without it the order and its lines are read in one request.
        ``version`` is the version the caller listed, counted if the order cannot even be read.
        """
        try:
            done = await self._hydrate(order_id, read, version, path)
        except HydrationFailed as failed:
            if failed.given_up:  # reported again on each later failure; counted as given up once
                await self.give_up(failed.failure, again=failed.failure.failures > failed.limit)
            raise
        if done.recovered:
            await self.sink.recovered(self.store_hash, order_id)
        return done.published

    async def retry_order(self, order_id: int) -> bool:
        """An operator's retry: start the order's count over and hydrate it now; True when it went through.

        Success (delivered now, or its current version was already delivered) is reported as
        ``recovered``; a failure as ``unreadable`` with ``retried=True``. Failures that are not the
        order's fault are raised (the retry stays requested and is tried on the next poll).
        """
        counted = (await self.failures.of([order_id])).get(order_id)
        await self.failures.reset(order_id)
        try:
            await self._hydrate(order_id, None, counted.version if counted else "", "retry")
        except NotFoundError as exc:
            await self.sink.unreadable(UnreadableOrder(self.store_hash, order_id, "", 0, one_line(exc), retried=True))
            return False
        except HydrationFailed as failed:
            f = failed.failure
            await self.sink.unreadable(UnreadableOrder(self.store_hash, order_id, f.version, f.failures,
                                                       f.last_error, retried=True))
            return False
        await self.sink.recovered(self.store_hash, order_id)
        return True

    async def give_up(self, failure: HydrationFailure, *, again: bool = False) -> None:
        """Tell the sink this order version is unreadable (the caller moves past it); ``again``: it was
        given up before (the poller met it again), so it is not counted twice."""
        if not again:
            metrics.ORDERS_UNREADABLE.labels(self.store_hash).inc()
        log.warning("order given up after failed hydrations", extra={
            "store": self.store_hash, "order_id": failure.order_id, "version": failure.version,
            "failures": failure.failures, "error": failure.last_error})
        await self.sink.unreadable(UnreadableOrder(self.store_hash, failure.order_id, failure.version,
                                                   failure.failures, failure.last_error))

    async def _hydrate(self, order_id: int, read: OrderWithLines | None, version: str, path: str) -> _Done:
        async with self._locks.hold(order_id):
            try:
                if read is None:
                    read = await self.client.get_order_with_lines(order_id)
                order = read.order
                version = order_version(order)
                if await receipts.is_published(self.pool, self.store_hash, "order", order_id, version):
                    return _Done(published=False, recovered=False)
                coupons, transactions = await asyncio.gather(
                    self.client.order_coupons(order_id),
                    self.client.list_transactions(order_id),
                )
                delivered = await _deliver(self.sink.order(OrderRead(
                    self.store_hash, order, tuple(read.products), tuple(read.shipping_addresses), tuple(coupons),
                    tuple(transactions), version)))
                metrics.SOURCE_EVENTS.labels(self.store_hash, "order", path).inc()
                if has_refunds(order, transactions):
                    await self._deliver_refunds(order_id, path)
                recovered = await receipts.mark_order_published(self.pool, self.store_hash, order_id, delivered,
                                                                version)
            except _NOT_COUNTED:
                raise
            except Exception as exc:
                failure = await self.failures.count(order_id, version, exc)
                metrics.SOURCE_FAILURES.labels(self.store_hash, path).inc()
                log.warning("order hydration failed", extra={
                    "store": self.store_hash, "order_id": order_id, "version": version or None, "path": path,
                    "failures": failure.failures, "error": failure.last_error})
                raise HydrationFailed(failure, self.failures.limit) from exc
            log.info("order delivered", extra={"store": self.store_hash, "order_id": order_id,
                                               "version": version, "path": path})
            return _Done(published=True, recovered=recovered)

    async def read_orders(self, order_ids: Iterable[int]) -> dict[int, OrderWithLines]:
        """Read many orders with their lines in as few requests as possible: one list request per run of
        ids spanning less than a page (``min_id``/``max_id``). Ids not found are simply absent, and so are
        orders whose row did not validate (the page is read row by row): the caller reads those on their own."""
        wanted = sorted(set(order_ids))
        found: dict[int, OrderWithLines] = {}
        runs: list[list[int]] = []
        for order_id in wanted:
            if runs and order_id - runs[-1][0] < V2_MAX_LIMIT:
                runs[-1].append(order_id)
            else:
                runs.append([order_id])
        for run in runs:
            if len(run) == 1:
                continue  # a single read costs the same request and answers "not found" precisely
            page = await self.client.list_order_reads(min_id=run[0], max_id=run[-1], sort="id:asc",
                                                      limit=V2_MAX_LIMIT)
            found.update((read.order.id, read) for read in page.rows
                         if isinstance(read, OrderWithLines) and read.order.id in run)
        return found

    async def sync_refunds(self, order_id: int, *, path: str = "webhook") -> int:
        """Deliver the order's refunds not yet delivered; returns how many were."""
        async with self._locks.hold(order_id):
            return await self._deliver_refunds(order_id, path)

    async def _deliver_refunds(self, order_id: int, path: str) -> int:
        refunds: list[Refund] = await self.client.list_refunds(order_id)
        if not refunds:
            return 0
        done = await receipts.published_refunds(self.pool, self.store_hash, [r.id for r in refunds])
        count = 0
        for refund in sorted(refunds, key=lambda r: r.id):
            if refund.id in done:
                continue
            delivered = await _deliver(self.sink.refund(RefundRead(self.store_hash, refund)))
            await receipts.mark_published(self.pool, self.store_hash, "refund", refund.id, delivered)
            metrics.SOURCE_EVENTS.labels(self.store_hash, "refund", path).inc()
            log.info("refund delivered", extra={"store": self.store_hash, "order_id": order_id,
                                                "refund_id": refund.id, "path": path})
            count += 1
        return count


async def _deliver(call: Awaitable[str]) -> str:
    """Await a sink call; what it raises other than :class:`OrderRejected` is a :class:`DeliveryFailed`."""
    try:
        return await call
    except OrderRejected:
        raise
    except Exception as exc:
        raise DeliveryFailed(one_line(exc)) from exc
