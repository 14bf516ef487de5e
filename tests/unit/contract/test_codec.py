"""Envelope encoding with orjson: round trip, Decimal kept as text, clear errors for bad input."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from pydantic import ValidationError

from streams.contract import Heartbeat, HeartbeatEvent, Model, event_id
from streams.contract.codec import InvalidEvent, decode, encode


def test_round_trip() -> None:
    event = HeartbeatEvent.build(Heartbeat(origin="w1", seq=7), key="w1", source="test")
    assert decode(HeartbeatEvent, encode(event)) == event
    assert orjson.loads(encode(event))["schema_version"] == 1


def test_money_keeps_every_digit() -> None:
    class Price(Model):
        amount: Decimal

    assert orjson.loads(encode(Price(amount=Decimal("19.9900"))))["amount"] == "19.9900"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "no value"),
        (b"{not json", "not JSON"),
        (b'{"event_id": "x"}', "type: Field required"),
        (orjson.dumps({"event_id": "e", "type": "o2c.heartbeat", "schema_version": 2, "source": "s",
                       "occurred_at": "2026-11-01T00:00:00Z", "key": "k", "payload": {"origin": "o", "seq": 1}}),
         "schema_version"),
    ],
)
def test_bad_input_gets_a_clear_error(raw: bytes | None, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        decode(HeartbeatEvent, raw)


def test_unknown_fields_and_mutation_are_rejected() -> None:
    event = HeartbeatEvent.build(Heartbeat(origin="w1", seq=1), key="w1", source="test")
    data = orjson.loads(encode(event))
    data["payload"]["extra"] = 1
    with pytest.raises(InvalidEvent, match="extra"):
        decode(HeartbeatEvent, orjson.dumps(data))
    with pytest.raises(ValidationError):
        event.key = "other"  # type: ignore[misc]


def test_event_ids_are_deterministic() -> None:
    assert event_id("store", "order", 101, "2026-11-01") == event_id("store", "order", 101, "2026-11-01")
    assert event_id("store", "order", 101, "2026-11-01") != event_id("store", "order", 101, "2026-11-02")
