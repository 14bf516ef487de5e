"""The sandbox's async job model and its REST Async Processors (at most N records at once, first come first served)."""

import asyncio
from datetime import UTC, datetime

from connectors.netsuite.sandbox.jobs import AsyncProcessors, Job, Task

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_a_job_is_pending_until_every_task_is_done_and_failed_if_any_failed():
    job = Job("1", NOW, [Task("1"), Task("2")])
    assert (job.completed, job.progress) == (False, "pending")
    job.tasks[0].finish(204, NOW, location="https://x/record/v1/customer/5")
    assert (job.completed, job.progress, job.tasks[1].progress) == (False, "pending", "pending")
    job.tasks[1].finish(400, NOW, body={"o:errorDetails": []})
    assert (job.completed, job.progress) == (True, "failed")
    assert [t.progress for t in job.tasks] == ["succeeded", "failed"]
    assert job.task("2") is job.tasks[1]
    assert job.task("0") is None and job.task("3") is None and job.task("x") is None


async def test_processors_run_at_most_the_limit_in_arrival_order():
    limit = 2
    processors = AsyncProcessors(lambda: limit)
    started: list[int] = []
    gates = [asyncio.Event() for _ in range(5)]

    async def record(n: int) -> None:
        async with processors.slot():
            started.append(n)
            await gates[n].wait()

    tasks = [asyncio.create_task(record(n)) for n in range(5)]
    await asyncio.sleep(0)
    assert started == [0, 1] and processors.busy == 2
    gates[1].set()
    await asyncio.sleep(0.01)
    assert started == [0, 1, 2]

    limit = 4  # a run-time change applies to the records still waiting
    gates[0].set()
    await asyncio.sleep(0.01)
    assert started == [0, 1, 2, 3, 4] and processors.busy == 3
    for gate in gates:
        gate.set()
    await asyncio.gather(*tasks)
    assert processors.busy == 0


async def test_a_cancelled_waiter_gives_its_turn_to_the_next():
    processors = AsyncProcessors(lambda: 1)
    release = asyncio.Event()
    started: list[str] = []

    async def record(name: str) -> None:
        async with processors.slot():
            started.append(name)
            await release.wait()

    first = asyncio.create_task(record("first"))
    cancelled = asyncio.create_task(record("cancelled"))
    last = asyncio.create_task(record("last"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, last)
    assert started == ["first", "last"] and cancelled.cancelled() and processors.busy == 0


async def test_a_waiter_cancelled_after_its_turn_came_passes_the_slot_on():
    processors = AsyncProcessors(lambda: 1)
    await processors.acquire()
    granted = asyncio.create_task(processors.acquire())
    behind = asyncio.create_task(processors.acquire())
    await asyncio.sleep(0)
    processors.release()  # the slot goes to `granted` ...
    granted.cancel()  # ... which is cancelled before it runs
    await asyncio.gather(granted, return_exceptions=True)
    await asyncio.wait_for(behind, 1)
    assert processors.busy == 1
    processors.release()
    assert processors.busy == 0
