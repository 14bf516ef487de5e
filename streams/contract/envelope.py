"""The event envelope (DESIGN §4): every event on a public topic is one of these, serialised with orjson.

Each concrete event class fixes ``type`` and ``schema_version`` with ``Literal`` types (required on
the wire, filled in by ``build``), so a consumer can trust them, and the checked-in JSON Schema of
each version is compared with the model by a test.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

P = TypeVar("P", bound=BaseModel)

_NAMESPACE = uuid.UUID("4f2c9a57-6d0e-4c53-9a8c-0b2c5e0c6f10")


def event_id(*parts: object) -> str:
    """A deterministic id from the parts that identify one version of a resource (store, id, date_modified…)."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Base of every payload: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Envelope(Model, Generic[P]):
    """What every public event looks like on the wire."""

    TOPIC: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int]
    #: Earlier versions whose payloads are valid payloads of this one: read as this version (a backlog of
    #: them on the topic is processed, not quarantined, after an upgrade).
    READS_VERSIONS: ClassVar[tuple[int, ...]] = ()

    event_id: str = Field(description="Deterministic where the source allows; consumers dedupe on it.")
    type: str = Field(description="What happened, e.g. 'bc.order.snapshot'.")
    schema_version: int = Field(description="Bumped on every change to this event's schema.")
    source: str = Field(description="Who produced it: 'bigcommerce:<store>', 'netsuite:<account>', 'o2c'.")
    occurred_at: datetime = Field(description="When it happened at the source (UTC).")
    key: str = Field(description="The partitioning key (also the Kafka message key).")
    payload: P

    @model_validator(mode="before")
    @classmethod
    def _read_earlier_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("schema_version") in cls.READS_VERSIONS:
            return {**data, "schema_version": cls.SCHEMA_VERSION}
        return data

    @classmethod
    def literal(cls, field: str) -> Any:
        """The single value a ``Literal`` field of a concrete event allows (its type or version)."""
        (value,) = get_args(cls.model_fields[field].annotation)
        return value

    @classmethod
    def build(cls, payload: Any, *, key: str, source: str, event_id: str | None = None,
              occurred_at: datetime | None = None) -> Self:
        """Wrap ``payload``; the type and schema version come from the class."""
        return cls(
            event_id=event_id or str(uuid.uuid4()),
            type=cls.literal("type"),
            schema_version=cls.literal("schema_version"),
            source=source,
            occurred_at=occurred_at or utcnow(),
            key=key,
            payload=payload,
        )


Publisher = Callable[[Envelope[Any]], Awaitable[None]]
"""Puts one event on its topic and returns once the broker acknowledged it (sources take one)."""
