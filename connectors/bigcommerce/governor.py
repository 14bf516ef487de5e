"""Rate-limit governor: one per store per process, shared by every coroutine that calls BigCommerce.

Two layers:

- :class:`PacingPolicy` — pure, clock-injected bookkeeping of the store's windowed quota, fed by the
  ``X-Rate-Limit-*`` headers of every response. ``delay(now)`` says how long the next request must
  wait: nothing while the quota is plentiful, then the remaining requests (minus a small reserve
  for other apps sharing the quota) spread evenly over the rest of the window, and once only the
  reserve is left, until the window resets. Until the first headers arrive a single probe request
  is allowed in flight. A 429 blocks everything until the reset it announces (or a jittered back-off
  when it carries no headers).
- :class:`RateLimitGovernor` — the asyncio side: a priority queue of waiters (``Lane.HIGH`` before
  ``Lane.NORMAL`` before ``Lane.LOW``, FIFO within a lane), per-endpoint concurrency caps, and the metrics.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum

from connectors.http import Backoff

from . import metrics

#: Documented per-endpoint concurrency caps (reference §2), keyed by the client's endpoint names.
DEFAULT_CAPS: dict[str, int] = {
    "pricelist_records_upsert": 2,
    "pricelist_records_list": 10,
    "pricelist_delete": 1,
    "pricelist_assignments_upsert": 25,
    "customers_update": 3,
    "inventory_adjustment": 1,
    "order_refund": 1,  # per order: the client adds ":<order id>" to the key
    "customer_groups_list": 40,
}


class Lane(IntEnum):
    """Priority lanes: a lower value goes first when the governor is pacing."""

    HIGH = 0  # orders, low-stock inventory
    NORMAL = 1  # routine stock, catalogue
    LOW = 2  # bookkeeping that can wait (e.g. the NetSuite document number written back to orders)


@dataclass(frozen=True)
class QuotaHeaders:
    """The four ``X-Rate-Limit-*`` response headers (any may be missing)."""

    left: int | None = None
    reset_ms: int | None = None
    quota: int | None = None
    window_ms: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> QuotaHeaders:
        def num(name: str) -> int | None:
            raw = headers.get(name)
            if raw is None:
                return None
            try:
                return int(raw)
            except ValueError:
                return None

        return cls(
            left=num("X-Rate-Limit-Requests-Left"),
            reset_ms=num("X-Rate-Limit-Time-Reset-Ms"),
            quota=num("X-Rate-Limit-Requests-Quota"),
            window_ms=num("X-Rate-Limit-Time-Window-Ms"),
        )

    @property
    def complete(self) -> bool:
        return self.left is not None and self.reset_ms is not None


@dataclass
class PacingPolicy:
    """Pure pacing decisions over the quota as last reported (no I/O, injected ``now``)."""

    reserve: int = 5
    #: Pace only once fewer than this share of the quota is left; above it, requests go at once.
    burst_share: float = 0.5
    #: Seconds added after a reset before trusting that the server's window has turned over.
    reset_margin: float = 0.02
    backoff: Backoff = field(default_factory=lambda: Backoff(base=0.5, cap=30.0))

    quota: int | None = None
    window: float | None = None
    left: int | None = None
    reset_at: float | None = None
    in_flight: int = 0
    last_sent: float | None = None
    blocked_until: float = 0.0
    consecutive_429: int = 0

    @property
    def known(self) -> bool:
        return self.left is not None and self.reset_at is not None

    def _roll(self, now: float) -> None:
        """Assume a fresh window once the announced reset has passed."""
        if self.reset_at is not None and now >= self.reset_at + self.reset_margin and self.quota is not None:
            # Requests still in flight may land in the new window: count them against it.
            self.left = max(0, self.quota - self.in_flight)
            self.reset_at = now + (self.window or 30.0)

    def _reserve(self) -> int:
        if self.quota is None:
            return self.reserve
        return min(self.reserve, max(0, self.quota // 4))

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may be sent (0 = send now)."""
        if now < self.blocked_until:
            return self.blocked_until - now
        if not self.known:
            return 0.0 if self.in_flight == 0 else (self.window or 30.0)
        self._roll(now)
        assert self.left is not None and self.reset_at is not None
        remaining = max(0.0, self.reset_at + self.reset_margin - now)
        usable = self.left - self._reserve()
        if usable <= 0:
            return remaining
        if self.quota is not None and self.left > self.quota * self.burst_share:
            return 0.0
        if self.last_sent is None:
            return 0.0
        interval = remaining / usable
        return max(0.0, self.last_sent + interval - now)

    def on_send(self, now: float) -> None:
        """A request is leaving now."""
        self._roll(now)
        self.in_flight += 1
        self.last_sent = now
        if self.left is not None:
            self.left -= 1

    def on_response(self, now: float, headers: QuotaHeaders, status: int | None) -> None:
        """A response (or failure, ``status=None``) came back for a request counted by :meth:`on_send`."""
        self.in_flight = max(0, self.in_flight - 1)
        if headers.quota is not None:
            self.quota = headers.quota
        if headers.window_ms is not None:
            self.window = headers.window_ms / 1000.0
        if status == 429:
            self.consecutive_429 += 1
            if headers.reset_ms is not None:
                wait = headers.reset_ms / 1000.0 + self.reset_margin
            else:
                wait = self.backoff.delay(self.consecutive_429 - 1)
            self.blocked_until = max(self.blocked_until, now + wait)
            if headers.complete:
                self.left = 0
                self.reset_at = now + wait
            return
        if status is not None:
            self.consecutive_429 = 0
        if not headers.complete:
            return
        assert headers.left is not None and headers.reset_ms is not None
        new_reset = now + headers.reset_ms / 1000.0
        # Requests sent before this one returned may not be counted by the server yet.
        reported = max(0, headers.left - self.in_flight)
        same_window = self.reset_at is not None and abs(new_reset - self.reset_at) < max(
            0.05, 0.1 * (self.window or 1.0)
        )
        if same_window and self.left is not None:
            self.left = min(self.left, reported)
        else:
            self.left = reported
        self.reset_at = new_reset


