"""Signed webhook deliveries, as Stripe sends them.

Each event is POSTed to every endpoint with ``Stripe-Signature: t=<ts>,v1=<HMAC-SHA256 hex of
"<ts>.<payload>" keyed with the whsec_ secret>``; a non-2xx answer or a connection error is retried after
each of ``retry_delays_s``. Test switches: ``duplicate`` delivers every event twice; ``hold`` keeps events
until :meth:`WebhookDispatcher.release`, which can deliver them in reverse (``payout.failed`` before
``payout.paid``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

log = logging.getLogger(__name__)


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@dataclass
class WebhookStats:
    delivered: int = 0
    attempts: int = 0
    failed: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class WebhookDispatcher:
    """Delivers events to the configured endpoints, in order, from one background task."""

    def __init__(self, secret: str, retry_delays_s: tuple[float, ...] = (0.5, 2.0, 5.0)) -> None:
        self.secret = secret
        self.retry_delays_s = retry_delays_s
        self.endpoints: list[str] = []
        self.duplicate = False
        self.hold = False
        self.held: list[dict[str, Any]] = []
        self.stats = WebhookStats()
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=10.0)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="stripe-sandbox-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.aclose()

    def submit(self, event: dict[str, Any]) -> None:
        """Called by the store for each new event."""
        if not self.endpoints:
            return
        if self.hold:
            self.held.append(event)
            return
        self._enqueue(event)

    def _enqueue(self, event: dict[str, Any]) -> None:
        self._queue.put_nowait(event)
        if self.duplicate:
            self._queue.put_nowait(event)

    def release(self, order: str = "fifo") -> int:
        """Deliver the held events (``reverse``: newest first); returns how many."""
        events, self.held = self.held, []
        for event in reversed(events) if order == "reverse" else events:
            self._enqueue(event)
        return len(events)

    async def idle(self) -> None:
        """Wait until every queued delivery is done (tests)."""
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                payload = orjson.dumps(event)
                for url in list(self.endpoints):
                    await self._deliver(url, payload, str(event["type"]))
            finally:
                self._queue.task_done()

    async def _deliver(self, url: str, payload: bytes, type_: str) -> None:
        assert self._http is not None
        for attempt in range(len(self.retry_delays_s) + 1):
            self.stats.attempts += 1
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                       "Stripe-Signature": signature_header(payload, self.secret)}
            try:
                response = await self._http.post(url, content=payload, headers=headers)
                if 200 <= response.status_code < 300:
                    self.stats.delivered += 1
                    self.stats.by_type[type_] = self.stats.by_type.get(type_, 0) + 1
                    return
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            if attempt < len(self.retry_delays_s):
                log.info("stripe sandbox webhook retried", extra={"url": url, "reason": reason})
                await asyncio.sleep(self.retry_delays_s[attempt])
        self.stats.failed += 1
