"""Gather calls made within a short window into one batch call (one request answers many callers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
P = TypeVar("P")
R = TypeVar("R")

#: Runs one batch: every key's result, or the exception that key's caller should get.
BatchRun = Callable[[dict[K, P]], Awaitable[Mapping[K, R | BaseException]]]


class WindowBatcher(Generic[K, P, R]):
    """Callers ``submit`` a key; keys submitted within ``window`` seconds of the first run as one batch.

    A key already waiting shares the pending result. A batch runs early when it reaches ``max_batch``.
    If the batch run itself raises, every caller in it gets that exception.
    """

    def __init__(self, run: BatchRun[K, P, R], *, max_batch: int) -> None:
        self._run = run
        self._max_batch = max_batch
        self._pending: dict[K, tuple[P, asyncio.Future[R]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Keys waiting for the current window to close."""
        return len(self._pending)

    async def submit(self, key: K, payload: P, *, window: float) -> R:
        """This key's result; ``window`` is used only if this call opens a new batch."""
        entry = self._pending.get(key)
        if entry is None:
            entry = (payload, asyncio.get_running_loop().create_future())
            self._pending[key] = entry
            if len(self._pending) >= self._max_batch:
                self.flush()
            elif self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(window, self.flush)
        return await asyncio.shield(entry[1])

    def flush(self) -> None:
        """Run what is pending now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, {}
        if batch:
            task = asyncio.get_running_loop().create_task(self._settle(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _settle(self, batch: dict[K, tuple[P, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run({key: payload for key, (payload, _) in batch.items()})
        except BaseException as error:
            for _, future in batch.values():
                if not future.done():
                    future.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
            return
        for key, (_, future) in batch.items():
            if future.done():
                continue
            result = results.get(key, LookupError(f"batch returned no result for {key!r}"))
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
