"""Bad input is quarantined, never dropped: stored as an exception with its payload, published, counted.

The stream goes on: an agent catches ``InvalidEvent``, calls ``quarantine`` and moves to the next event.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from state import exceptions as exceptions_store
from streams.contract import Envelope, SyncException, SyncExceptionEvent, event_id
from streams.contract.codec import InvalidEvent, decode, encode
from streams.platform.app import settings, topic
from streams.platform.metrics import EVENTS_IN, EVENTS_OUT, EVENTS_QUARANTINED
from streams.platform.runtime import database

log = logging.getLogger(__name__)

exceptions_topic = topic(SyncExceptionEvent.TOPIC)


def _raw_text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    return raw[:65536].decode("utf-8", errors="replace")


async def quarantine(*, topic_name: str, key: bytes | None, raw: bytes | None, error: InvalidEvent,
                     partition: int | None = None, offset: int | None = None) -> int:
    """Record ``raw`` as an ``invalid_event`` exception for engineering; return the exception id."""
    key_text = key.decode("utf-8", errors="replace") if key else None
    where = f"{topic_name}[{partition}]@{offset}" if offset is not None else topic_name
    message = (
        f"An event on {topic_name} could not be read and was set aside ({error.reason}). "
        f"Nothing was written for it. Fix the producer, then replay the payload from this exception "
        f"(source position {where})."
    )
    payload = {"topic": topic_name, "key": key_text, "partition": partition, "offset": offset,
               "value": _raw_text(raw), "error": str(error)}
    exc = exceptions_store.NewException(
        kind="invalid_event", object_type="event", owner="engineering", severity="error", message=message,
        bc_id=key_text, payload=payload, dedupe_key=f"invalid_event:{where}",
    )
    pool = await database.acquire_pool()
    exception_id = await exceptions_store.record(pool, exc)
    event = SyncExceptionEvent.build(
        SyncException(kind=exc.kind, object_type=exc.object_type, bc_id=key_text, severity="error",
                      owner="engineering", message=message, payload=payload),
        key=key_text or "-", source=f"o2c:{settings.app_id}",
        event_id=event_id("invalid_event", topic_name, partition, offset),
    )
    await exceptions_topic.send(key=(key_text or "-").encode(), value=encode(event))
    EVENTS_QUARANTINED.labels(topic_name).inc()
    EVENTS_OUT.labels(SyncExceptionEvent.TOPIC).inc()
    log.warning("event quarantined", extra={"topic": topic_name, "key": key_text, "offset": offset,
                                            "exception_id": exception_id, "reason": error.reason})
    return exception_id


M = TypeVar("M", bound=Envelope[Any])


async def decode_or_quarantine(model: type[M], event: Any) -> M | None:
    """The agent boundary: count the event, return it as ``model``, or quarantine it and return None."""
    EVENTS_IN.labels(model.TOPIC).inc()
    try:
        return decode(model, event.value)
    except InvalidEvent as error:
        await quarantine(topic_name=model.TOPIC, key=event.key, raw=event.value, error=error,
                         partition=event.message.partition, offset=event.message.offset)
        return None
