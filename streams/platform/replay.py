"""Retrying a set-aside event replays it: the stored value goes back onto its topic, once.

An operator retries an ``invalid_event`` or ``processing_failed`` exception (``o2c exceptions retry
ID``) once the producer or the defect is fixed; the leader worker puts the stored value back on the
topic with its key and resolves the exception with a note. Here the stored event IS the source: there is
nothing fresher to re-read. The replay's own outcome is the next consumption of the event: if it fails
again, it is set aside again as a new exception at its new position (the old one stays resolved, noting
the replay). Agents are idempotent, so a value that had in fact been handled is handled again without a
second write. A retry with nothing stored to replay goes back to ``open`` with a note.
"""

from __future__ import annotations

import logging

from state import exceptions as exceptions_store
from streams.contract.topics import BY_NAME
from streams.platform import supervised
from streams.platform.app import app, topic
from streams.platform.runtime import database

log = logging.getLogger(__name__)

REPLAYABLE = ["invalid_event", "processing_failed"]


async def replay_retried_events() -> None:
    """Replay every set-aside event an operator asked to retry."""
    pool = await database.acquire_pool()
    for exc in await exceptions_store.retrying(pool, REPLAYABLE):
        payload = exc.payload or {}
        name, value = payload.get("topic"), payload.get("value")
        if name not in BY_NAME or value is None:
            await exceptions_store.retry_outcome(pool, exc.id, resolved=False,
                                                 note="Nothing to replay: no topic or value was stored with it.")
            continue
        key = payload.get("key")
        await _send(name, key, value)
        await exceptions_store.retry_outcome(pool, exc.id, resolved=True, note=f"replayed onto {name}")
        log.info("set-aside event replayed", extra={"exception_id": exc.id, "topic": name, "key": key})


async def _send(name: str, key: str | None, value: str) -> None:
    delivery = await topic(name).send(key=key.encode() if key else None, value=value.encode())
    await delivery


supervised.timer(app, 5.0, name="replay_retried_events", on_leader=True)(replay_retried_events)
