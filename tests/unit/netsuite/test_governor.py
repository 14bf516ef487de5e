import asyncio

import pytest

from connectors.netsuite.governor import ConcurrencyGovernor, Slot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_halves_once_per_episode():
    clock = Clock()
    governor = ConcurrencyGovernor(16, clock=clock)
    old_slot_epoch = governor._epoch
    governor.on_throttled()
    assert governor.limit == 8

    governor.on_throttled(Slot(epoch=old_slot_epoch, started=0.0))  # started before the cut: no second cut
    assert governor.limit == 8
    governor.on_throttled()
    assert governor.limit == 4
    for _ in range(10):
        governor.on_throttled()
    assert governor.limit == 1  # never below the floor


def test_additive_increase_needs_successes_and_time():
    clock = Clock()
    governor = ConcurrencyGovernor(10, clock=clock, increase_interval=5.0)
    governor.on_throttled()
    assert governor.limit == 5
    for _ in range(20):
        governor.on_success()
    assert governor.limit == 5  # not enough time since the cut
    clock.now = 6.0
    for _ in range(5):
        governor.on_success()
    assert governor.limit == 6
    for _ in range(6):
        governor.on_success()
    assert governor.limit == 6  # interval again
    clock.now = 100.0
    for _ in range(100):
        governor.on_success()
        clock.now += 10
    assert governor.limit == 10  # capped at the ceiling


def test_resize_caps_the_limit():
    governor = ConcurrencyGovernor(15, clock=Clock())
    governor.resize(5)
    assert governor.limit == 5 and governor.max_limit == 5


async def test_slots_bound_concurrency_and_wake_waiters():
    governor = ConcurrencyGovernor(2, clock=Clock())
    release = asyncio.Event()
    peak = 0

    async def worker() -> None:
        nonlocal peak
        async with governor.slot("customer", "PUT"):
            peak = max(peak, governor.in_use)
            await release.wait()

    tasks = [asyncio.create_task(worker()) for _ in range(6)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert governor.in_use == 2
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2
    assert governor.in_use == 0


async def test_cancelled_waiter_does_not_leak_a_slot():
    governor = ConcurrencyGovernor(1, clock=Clock())
    held = await governor.acquire()
    waiter = asyncio.create_task(governor.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    governor.release(held)
    assert governor.in_use == 0
    again = await governor.acquire()
    assert governor.in_use == 1
    governor.release(again)


async def test_saturated_while_every_slot_is_taken_or_callers_wait():
    governor = ConcurrencyGovernor(2)
    assert not governor.saturated
    first = await governor.acquire()
    assert not governor.saturated
    second = await governor.acquire()
    assert governor.saturated
    governor.release(first)
    assert not governor.saturated
    third = await governor.acquire()
    waiter = asyncio.ensure_future(governor.acquire())
    await asyncio.sleep(0)
    assert governor.saturated and not waiter.done()
    governor.release(second)
    governor.release(await waiter)
    governor.release(third)
    assert not governor.saturated


async def test_requests_ahead_of_the_queue_are_served_before_ordinary_waiters():
    governor = ConcurrencyGovernor(1, clock=Clock())
    served: list[str] = []

    async def request(name: str) -> None:
        slot = await governor.acquire()
        served.append(name)
        await asyncio.sleep(0)
        governor.release(slot)

    async def urgent(name: str) -> None:
        with governor.ahead_of_queue():
            await request(name)

    held = await governor.acquire()
    waiting = [asyncio.ensure_future(request("write-1")), asyncio.ensure_future(request("write-2")),
               asyncio.ensure_future(urgent("lookup-1")), asyncio.ensure_future(urgent("lookup-2"))]
    await asyncio.sleep(0)
    assert governor.saturated
    governor.release(held)
    await asyncio.gather(*waiting)
    assert served == ["lookup-1", "lookup-2", "write-1", "write-2"]
    assert governor.in_use == 0 and not governor.saturated


async def test_a_cancelled_waiter_ahead_of_the_queue_does_not_leak_a_slot():
    governor = ConcurrencyGovernor(1, clock=Clock())
    held = await governor.acquire()

    async def urgent() -> Slot:
        with governor.ahead_of_queue():
            return await governor.acquire()

    waiter = asyncio.create_task(urgent())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    governor.release(held)
    assert governor.in_use == 0 and not governor.saturated
