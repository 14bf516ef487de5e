"""Money on the wire is finite, bounded and, on an order, never negative (``streams.contract.money``)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from streams.contract import BcOrderEvent
from streams.contract.codec import InvalidEvent, decode, encode
from streams.contract.money import bounded
from tests.support.orders import snapshot


def order_bytes(**changes: object) -> bytes:
    event = BcOrderEvent.build(snapshot(), key="101", source="test")
    data = orjson.loads(encode(event))
    data["payload"].update(changes)
    return orjson.dumps(data)


@pytest.mark.parametrize(("value", "words"), [
    ("1e30", "too large to book"),
    ("NaN", "finite number"),
    ("-Infinity", "finite number"),
    ("-5.00", "negative"),
    ("0.00001", "more than 4 decimal places"),
])
def test_an_order_amount_out_of_bounds_is_refused_in_plain_words(value: str, words: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(BcOrderEvent, order_bytes(subtotal_ex_tax=value))
    assert "subtotal_ex_tax" in caught.value.reason and words in caught.value.reason


def test_a_negative_line_price_or_quantity_is_refused() -> None:
    event = orjson.loads(order_bytes())
    event["payload"]["lines"][0]["price_ex_tax"] = "-1.00"
    with pytest.raises(InvalidEvent, match="negative"):
        decode(BcOrderEvent, orjson.dumps(event))
    event["payload"]["lines"][0]["price_ex_tax"] = "1.00"
    event["payload"]["lines"][0]["quantity"] = -1
    with pytest.raises(InvalidEvent, match="quantity"):
        decode(BcOrderEvent, orjson.dumps(event))


def test_the_largest_bookable_amount_passes_and_an_earlier_version_is_read() -> None:
    assert bounded(Decimal("999999999999999.9999")) == Decimal("999999999999999.9999")
    data = orjson.loads(order_bytes())
    data["schema_version"] = 1
    assert decode(BcOrderEvent, orjson.dumps(data)).schema_version == BcOrderEvent.SCHEMA_VERSION
