"""Platform events: heartbeats and exceptions."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from streams.contract.envelope import Envelope, Model


class Heartbeat(Model):
    """A liveness probe that travels the whole pipeline: topic → agent → table → output topic."""

    origin: str = Field(description="Which worker or test sent it.")
    seq: int = Field(ge=0, description="Sender's sequence number.")


class HeartbeatEvent(Envelope[Heartbeat]):
    TOPIC: ClassVar[str] = "o2c.heartbeat"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["o2c.heartbeat"]
    schema_version: Literal[1]


class HeartbeatSeen(Model):
    """The agent's answer: how many heartbeats it has counted for this key (state kept in a table)."""

    origin: str
    seq: int
    count: int = Field(ge=1, description="Heartbeats counted for this key since the table began.")
    latency_ms: float = Field(description="Sent → processed, in milliseconds.")


class HeartbeatSeenEvent(Envelope[HeartbeatSeen]):
    TOPIC: ClassVar[str] = "o2c.heartbeat.processed"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["o2c.heartbeat.processed"]
    schema_version: Literal[1]


class SyncException(Model):
    """An exception raised by a flow (also stored in PostgreSQL), for teams that route alerts."""

    kind: str = Field(description="e.g. invalid_event, total_mismatch, missing_sku.")
    object_type: str
    bc_id: str | None = None
    ns_id: str | None = None
    severity: Literal["info", "warning", "error", "critical"]
    owner: Literal["finance", "operations", "customer_service", "engineering"]
    message: str = Field(description="Plain English: what happened and what to do.")
    payload: Any = Field(default=None, description="What is needed to retry (may be the raw event).")


class SyncExceptionEvent(Envelope[SyncException]):
    TOPIC: ClassVar[str] = "sync.exceptions"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["sync.exception"]
    schema_version: Literal[1]
