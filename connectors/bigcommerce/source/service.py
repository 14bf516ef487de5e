"""One store's change source: webhook receiver + hydrators + catch-up poller + hook manager (no Faust).

``streams/ingest/bigcommerce.py`` runs it in the worker with a :class:`~.sink.Sink` that publishes.
Webhook hashes are deduped durably (``bc_webhook_receipts``): a hydrator claims a hash before working
on it and releases it when the work failed, so a redelivery is processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from connectors.http import NotFoundError
from state import bigcommerce_source as receipts

from .. import metrics
from ..client import BigCommerceClient
from ..config import BigCommerceSettings
from ..models import OrderWithLines
from .failures import FailureBook, HydrationFailed
from .hooks import HookManager
from .hydrator import Hydrator
from .poller import CatchUpPoller, PollResult
from .receiver import WebhookJob, WebhookReceiver, make_receiver
from .sink import Sink

log = logging.getLogger(__name__)

#: Orders of one batch of deliveries hydrated at once (each takes two requests: coupons and transactions).
BATCH_FAN_OUT = 8


class BigCommerceSource:
    """Receiver + hydrator + poller + hook manager of one store."""

    def __init__(self, settings: BigCommerceSettings, client: BigCommerceClient, pool: asyncpg.Pool,
                 sink: Sink, *, receiver: WebhookReceiver | None = None) -> None:
        self.settings = settings
        self.client = client
        self.pool = pool
        self.store_hash = settings.store_hash
        secret = settings.webhook_secret_value()
        self.receiver = receiver or make_receiver(settings)
        self.queue = self.receiver.queue
        self.failures = FailureBook(pool, self.store_hash, settings.max_hydration_failures)
        self.hydrator = Hydrator(client, pool, sink, self.failures)
        self.poller = CatchUpPoller(client, pool, self.hydrator, overlap=settings.poll_overlap,
                                    initial_lookback=settings.poll_initial_lookback,
                                    concurrency=settings.hydrator_concurrency)
        self.hooks = (
            HookManager(client, settings.webhook_destination, settings.webhook_scopes, settings.webhook_header,
                        secret)
            if settings.webhook_destination else None
        )

    async def run_hydrators(self) -> None:
        """Consume the webhook queue with ``hydrator_concurrency`` workers until cancelled."""
        workers = [asyncio.create_task(self._consume()) for _ in range(self.settings.hydrator_concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _consume(self) -> None:
        while True:
            jobs = [await self.queue.get()]
            while len(jobs) < self.settings.hydrator_batch_size and not self.queue.empty():
                jobs.append(self.queue.get_nowait())  # a backlog is read a page of orders at a time
            for job in jobs:
                self.receiver.taken(job)
            try:
                await self.handle_many(jobs)
            finally:
                for _ in jobs:
                    self.queue.task_done()

    async def handle(self, job: WebhookJob) -> None:
        """Process one delivery once per ``hash``; a failure forgets the hash (the poller catches up)."""
        await self.handle_many([job])

    async def handle_many(self, jobs: list[WebhookJob]) -> None:
        """Process deliveries once per ``hash``; the orders they name are read together."""
        claimed = [job for job in jobs if await self._claim(job)]
        order_ids = {job.order_id for job in claimed if job.refund_id is None}
        reads: dict[int, OrderWithLines] = {}
        if len(order_ids) > 1:
            try:
                reads = await self.hydrator.read_orders(order_ids)
            except Exception as exc:  # each order is then read on its own
                log.warning("batched order read failed", extra={"orders": len(order_ids), "error": repr(exc)})
        gate = asyncio.Semaphore(BATCH_FAN_OUT)

        async def one(job: WebhookJob) -> None:
            async with gate:
                await self._handle_claimed(job, reads.get(job.order_id) if job.refund_id is None else None)

        await asyncio.gather(*(one(job) for job in claimed))

    async def _claim(self, job: WebhookJob) -> bool:
        if await receipts.claim_webhook(self.pool, self.store_hash, job.hash, job.scope, str(job.order_id)):
            return True
        metrics.WEBHOOKS.labels(self.store_hash, "duplicate").inc()
        return False

    async def _handle_claimed(self, job: WebhookJob, read: OrderWithLines | None) -> None:
        store = self.store_hash
        try:
            if job.refund_id is not None:
                await self.hydrator.sync_refunds(job.order_id, path="webhook")
            else:
                await self.hydrator.hydrate_order(job.order_id, read=read, path="webhook")
        except NotFoundError:
            log.warning("webhook for an order that does not exist", extra={"order_id": job.order_id})
        except HydrationFailed:  # counted (and reported once given up) by the hydrator
            with contextlib.suppress(Exception):
                await receipts.release_webhook(self.pool, store, job.hash)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await receipts.release_webhook(self.pool, store, job.hash)
            raise
        except Exception as exc:
            metrics.SOURCE_FAILURES.labels(store, "webhook").inc()
            log.warning("webhook work failed; the poller will catch up",
                        extra={"order_id": job.order_id, "scope": job.scope, "error": repr(exc)})
            with contextlib.suppress(Exception):
                await receipts.release_webhook(self.pool, store, job.hash)

    async def poll(self) -> PollResult:
        try:
            return await self.poller.poll_once()
        except Exception as exc:
            metrics.SOURCE_FAILURES.labels(self.store_hash, "poll").inc()
            log.warning("catch-up poll failed; retried next interval", extra={"error": repr(exc)})
            return PollResult(failed=1)

    async def check_hooks(self) -> dict[str, list[str]]:
        """Ensure the hooks (re-activating deactivated ones) and forget old receipts."""
        actions: dict[str, list[str]] = {}
        if self.hooks is not None:
            try:
                actions = await self.hooks.ensure()
            except Exception as exc:
                metrics.SOURCE_FAILURES.labels(self.store_hash, "hooks").inc()
                log.warning("webhook check failed; retried next interval", extra={"error": repr(exc)})
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            await receipts.cleanup(self.pool, self.settings.webhook_dedupe_ttl)
        return actions
