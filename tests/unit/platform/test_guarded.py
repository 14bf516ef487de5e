"""The guarded agent loop gives every event an outcome (``streams.platform.guarded.process``).

The loop is exercised with a stand-in for the exceptions store and for sleeping; the store itself,
the broker and the worker are exercised end to end in ``tests/e2e/orders/test_bad_input.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
import pytest

from connectors.http import RetryableError
from streams.contract import Heartbeat, HeartbeatEvent
from streams.contract.codec import InvalidEvent, encode
from streams.platform.guarded import Decoder, SetAside, process
from streams.platform.quarantine import Position


@dataclass
class Message:
    value: bytes | None
    key: bytes | None = b"k"
    topic: str = "o2c.heartbeat"
    partition: int = 0
    offset: int = 41


@dataclass
class Store:
    """Records what was set aside; fails ``outages`` times first (as PostgreSQL being down would)."""

    outages: int = 0
    invalid: list[tuple[Position, str]] = field(default_factory=list)
    failed: list[tuple[Position, str, str]] = field(default_factory=list)

    def _maybe_down(self) -> None:
        if self.outages:
            self.outages -= 1
            raise asyncpg.CannotConnectNowError("the database system is starting up")

    async def on_invalid(self, where: Position, raw: bytes | None, error: InvalidEvent) -> None:
        self._maybe_down()
        self.invalid.append((where, error.reason))

    async def on_failed(self, where: Position, raw: bytes | None, error: BaseException, *, agent: str) -> None:
        self._maybe_down()
        self.failed.append((where, repr(error), agent))

    def seam(self) -> SetAside:
        return SetAside(invalid=self.on_invalid, failed=self.on_failed)


def beat() -> bytes:
    return encode(HeartbeatEvent.build(Heartbeat(origin="t", seq=1), key="t", source="test"))


async def run(handler: Any, message: Message, store: Store, slept: list[float] | None = None) -> str:
    async def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)

    return await process(Decoder.model(HeartbeatEvent), handler, agent="test_agent", message=message,
                         set_aside=store.seam(), sleep=sleep)


async def test_a_valid_event_is_handled_once() -> None:
    seen: list[HeartbeatEvent] = []

    async def handler(event: HeartbeatEvent) -> None:
        seen.append(event)

    assert await run(handler, Message(beat()), Store()) == "handled"
    assert [e.payload.seq for e in seen] == [1]


async def test_an_invalid_event_is_set_aside_with_its_position_and_never_handled() -> None:
    store = Store()

    async def handler(event: HeartbeatEvent) -> None:
        raise AssertionError("must not be called")

    bad = orjson.dumps({"event_id": "x", "type": "o2c.heartbeat", "payload": {"seq": "one"}})
    assert await run(handler, Message(bad), store) == "invalid"
    (where, reason), = store.invalid
    assert (where.topic, where.partition, where.offset, where.key_text) == ("o2c.heartbeat", 0, 41, "k")
    assert "payload.origin: Field required" in reason


async def test_a_transient_failure_is_waited_out_and_the_same_event_tried_again() -> None:
    attempts: list[int] = []
    slept: list[float] = []

    async def handler(event: HeartbeatEvent) -> None:
        attempts.append(event.payload.seq)
        if len(attempts) < 4:
            raise RetryableError("NetSuite answered 503")

    assert await run(handler, Message(beat()), Store(), slept) == "handled"
    assert attempts == [1, 1, 1, 1] and slept == [0.5, 1.0, 2.0]


async def test_any_other_error_sets_the_event_aside_and_the_stream_goes_on() -> None:
    store = Store()

    async def handler(event: HeartbeatEvent) -> None:
        raise ArithmeticError("decimal.InvalidOperation")

    assert await run(handler, Message(beat()), store) == "failed"
    (where, error, agent), = store.failed
    assert where.offset == 41 and "InvalidOperation" in error and agent == "test_agent"


async def test_when_the_store_is_down_storing_the_exception_is_retried_not_skipped() -> None:
    store = Store(outages=3)
    slept: list[float] = []

    async def handler(event: HeartbeatEvent) -> None:
        raise KeyError("defect")

    assert await run(handler, Message(beat()), store, slept) == "failed"
    assert len(store.failed) == 1 and slept == [0.5, 1.0, 2.0]


async def test_cancellation_is_not_an_outcome() -> None:
    import asyncio

    async def handler(event: HeartbeatEvent) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await run(handler, Message(beat()), Store())


async def test_even_a_store_that_refuses_for_good_is_retried_never_skipped() -> None:
    """An event whose exception cannot be stored is not acked: storing is tried again, whatever the error."""
    slept: list[float] = []
    calls = 0

    async def refusing(where: Position, raw: bytes | None, error: BaseException, *, agent: str) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ValueError("message too large for the exceptions topic")

    async def handler(event: HeartbeatEvent) -> None:
        raise KeyError("defect")

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    outcome = await process(Decoder.model(HeartbeatEvent), handler, agent="a", message=Message(beat()),
                            set_aside=SetAside(invalid=Store().on_invalid, failed=refusing), sleep=sleep)
    assert outcome == "failed" and calls == 3 and slept == [0.5, 1.0]
