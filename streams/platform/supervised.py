"""Timers and background tasks that survive their own failures.

A Faust timer or task that raises crashes the worker (mode's service crash), so one unexpected error
in a periodic job would stop every flow. ``timer`` and ``task`` register the function so that an
error is logged in one line, counted in ``o2c_task_failures_total{task}`` and the job carries on: a
timer at its next tick, a long-running task restarted after a growing back-off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.http import one_line
from streams.platform.failures import backoff, is_transient
from streams.platform.metrics import TASK_FAILURES

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


async def run_once(name: str, job: Job) -> bool:
    """Run ``job``; an error is logged and counted instead of raised. True when it succeeded."""
    try:
        await job()
        return True
    except asyncio.CancelledError:
        raise
    except Exception as error:
        TASK_FAILURES.labels(name).inc()
        if is_transient(error):  # an outside system is unavailable for now: one line is enough
            log.warning(f"{name} failed for now ({one_line(error)}); it runs again at its next turn",
                        extra={"task": name})
        else:
            log.error(f"{name} failed ({one_line(error)}); it runs again at its next turn", exc_info=error,
                      extra={"task": name})
        return False


async def run_forever(name: str, job: Job, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Keep a long-running ``job`` running: restart it after a growing back-off whenever it ends or fails."""
    failures = 0
    while True:
        ok = await run_once(name, job)
        failures = 0 if ok else failures + 1
        await sleep(backoff(max(failures, 1)))


def timer(app: Any, interval: float, *, name: str, on_leader: bool = False) -> Callable[[Job], Job]:
    """``app.timer`` whose job survives its own errors."""

    def register(job: Job) -> Job:
        async def tick() -> None:
            await run_once(name, job)

        tick.__name__ = tick.__qualname__ = name
        app.timer(interval, on_leader=on_leader, name=name)(tick)
        return job

    return register


def task(app: Any, *, name: str) -> Callable[[Job], Job]:
    """``app.task`` that is restarted (after a back-off) if it fails or returns."""

    def register(job: Job) -> Job:
        async def keep_running() -> None:
            await run_forever(name, job)

        keep_running.__name__ = keep_running.__qualname__ = name
        app.task(keep_running)
        return job

    return register


def once(app: Any, *, name: str) -> Callable[[Job], Job]:
    """``app.task`` run once; an error is logged and counted, never raised into the worker."""

    def register(job: Job) -> Job:
        async def run() -> None:
            await run_once(name, job)

        run.__name__ = run.__qualname__ = name
        app.task(run)
        return job

    return register
