"""Webhooks in: check the secret o2c put on its hooks, parse the thin payload, queue it, answer at once.

The receiver answers 2xx even when the queue is full (the catch-up poller is the backstop), never waits
on BigCommerce, Kafka or PostgreSQL, and counts every outcome.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .. import metrics
from ..config import BigCommerceSettings
from ..models import WebhookPayload

log = logging.getLogger(__name__)

REFUND_SCOPE = "store/order/refund/created"


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


def make_receiver(settings: BigCommerceSettings) -> WebhookReceiver:
    """The receiver of one store; it can take deliveries before the hydrators are running."""
    queue: asyncio.Queue[WebhookJob] = asyncio.Queue(maxsize=settings.webhook_queue_size)
    return WebhookReceiver(settings.store_hash, settings.webhook_secret_value(), settings.webhook_header, queue)
