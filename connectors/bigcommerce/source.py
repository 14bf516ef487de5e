"""The BigCommerce change source: webhooks in, full order snapshots and refunds out (DESIGN §2, §5).

Four parts, none of which knows about Faust (``streams/ingest/bigcommerce.py`` wires them):

- :class:`WebhookReceiver` checks the secret header o2c put on its hooks (constant-time compare),
  parses the thin payload and queues it; it answers at once (2xx), even when the queue is full —
  the poller is the backstop — and counts every outcome.
- :class:`Hydrator` turns an order id into a :class:`~streams.contract.BcOrderSnapshot` (order,
  products, shipping addresses, coupons, transactions) and publishes it on ``bc.orders``, plus any
  refund not yet published on ``bc.refunds``. The order, its products and its shipping addresses come
  from one read (``include=consignments.line_items``); a backlog of deliveries is read a page of
  orders per request, so a flash sale costs about three requests per order instead of five. A
  version already published (``bc_published``) is skipped, so the webhook path and the poller do not
  publish one version twice.
- :class:`CatchUpPoller` reads ``GET /v2/orders?min_date_modified=…&sort=date_modified:asc`` from
  the watermark in ``cursors`` minus an overlap window, keyset-paged on ``date_modified``; versions
  kept at the watermark are skipped; the watermark moves only after publishing returned.
- :class:`HookManager` makes sure one active hook per scope points at the public destination with
  the secret header, re-activating hooks BigCommerce deactivated.

:class:`BigCommerceSource` composes them; webhook hashes are deduped durably (``bc_webhook_receipts``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson

from connectors.http import NotFoundError
from connectors.locks import KeyedLock
from state import bigcommerce_source as receipts
from state import cursors
from streams.contract import Publisher

from . import metrics
from .client import V2_MAX_LIMIT, BigCommerceClient
from .config import BigCommerceSettings
from .errors import ValidationError
from .models import Order, OrderWithLines, Refund, Webhook, WebhookCreate, WebhookPayload, WebhookUpdate
from .snapshot import (
    has_refunds,
    order_event,
    order_modified,
    order_snapshot,
    order_version,
    refund_event,
    version_time,
)

log = logging.getLogger(__name__)


REFUND_SCOPE = "store/order/refund/created"
#: Orders of one batch of deliveries hydrated at once (each takes two requests: coupons and transactions).
BATCH_FAN_OUT = 8


# --------------------------------------------------------------------------- webhooks in


@dataclass(frozen=True)
class WebhookJob:
    """What a delivery asks the hydrator to do: refresh an order, or publish its refunds."""

    hash: str
    scope: str
    order_id: int
    refund_id: int | None = None


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, str]


def job_from_payload(payload: WebhookPayload) -> WebhookJob | None:
    """The job a payload asks for; None for scopes that do not concern an order."""
    data = payload.data
    order_id: Any = None
    refund_id: Any = None
    if payload.scope == REFUND_SCOPE:
        order_id = data.get("id")
        refund_id = (data.get("refund") or {}).get("refund_id")
    elif payload.scope.startswith("store/order/transaction/"):
        order_id = data.get("order_id")
    elif payload.scope.startswith("store/shipment/"):
        order_id = data.get("orderId")
    elif payload.scope.startswith("store/order/") and data.get("type", "order") == "order":
        order_id = data.get("id")
    try:
        oid = int(order_id)
        rid = int(refund_id) if refund_id is not None else None
    except (TypeError, ValueError):
        return None
    return WebhookJob(hash=payload.hash, scope=payload.scope, order_id=oid, refund_id=rid)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


class WebhookReceiver:
    """Authenticates and queues deliveries; never waits on BigCommerce, Kafka or PostgreSQL."""

    def __init__(self, store_hash: str, secret: str, header: str, queue: asyncio.Queue[WebhookJob]) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self.store_hash = store_hash
        self.header = header
        self.queue = queue
        self._secret = secret.encode()
        self._pending: set[str] = set()  # hashes queued and not yet taken: duplicates are not queued twice

    def authenticate(self, headers: Mapping[str, str]) -> bool:
        given = _header(headers, self.header)
        if given is None:
            return False
        return hmac.compare_digest(given.encode(), self._secret)

    def _count(self, outcome: str) -> None:
        metrics.WEBHOOKS.labels(self.store_hash, outcome).inc()

    def receive(self, headers: Mapping[str, str], body: bytes) -> WebhookAnswer:
        """Answer one delivery: 401 without the right secret, 400 for a body that is not a webhook, else 200."""
        if not self.authenticate(headers):
            self._count("unauthorized")
            return WebhookAnswer(401, {"status": "unauthorized"})
        try:
            payload = WebhookPayload.model_validate(orjson.loads(body))
        except ValueError:
            self._count("invalid")
            return WebhookAnswer(400, {"status": "invalid"})
        if payload.producer != f"stores/{self.store_hash}":
            self._count("foreign")
            return WebhookAnswer(200, {"status": "ignored"})
        job = job_from_payload(payload)
        if job is None:
            self._count("ignored")
            return WebhookAnswer(200, {"status": "ignored"})
        if job.hash in self._pending:
            self._count("duplicate")
            return WebhookAnswer(200, {"status": "duplicate"})
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self._count("queue_full")
            log.warning("webhook queue full; the catch-up poller will pick the change up",
                        extra={"store": self.store_hash, "scope": job.scope, "order_id": job.order_id})
            return WebhookAnswer(200, {"status": "deferred"})
        self._pending.add(job.hash)
        metrics.WEBHOOK_QUEUE.labels(self.store_hash).set(self.queue.qsize())
        self._count("accepted")
        return WebhookAnswer(200, {"status": "accepted"})

    def taken(self, job: WebhookJob) -> None:
        """The hydrator took ``job`` off the queue."""
        self._pending.discard(job.hash)
        metrics.WEBHOOK_QUEUE.labels(self.store_hash).set(self.queue.qsize())


# --------------------------------------------------------------------------- hydrator


class Hydrator:
    """Order id → full snapshot on ``bc.orders`` (and new refunds on ``bc.refunds``)."""

    def __init__(self, client: BigCommerceClient, pool: asyncpg.Pool, publish: Publisher) -> None:
        self.client = client
        self.pool = pool
        self.publish = publish
        self.store_hash = client.settings.store_hash
        self._locks = KeyedLock()

    async def hydrate_order(self, order_id: int, *, read: OrderWithLines | None = None,
                            path: str = "webhook") -> bool:
        """Publish the order's current version unless already published; True when published.

        ``read`` is the order as already read with its lines (a list page with
        ``include=consignments.line_items``); without it the order and its lines are read in one request.
        """
        async with self._locks.hold(order_id):
            if read is None:
                read = await self.client.get_order_with_lines(order_id)
            order = read.order
            version = order_version(order)
            if await receipts.is_published(self.pool, self.store_hash, "order", order_id, version):
                return False
            coupons, transactions = await asyncio.gather(
                self.client.order_coupons(order_id),
                self.client.list_transactions(order_id),
            )
            snapshot = order_snapshot(self.store_hash, order, read.products, read.shipping_addresses, coupons,
                                      transactions)
            event = order_event(snapshot, version)
            await self.publish(event)
            metrics.SOURCE_EVENTS.labels(self.store_hash, "order", path).inc()
            if has_refunds(order, transactions):
                await self._publish_refunds(order_id, path)
            await receipts.mark_published(self.pool, self.store_hash, "order", order_id, event.event_id, version)
            log.info("published order snapshot", extra={"store": self.store_hash, "order_id": order_id,
                                                        "version": version, "path": path})
            return True

    async def read_orders(self, order_ids: Iterable[int]) -> dict[int, OrderWithLines]:
        """Read many orders with their lines in as few requests as possible: one list request per run of
        ids spanning less than a page (``min_id``/``max_id``). Ids not found are simply absent."""
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
            page = await self.client.list_orders_with_lines(min_id=run[0], max_id=run[-1], sort="id:asc",
                                                           limit=V2_MAX_LIMIT)
            found.update((read.order.id, read) for read in page if read.order.id in run)
        return found

    async def sync_refunds(self, order_id: int, *, path: str = "webhook") -> int:
        """Publish the order's refunds not yet published; returns how many were."""
        async with self._locks.hold(order_id):
            return await self._publish_refunds(order_id, path)

    async def _publish_refunds(self, order_id: int, path: str) -> int:
        refunds: list[Refund] = await self.client.list_refunds(order_id)
        if not refunds:
            return 0
        done = await receipts.published_refunds(self.pool, self.store_hash, [r.id for r in refunds])
        count = 0
        for refund in sorted(refunds, key=lambda r: r.id):
            if refund.id in done:
                continue
            event = refund_event(self.store_hash, refund)
            await self.publish(event)
            await receipts.mark_published(self.pool, self.store_hash, "refund", refund.id, event.event_id)
            metrics.SOURCE_EVENTS.labels(self.store_hash, "refund", path).inc()
            log.info("published refund", extra={"store": self.store_hash, "order_id": order_id,
                                                "refund_id": refund.id, "path": path})
            count += 1
        return count


