"""httpcore's connection locks take no event-loop turn when free, and still exclude when held."""

from __future__ import annotations

import asyncio

from httpcore._synchronization import AsyncLock

from connectors import fast_locks
from connectors.netsuite import NetSuiteClient, NetSuiteSettings


async def _turns_to_acquire(lock: AsyncLock) -> int:
    """How many times another task ran while ``lock`` was acquired and released once, uncontended."""
    turns = 0
    stop = False

    async def count() -> None:
        nonlocal turns
        while not stop:
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.ensure_future(count())
    await asyncio.sleep(0)
    before = turns
    async with lock:
        pass
    seen = turns - before
    stop = True
    await counter
    return seen


async def test_a_client_installs_fast_locks_and_a_free_lock_takes_no_turn() -> None:
    async with NetSuiteClient(NetSuiteSettings()):
        assert fast_locks.installed()
    assert await _turns_to_acquire(AsyncLock()) == 0


async def test_a_held_lock_still_makes_the_next_holder_wait() -> None:
    fast_locks.install()
    lock = AsyncLock()
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with lock:
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    await asyncio.gather(hold("first", 0.05), hold("second", 0))
    assert order == ["first in", "first out", "second in", "second out"]
