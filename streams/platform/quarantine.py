"""Events o2c cannot use are set aside, never dropped: stored as an exception with their payload.

Two kinds, both owned by engineering: ``invalid_event`` (the bytes are not a valid event: fix the
producer) and ``processing_failed`` (a valid event whose handling raised an unexpected error: fix
the cause). Each carries the raw value and its topic/partition/offset, is published on
``sync.exceptions`` and counted; retrying the exception replays the stored value onto its topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connectors.http import one_line
from state import exceptions as exceptions_store
from streams.contract import SyncException, SyncExceptionEvent, event_id
from streams.contract.codec import InvalidEvent, encode
from streams.contract.topics import MAX_MESSAGE_BYTES
from streams.platform.app import settings, topic
from streams.platform.metrics import EVENTS_OUT, EVENTS_QUARANTINED
from streams.platform.runtime import database

log = logging.getLogger(__name__)

exceptions_topic = topic(SyncExceptionEvent.TOPIC)
RAW_LIMIT = MAX_MESSAGE_BYTES  # the whole value is kept in PostgreSQL (a topic's message is never larger)
EVENT_VALUE_LIMIT = 65536  # characters of it carried on sync.exceptions (the rest: in PostgreSQL)


@dataclass(frozen=True)
class Position:
    """Where an event was read: enough to find it again in Kafka and to replay it."""

    topic: str
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def key_text(self) -> str | None:
        return self.key.decode("utf-8", errors="replace") if self.key else None

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}" if self.offset is not None else self.topic


def _raw_text(raw: bytes | None) -> str | None:
    return None if raw is None else raw[:RAW_LIMIT].decode("utf-8", errors="replace")


async def _set_aside(exc: exceptions_store.NewException, where: Position) -> int:
    pool = await database.acquire_pool()
    exception_id = await exceptions_store.record(pool, exc)
    payload = exc.payload
    if isinstance(payload, dict) and len(payload.get("value") or "") > EVENT_VALUE_LIMIT:
        payload = {**payload, "value": payload["value"][:EVENT_VALUE_LIMIT], "value_truncated": True}
    event = SyncExceptionEvent.build(
        SyncException(kind=exc.kind, object_type=exc.object_type, bc_id=exc.bc_id, severity=exc.severity,
                      owner=exc.owner, message=exc.message, payload=payload),
        key=where.key_text or "-", source=f"o2c:{settings.app_id}",
        event_id=event_id(exc.kind, where.topic, where.partition, where.offset),
    )
    await exceptions_topic.send(key=(where.key_text or "-").encode(), value=encode(event))
    EVENTS_QUARANTINED.labels(where.topic).inc()
    EVENTS_OUT.labels(SyncExceptionEvent.TOPIC).inc()
    return exception_id


async def quarantine(where: Position, raw: bytes | None, error: InvalidEvent) -> int:
    """Record ``raw`` as an ``invalid_event`` exception for engineering; return the exception id."""
    message = (
        f"An event on {where.topic} could not be read and was set aside ({error.reason}). "
        f"Nothing was written for it. Fix the producer, then retry this exception to replay the payload "
        f"(source position {where})."
    )
    payload = {"topic": where.topic, "key": where.key_text, "partition": where.partition, "offset": where.offset,
               "value": _raw_text(raw), "error": str(error)}
    exception_id = await _set_aside(exceptions_store.NewException(
        kind="invalid_event", object_type="event", owner="engineering", severity="error", message=message,
        bc_id=where.key_text, payload=payload, dedupe_key=f"invalid_event:{where}",
    ), where)
    log.warning("event quarantined", extra={"topic": where.topic, "key": where.key_text, "offset": where.offset,
                                            "exception_id": exception_id, "reason": error.reason})
    return exception_id


async def processing_failed(where: Position, raw: bytes | None, error: BaseException, *, agent: str) -> int:
    """Record a valid event whose handling failed unexpectedly as a ``processing_failed`` exception."""
    reason = one_line(error)
    message = (
        f"o2c read an event on {where.topic} (key {where.key_text or '-'}) but could not process it: {reason}. "
        f"Nothing more was done with it and the stream went on. This is a defect or an unexpected input: "
        f"engineering should find the cause in the logs of agent {agent}, fix it, then retry this exception "
        f"to replay the event (source position {where})."
    )
    payload = {"topic": where.topic, "key": where.key_text, "partition": where.partition, "offset": where.offset,
               "value": _raw_text(raw), "error": reason, "agent": agent}
    exception_id = await _set_aside(exceptions_store.NewException(
        kind="processing_failed", object_type="event", owner="engineering", severity="error", message=message,
        bc_id=where.key_text, payload=payload, dedupe_key=f"processing_failed:{where}",
    ), where)
    log.error("event processing failed; set aside", exc_info=error,
              extra={"topic": where.topic, "key": where.key_text, "offset": where.offset, "agent": agent,
                     "exception_id": exception_id})
    return exception_id