# --------------------------------------------------------------------------- catch-up poller


def _utc_now() -> datetime:
    return datetime.now(UTC)


def version_key(order: Order) -> str:
    return f"{order.id}@{order_version(order)}"


def _key_time(key: str) -> datetime:
    return version_time(key.partition("@")[2])


@dataclass
class PollResult:
    listed: int = 0
    published: int = 0
    skipped: int = 0
    failed: int = 0
    watermark: datetime | None = None


@dataclass
class _Window:
    """The poll's view of the watermark: the time, and the version keys inside the overlap window."""

    watermark: datetime
    overlap: timedelta
    seen: set[str] = field(default_factory=set)

    def add(self, order: Order) -> None:
        self.seen.add(version_key(order))
        self.watermark = max(self.watermark, order_modified(order))

    def kept(self) -> set[str]:
        floor = self.watermark - self.overlap
        return {k for k in self.seen if _key_time(k) >= floor}


class CatchUpPoller:
    """Lists orders changed since the watermark (minus the overlap) and hydrates what is new."""

    def __init__(
        self,
        client: BigCommerceClient,
        pool: asyncpg.Pool,
        hydrator: Hydrator,
        *,
        overlap: float,
        initial_lookback: float,
        concurrency: int = 4,
        page_limit: int = V2_MAX_LIMIT,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.client = client
        self.pool = pool
        self.hydrator = hydrator
        self.store_hash = client.settings.store_hash
        self.cursor_name = f"bigcommerce:{self.store_hash}:orders"
        self.overlap = timedelta(seconds=overlap)
        self.initial_lookback = timedelta(seconds=initial_lookback)
        self.concurrency = concurrency
        self.page_limit = page_limit
        self.clock = clock
        self._running = asyncio.Lock()

    async def poll_once(self) -> PollResult:
        """One catch-up pass; never two at once in this process."""
        async with self._running:
            return await self._poll()

    async def _poll(self) -> PollResult:
        result = PollResult()
        cursor = await cursors.load(self.pool, self.cursor_name)
        if cursor is None:
            window = _Window(self.clock() - self.initial_lookback, self.overlap)
        else:
            window = _Window(cursor.watermark, self.overlap, set(cursor.seen_ids))
        since = window.watermark - self.overlap
        page = 1
        while True:
            rows = await self.client.list_orders_page(min_date_modified=since, page=page, limit=self.page_limit)
            result.listed += len(rows)
            fresh = [o for o in rows if version_key(o) not in window.seen]
            result.skipped += len(rows) - len(fresh)
            ok = await self._hydrate(fresh, window, result)
            await cursors.advance(self.pool, self.cursor_name, window.watermark, window.kept())
            result.watermark = window.watermark
            if not ok or len(rows) < self.page_limit:
                break
            # keyset paging: the next read starts at the last date seen, so changes made while
            # paging cannot shift an unread order onto a page already read
            last = order_modified(rows[-1]).replace(microsecond=0)
            if last > since:
                since, page = last, 1
            else:
                page += 1  # a whole page within one second: only then page by number
        metrics.POLL_LAST_SUCCESS.labels(self.store_hash).set(self.clock().timestamp())
        return result

    async def _hydrate(self, orders: list[Order], window: _Window, result: PollResult) -> bool:
        """Hydrate in order, ``concurrency`` at a time; the window takes only the successful prefix.

        Versions the webhooks already published are skipped after one query for the page; the rest are
        read with their lines a page per request (a flash sale's backlog is mostly already published).
        """
        published = await receipts.published_versions(self.pool, self.store_hash, "order",
                                                       [(o.id, order_version(o)) for o in orders])
        reads = await self.hydrator.read_orders(o.id for o in orders if o.id not in published)
        for start in range(0, len(orders), self.concurrency):
            chunk = orders[start : start + self.concurrency]
            outcomes = await asyncio.gather(
                *(self._hydrate_one(o, reads.get(o.id), published) for o in chunk), return_exceptions=True
            )
            for order, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, NotFoundError):
                    log.warning("order vanished while polling", extra={"order_id": order.id})
                elif isinstance(outcome, BaseException):
                    result.failed += 1
                    metrics.SOURCE_FAILURES.labels(self.store_hash, "poll").inc()
                    log.warning("poll could not publish an order; retried next poll",
                                extra={"order_id": order.id, "error": repr(outcome)})
                    return False
                elif outcome:
                    result.published += 1
                else:
                    result.skipped += 1
                window.add(order)
        return True

    async def _hydrate_one(self, order: Order, read: OrderWithLines | None, published: set[int]) -> bool:
        if order.id in published:
            return False
        return await self.hydrator.hydrate_order(order.id, read=read, path="poll")


