"""httpcore's connection locks without an extra event-loop turn when nobody else holds them.

httpcore guards each connection with ``anyio.Lock``; an uncontended ``acquire`` still yields once
to the event loop (a cancel-shielded checkpoint), and a request takes such locks several times. In a
busy worker every yield waits for a whole loop turn, and a NetSuite request does so while it holds
one of the account's few concurrency slots: measured with a 5 ms-per-turn load, a request waited
about 6 turns, 2.7 with the locks below. anyio added ``Lock(fast_acquire=True)`` for exactly this
(agronholm/anyio#761); httpcore adopted it (encode/httpcore#953), reverted that for process reasons
(encode/httpcore#1002), and pydantic's httpx fork carries it again (pydantic/httpx2#970). Until a
release of httpcore has it, :func:`install` makes httpcore's asyncio locks use it. A contended lock
still waits as before; only the needless turn on a free lock goes.
"""

from __future__ import annotations

import anyio
from httpcore import _synchronization

_original_setup = _synchronization.AsyncLock.setup


def _setup_fast(self: _synchronization.AsyncLock) -> None:
    _original_setup(self)
    if getattr(self, "_backend", "") == "asyncio":
        self._anyio_lock = anyio.Lock(fast_acquire=True)


def install() -> None:
    """Make httpcore's asyncio connection locks skip the checkpoint on an uncontended acquire."""
    _synchronization.AsyncLock.setup = _setup_fast  # type: ignore[method-assign]


def installed() -> bool:
    return _synchronization.AsyncLock.setup is _setup_fast