@dataclass(order=True)
class _Ticket:
    lane: int
    seq: int


class RateLimitGovernor:
    """Shared pacing for one store; use :meth:`slot` around every request."""

    _registry: dict[str, RateLimitGovernor] = {}

    def __init__(
        self,
        store: str = "default",
        *,
        policy: PacingPolicy | None = None,
        caps: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.policy = policy or PacingPolicy()
        self.caps = dict(DEFAULT_CAPS if caps is None else caps)
        self._clock = clock
        self._queue: list[_Ticket] = []
        self._seq = itertools.count()
        self._changed: asyncio.Condition | None = None
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def for_store(cls, store: str, **kwargs: object) -> RateLimitGovernor:
        """The process-wide governor of ``store`` (created on first use)."""
        gov = cls._registry.get(store)
        if gov is None:
            gov = cls(store, **kwargs)  # type: ignore[arg-type]
            cls._registry[store] = gov
        return gov

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def _cap(self, key: str) -> asyncio.Semaphore | None:
        base = key.split(":", 1)[0]
        size = self.caps.get(key, self.caps.get(base))
        if size is None:
            return None
        sem = self._semaphores.get(key)
        if sem is None:
            sem = self._semaphores[key] = asyncio.Semaphore(size)
        return sem

    async def acquire(self, lane: Lane = Lane.NORMAL) -> None:
        """Wait for this request's turn under the quota (then it counts as in flight)."""
        cond = self._condition()
        ticket = _Ticket(int(lane), next(self._seq))
        started = self._clock()
        async with cond:
            heapq.heappush(self._queue, ticket)
            metrics.WAITING.labels(self.store).set(len(self._queue))
            try:
                while True:
                    if self._queue[0] is ticket:
                        wait = self.policy.delay(self._clock())
                        if wait <= 0:
                            heapq.heappop(self._queue)
                            self.policy.on_send(self._clock())
                            cond.notify_all()
                            break
                    else:
                        wait = None
                    try:
                        await asyncio.wait_for(cond.wait(), timeout=wait)
                    except TimeoutError:
                        pass
            except BaseException:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    heapq.heapify(self._queue)
                cond.notify_all()
                raise
            finally:
                metrics.WAITING.labels(self.store).set(len(self._queue))
        metrics.PACING_WAIT.labels(self.store, lane.name.lower()).observe(self._clock() - started)

    async def release(self, headers: Mapping[str, str] | None, status: int | None) -> None:
        """Report the outcome of a request admitted by :meth:`acquire`."""
        parsed = QuotaHeaders.from_headers(headers or {})
        cond = self._condition()
        async with cond:
            self.policy.on_response(self._clock(), parsed, status)
            cond.notify_all()
        if parsed.left is not None:
            metrics.QUOTA_LEFT.labels(self.store).set(parsed.left)
        if parsed.quota is not None:
            metrics.QUOTA_SIZE.labels(self.store).set(parsed.quota)

    @asynccontextmanager
    async def capped(self, key: str | None) -> AsyncIterator[None]:
        """Hold the endpoint's concurrency cap (if it has one) for the whole call, retries included."""
        sem = self._cap(key) if key else None
        if sem is None:
            yield
            return
        async with sem:
            yield