# --------------------------------------------------------------------------- hooks


class HookManager:
    """One active hook per scope at ``destination``, carrying the secret header."""

    def __init__(self, client: BigCommerceClient, destination: str, scopes: tuple[str, ...], header: str,
                 secret: str) -> None:
        self.client = client
        self.destination = destination
        self.scopes = scopes
        self.header = header
        self._secret = secret

    def _headers(self, hook: Webhook | None = None) -> dict[str, str]:
        return {**((hook.headers or {}) if hook else {}), self.header: self._secret}

    async def ensure(self) -> dict[str, list[str]]:
        """Create missing hooks, re-activate or correct the others; returns scopes by action."""
        actions: dict[str, list[str]] = {"created": [], "reactivated": [], "updated": []}
        mine = [h for h in await self.client.list_webhooks() if h.destination == self.destination]
        store = self.client.settings.store_hash
        for scope in self.scopes:
            hook = next((h for h in mine if h.scope == scope), None)
            if hook is None:
                try:
                    await self.client.create_webhook(WebhookCreate(
                        scope=scope, destination=self.destination, is_active=True, headers=self._headers()))
                except ValidationError as exc:  # another worker created it a moment ago
                    log.info("hook not created", extra={"scope": scope, "error": str(exc)})
                    continue
                actions["created"].append(scope)
            elif not hook.is_active or (hook.headers or {}).get(self.header) != self._secret:
                await self.client.update_webhook(hook.id, WebhookUpdate(is_active=True, headers=self._headers(hook)))
                actions["reactivated" if not hook.is_active else "updated"].append(scope)
            else:
                continue
        for action, scopes in actions.items():
            if scopes:
                metrics.HOOKS_REPAIRED.labels(store, action).inc(len(scopes))
                log.info(f"webhooks {action}", extra={"store": store, "scopes": scopes,
                                                      "destination": self.destination})
        return actions


# --------------------------------------------------------------------------- the source


def make_receiver(settings: BigCommerceSettings) -> WebhookReceiver:
    """The receiver of one store; it can take deliveries before the hydrators are running."""
    queue: asyncio.Queue[WebhookJob] = asyncio.Queue(maxsize=settings.webhook_queue_size)
    return WebhookReceiver(settings.store_hash, settings.webhook_secret_value(), settings.webhook_header, queue)


class BigCommerceSource:
    """Receiver + hydrator + poller + hook manager of one store."""

    def __init__(self, settings: BigCommerceSettings, client: BigCommerceClient, pool: asyncpg.Pool,
                 publish: Publisher, *, receiver: WebhookReceiver | None = None) -> None:
        self.settings = settings
        self.client = client
        self.pool = pool
        self.store_hash = settings.store_hash
        secret = settings.webhook_secret_value()
        self.receiver = receiver or make_receiver(settings)
        self.queue = self.receiver.queue
        self.hydrator = Hydrator(client, pool, publish)
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
