"""The one agent loop every agent uses: no event is acked before it has an outcome.

For each event on the agent's stream:

1. decode and validate it; an invalid one becomes an ``invalid_event`` exception with its payload;
2. run the handler; a **transient** failure (``streams.platform.failures.is_transient``: PostgreSQL,
   Kafka, a connector's retryable error, a timeout) is waited out: the same event is tried again with
   a growing back-off, and is not acked meanwhile, so the commit guard keeps the partition's committed
   offset below it and a crash replays it;
3. **any other** error sets the event aside as a ``processing_failed`` exception (owner engineering,
   with the payload, its topic/partition/offset and the error in one line) and the stream goes on;
4. if even the exception cannot be stored, storing it is retried the same way: the event stays unacked.

Only then is the event acked. Acks are manual (``stream.noack()``): Faust's own iterator acks an event
in a ``finally``, which would ack one whose handler was interrupted by a crash or a shutdown.
Every outcome is counted in ``o2c_event_outcomes_total{topic,outcome}``, so that the events in
(``o2c_events_in_total``) and the outcomes always add up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from connectors.http import one_line
from streams.contract.codec import InvalidEvent, decode
from streams.platform.failures import backoff, is_transient
from streams.platform.metrics import AGENT_RETRIES, AGENTS_WAITING, EVENT_OUTCOMES, EVENTS_IN
from streams.platform.quarantine import Position, processing_failed, quarantine

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class RawEvent:
    """What an agent without a model gets: the message's key and value."""

    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Delivered(Generic[M]):
    """A validated event with the Kafka message it came in (for agents that look at offsets or times)."""

    event: M
    message: Any


@dataclass(frozen=True)
class Decoder(Generic[T]):
    """How an agent turns a message into what its handler takes (validated model, or raw)."""

    parse: Callable[[Any], T]  # takes the Faust message

    @staticmethod
    def model(model: type[M]) -> Decoder[M]:
        return Decoder(lambda message: decode(model, message.value))

    @staticmethod
    def delivered(model: type[M]) -> Decoder[Delivered[M]]:
        return Decoder(lambda message: Delivered(decode(model, message.value), message))

    @staticmethod
    def raw() -> Decoder[RawEvent]:
        return Decoder(lambda message: RawEvent(message.key, message.value))


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class SetAside:
    """Where events without a normal outcome go (the exceptions store, in the worker)."""

    invalid: Callable[[Position, bytes | None, InvalidEvent], Awaitable[object]] = quarantine
    failed: Callable[..., Awaitable[object]] = processing_failed


async def until_done(step: Callable[[], Awaitable[T]], *, agent: str, what: str, where: Position,
                     sleep: Sleep = asyncio.sleep, every_error: bool = False) -> T:
    """Run ``step`` until it returns; transient failures are waited out with a growing back-off.

    With ``every_error`` any failure is waited out: used to store an exception, since an event whose
    exception cannot be stored must stay unacknowledged rather than be lost.
    """
    attempt = 0
    while True:
        try:
            return await step()
        except Exception as error:
            if not (every_error or is_transient(error)):
                raise
            attempt += 1
            delay = backoff(attempt)
            AGENT_RETRIES.labels(agent).inc()
            log.warning(f"{agent}: {what} failed for now ({one_line(error)}); trying the same event again in "
                        f"{delay:.1f}s (attempt {attempt}; it is not acknowledged meanwhile)",
                        extra={"agent": agent, "topic": where.topic, "partition": where.partition,
                               "offset": where.offset, "attempt": attempt})
            AGENTS_WAITING.labels(agent).inc()
            try:
                await sleep(delay)
            finally:
                AGENTS_WAITING.labels(agent).dec()


async def process(decoder: Decoder[T], handler: Callable[[T], Awaitable[object]], *, agent: str,
                  message: Any, set_aside: SetAside = SetAside(), sleep: Sleep = asyncio.sleep) -> str:
    """Give one message its outcome: ``handled``, ``invalid`` or ``failed``; returns it."""
    where = Position(message.topic, message.key, message.partition, message.offset)
    value: bytes | None = message.value
    EVENTS_IN.labels(where.topic).inc()
    try:
        parsed = decoder.parse(message)
    except InvalidEvent as error:
        await until_done(partial(set_aside.invalid, where, value, error), agent=agent,
                         what="storing an invalid event", where=where, sleep=sleep, every_error=True)
        outcome = "invalid"
    else:
        try:
            await until_done(partial(handler, parsed), agent=agent, what="handling an event", where=where,
                             sleep=sleep)
            outcome = "handled"
        except Exception as error:
            await until_done(partial(set_aside.failed, where, value, error, agent=agent), agent=agent,
                             what="storing a failed event", where=where, sleep=sleep, every_error=True)
            outcome = "failed"
    EVENT_OUTCOMES.labels(where.topic, outcome).inc()
    return outcome


async def run_agent(stream: Any, decoder: Decoder[T], handler: Callable[[T], Awaitable[object]], *,
                    agent: str) -> None:
    """The body of every agent: each event gets its outcome, then is acked."""
    manual = stream.noack()
    async for event in manual.events():
        await process(decoder, handler, agent=agent, message=event.message)
        await manual.ack(event)


def guarded_agent(app: Any, channel: Any, decoder: Decoder[T], *, name: str,
                  concurrency: int = 1) -> Callable[[Callable[[T], Awaitable[object]]], Any]:
    """Register ``handler`` as a Faust agent on ``channel`` running the guarded loop::

        @guarded_agent(app, orders_topic, Decoder.model(BcOrderEvent), name="plan_sales_orders")
        async def plan_sales_orders(event: BcOrderEvent) -> None: ...
    """

    def register(handler: Callable[[T], Awaitable[object]]) -> Any:
        async def agent(stream: Any) -> None:
            await run_agent(stream, decoder, handler, agent=name)

        agent.__name__ = agent.__qualname__ = name
        agent.__module__ = handler.__module__
        return app.agent(channel, name=name, concurrency=concurrency)(agent)

    return register
