"""Process-wide concurrency governor for NetSuite's account-wide request pool.

A resizable semaphore with AIMD control: every 429 halves the limit (once per congestion episode:
requests that started before the last cut do not cut again), and each ``increase_after`` successes
without a 429 — but no sooner than ``increase_interval`` seconds after the last change — add one slot
back, up to the ceiling. Slot-seconds are counted so utilisation can be computed from the metrics.

Waiters are served first come, first served, except requests made inside :meth:`ahead_of_queue`
(one request that many waiting orders depend on, such as a batched customer lookup): they go before
every ordinary waiter.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

SLOTS_IN_USE = Gauge("o2c_netsuite_slots_in_use", "NetSuite concurrency slots held by this process")
SLOT_LIMIT = Gauge("o2c_netsuite_slot_limit", "Current AIMD limit of NetSuite concurrency slots")
THROTTLED = Counter("o2c_netsuite_throttled", "NetSuite 429 responses (CONCURRENCY_LIMIT_EXCEEDED)")
LATENCY = Histogram(
    "o2c_netsuite_request_duration_seconds",
    "NetSuite request latency by record type and verb",
    ["record_type", "verb"],
)
BUSY_SLOT_SECONDS = Counter(
    "o2c_netsuite_busy_slot_seconds",
    "Slot-seconds held, by outcome (ok = useful work; throttled/error = wasted)",
    ["outcome"],
)

_AHEAD: ContextVar[bool] = ContextVar("o2c_netsuite_ahead_of_queue", default=False)


@dataclass
class Slot:
    """One held slot; ``epoch`` is the governor's epoch when the slot was granted."""

    epoch: int
    started: float
    outcome: str = "ok"


class ConcurrencyGovernor:
    """Bounded, self-adjusting number of in-flight NetSuite requests."""

    def __init__(
        self,
        limit: int,
        *,
        min_limit: int = 1,
        max_limit: int | None = None,
        decrease_factor: float = 0.5,
        increase_after: int | None = None,
        increase_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.max_limit = max_limit if max_limit is not None else limit
        self.min_limit = max(1, min(min_limit, self.max_limit))
        self._limit = min(limit, self.max_limit)
        self.decrease_factor = decrease_factor
        self._increase_after = increase_after
        self.increase_interval = increase_interval
        self._clock = clock
        self._in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._ahead: deque[asyncio.Future[None]] = deque()  # waiters inside ``ahead_of_queue``
        self._epoch = 0
        self._successes = 0
        self._last_change = clock()
        self.throttled = 0
        SLOT_LIMIT.set(self._limit)

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def saturated(self) -> bool:
        """Every slot is taken or callers are queued: a new request would wait for a slot."""
        return bool(self._waiters or self._ahead) or self._in_use >= self._limit

    # -- AIMD -----------------------------------------------------------------------------------

    def on_throttled(self, slot: Slot | None = None) -> None:
        """A 429: cut the limit multiplicatively, once per congestion episode."""
        self.throttled += 1
        THROTTLED.inc()
        self._successes = 0
        if slot is not None and slot.epoch < self._epoch:
            return  # this request started before the last cut; the cut already accounts for it
        new = max(self.min_limit, int(self._limit * self.decrease_factor))
        self._epoch += 1
        self._set_limit(new)

    def on_success(self) -> None:
        """A request that was not throttled: after enough of them, add one slot back."""
        self._successes += 1
        needed = self._increase_after if self._increase_after is not None else self._limit
        if (
            self._limit < self.max_limit
            and self._successes >= needed
            and self._clock() - self._last_change >= self.increase_interval
        ):
            self._successes = 0
            self._set_limit(self._limit + 1)

    def resize(self, max_limit: int) -> None:
        """New ceiling (e.g. from ``governanceLimits`` minus headroom)."""
        self.max_limit = max(1, max_limit)
        self.min_limit = min(self.min_limit, self.max_limit)
        if self._limit > self.max_limit:
            self._set_limit(self.max_limit)

    def _set_limit(self, value: int) -> None:
        self._limit = value
        self._last_change = self._clock()
        SLOT_LIMIT.set(value)
        self._wake()

    # -- semaphore --------------------------------------------------------------------------------

    @staticmethod
    @contextmanager
    def ahead_of_queue() -> Iterator[None]:
        """Requests made in this block (and the tasks it awaits) wait before every ordinary waiter."""
        token = _AHEAD.set(True)
        try:
            yield
        finally:
            _AHEAD.reset(token)

    def _wake(self) -> None:
        while (self._ahead or self._waiters) and self._in_use < self._limit:
            waiter = (self._ahead or self._waiters).popleft()
            if not waiter.done():
                self._in_use += 1
                SLOTS_IN_USE.set(self._in_use)
                waiter.set_result(None)

    async def acquire(self) -> Slot:
        if self._in_use < self._limit and not self._waiters and not self._ahead:
            self._in_use += 1
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = self._ahead if _AHEAD.get() else self._waiters
            queue.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release_count()  # granted and cancelled at once: give the slot back
                else:
                    queue.remove(waiter)
                raise
        SLOTS_IN_USE.set(self._in_use)
        return Slot(epoch=self._epoch, started=self._clock())

    def _release_count(self) -> None:
        self._in_use -= 1
        SLOTS_IN_USE.set(self._in_use)
        self._wake()

    def release(self, slot: Slot) -> None:
        BUSY_SLOT_SECONDS.labels(slot.outcome).inc(max(0.0, self._clock() - slot.started))
        self._release_count()

    @asynccontextmanager
    async def slot(self, record_type: str = "-", verb: str = "GET") -> AsyncIterator[Slot]:
        """Hold one slot for one HTTP request; latency is observed by record type and verb."""
        held = await self.acquire()
        try:
            yield held
        except BaseException:
            if held.outcome == "ok":
                held.outcome = "error"
            raise
        finally:
            LATENCY.labels(record_type, verb).observe(max(0.0, self._clock() - held.started))
            self.release(held)


_shared: dict[str, ConcurrencyGovernor] = {}


def shared_governor(account_id: str, limit: int) -> ConcurrencyGovernor:
    """The one governor for an account in this process (created on first use)."""
    governor = _shared.get(account_id.upper())
    if governor is None:
        governor = _shared[account_id.upper()] = ConcurrencyGovernor(limit)
    return governor
