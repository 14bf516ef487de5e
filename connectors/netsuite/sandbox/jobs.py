"""Async jobs of the sandbox: a job holds one task per record, and the "REST Async Processors" run them.

A single ``Prefer: respond-async`` request is a job with one task that is complete when the 202 is
sent. A batch operation (``type=collection``, up to 100 records) is a job with one pending task per
record; :class:`AsyncProcessors` runs them in the background, at most ``async_processors`` records
at once across all jobs of the sandbox.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Task:
    """One record of a job; pending until :meth:`finish` sets the HTTP ``status`` of its outcome."""

    id: str
    status: int | None = None
    #: The response body the request would have had (an error body, a record), ``None`` for a 204.
    body: Any = None
    #: ``Location`` of the record written, for a successful write.
    location: str | None = None
    started: datetime | None = None
    finished: datetime | None = None

    @property
    def completed(self) -> bool:
        return self.status is not None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def progress(self) -> str:
        if self.status is None:
            return "pending"
        return "succeeded" if self.status < 400 else "failed"

    def finish(self, status: int, at: datetime, *, body: Any = None, location: str | None = None) -> None:
        self.status, self.body, self.location, self.finished = status, body, location, at
        if self.started is None:
            self.started = at


@dataclass
class Job:
    """``async/v1/job/{id}``: complete once every task is; ``succeeded`` only if every task did."""

    id: str
    created: datetime
    tasks: list[Task] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return all(task.completed for task in self.tasks)

    @property
    def progress(self) -> str:
        if not self.completed:
            return "pending"
        return "succeeded" if all(task.succeeded for task in self.tasks) else "failed"

    def task(self, task_id: str) -> Task | None:
        """The task with this id (``"1"`` … ``"N"``, in item order), or ``None``."""
        if not task_id.isdigit() or not 1 <= int(task_id) <= len(self.tasks):
            return None
        return self.tasks[int(task_id) - 1]


class AsyncProcessors:
    """At most ``limit()`` records processed at once, first come first served, across all jobs.

    The limit is read whenever a slot is taken or given back, so a change of ``async_processors``
    at run time (``POST /__sandbox/config``) applies to the records still waiting.
    """

    def __init__(self, limit: Callable[[], int]) -> None:
        self._limit = limit
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.busy = 0

    def _free(self) -> bool:
        return self.busy < max(1, self._limit())

    def _wake(self) -> None:
        while self._waiters and self._free():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.busy += 1  # taken on the waiter's behalf
                waiter.set_result(None)

    async def acquire(self) -> None:
        if not self._waiters and self._free():
            self.busy += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted, then cancelled before it could run
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.busy -= 1
        self._wake()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()
