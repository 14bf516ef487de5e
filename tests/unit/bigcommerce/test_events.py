"""The pure mapping of BigCommerce reads to ``bc.orders`` / ``bc.refunds`` events, and of an order the
source gave up on to its exception (streams/ingest/bigcommerce_events.py, bigcommerce_sink.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import asyncpg
import pytest

from connectors.bigcommerce.models import (
    Order,
    OrderCoupon,
    OrderProduct,
    OrderShippingAddress,
    Refund,
    Transaction,
)
from connectors.bigcommerce.source import OrderRead, OrderRejected, RefundRead, UnreadableOrder
from connectors.bigcommerce.versions import order_version, version_time
from streams.contract import Envelope, event_id
from streams.ingest.bigcommerce_events import order_read_event, refund_read_event
from streams.ingest.bigcommerce_sink import EventSink, exception_key, unreadable_exception

from .test_source_logic import ORDER

PRODUCT = {
    "id": 1, "order_id": 101, "product_id": 3, "variant_id": 4, "sku": "TEE-BLK-M", "name": "Tee",
    "quantity": 2, "price_ex_tax": "10.0000", "price_inc_tax": "10.8000", "total_ex_tax": "20.0000",
    "total_inc_tax": "21.6000", "total_tax": "1.6000",
    "applied_discounts": [{"id": "coupon", "amount": "1.5000", "code": "SAVE", "target": "product"}],
    "product_options": [{"display_name": "Size", "display_value": "M"}],
}


def read(order: dict[str, object] = ORDER, product: dict[str, object] = PRODUCT) -> OrderRead:
    o = Order.model_validate(order)
    return OrderRead(
        store_hash="abc", order=o, products=(OrderProduct.model_validate(product),),
        shipping_addresses=(OrderShippingAddress.model_validate({"id": 9, "order_id": 101, "cost_inc_tax": "5.4000",
                                                                  "company": None}),),
        coupons=(OrderCoupon.model_validate({"id": 1, "order_id": 101, "code": "SAVE", "amount": "10",
                                             "discount": "1.5", "type": 1}),),
        transactions=(Transaction.model_validate({"id": 5, "order_id": "101", "event": "purchase", "amount": 27.0}),),
        version=order_version(o),
    )


def test_order_event_keeps_money_as_decimal_and_its_id_is_deterministic() -> None:
    r = read()
    event = order_read_event(r)
    snap = event.payload
    assert snap.total_inc_tax == Decimal("27.0000") and isinstance(snap.lines[0].price_inc_tax, Decimal)
    assert snap.lines[0].options == (("Size", "M"),)
    assert snap.lines[0].applied_discounts[0].amount == Decimal("1.5000")
    assert snap.coupons[0].discount == Decimal("1.5") and snap.transactions[0].amount == Decimal("27.0")
    assert snap.email == "jane@example.com" and snap.payment_provider_id is None
    assert snap.date_modified == datetime(2019, 3, 5, 21, 45, tzinfo=UTC) == version_time(r.version)
    assert snap.shipping_addresses[0].company == ""
    assert event.key == "101" and event.source == "bigcommerce:abc"
    assert event.event_id == event_id("abc", "order", 101, r.version)
    # pinned: the id of this version must never change (consumers dedupe on it)
    assert r.version == "2019-03-05T21:45:00+00:00/8a56bf5b6eb1"
    assert event.event_id == "98300811-270e-5689-bbd8-5cf41a007a1d"
    assert order_read_event(read()) == event


def test_a_null_company_reads_as_empty_and_gives_the_same_event() -> None:
    with_null = {**ORDER, "billing_address": {**ORDER["billing_address"], "company": None}}  # type: ignore[dict-item]
    assert order_read_event(read(with_null)) == order_read_event(read())


def test_order_data_the_contract_refuses_raises_value_error() -> None:
    with pytest.raises(ValueError):
        order_read_event(read(product={**PRODUCT, "quantity": -1}))


def test_refund_event() -> None:
    refund = Refund.model_validate({
        "id": 3, "order_id": 101, "created": "2019-03-05T21:50:00+00:00", "total_amount": 10.8,
        "items": [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1}],
        "payments": [{"id": 1, "provider_id": "testgateway", "amount": 10.8, "offline": False}]})
    event = refund_read_event(RefundRead("abc", refund))
    assert event.key == "101" and event.event_id == event_id("abc", "refund", 3)
    assert event.event_id == "e87b52e3-950c-5c07-8f3b-bf77cad7922c"  # pinned
    assert event.payload.total_amount == Decimal("10.8") and event.payload.items[0].item_id == 1


def test_an_unreadable_order_is_one_engineering_exception_per_store_and_order() -> None:
    failure = UnreadableOrder("abc", 105, "2019-03-05T21:45:00+00:00/8a56bf5b6eb1", 3,
                              "RetryableError: Internal Server Error (HTTP 500)")
    exc = unreadable_exception(failure)
    assert (exc.kind, exc.object_type, exc.owner, exc.severity, exc.bc_id) == (
        "order_unreadable", "order", "engineering", "error", "105")
    assert exc.payload == {"store": "abc", "order_id": 105, "version": failure.version, "failures": 3,
                           "error": failure.error, "retried": False}
    assert exc.key() == exception_key("abc", 105) == "order_unreadable:abc:105"
    assert "105" in exc.message and "3 times in a row" in exc.message and failure.error in exc.message
    assert "o2c exceptions retry" in exc.message
    retried = unreadable_exception(UnreadableOrder("abc", 105, "", 1, "boom", retried=True))
    assert retried.key() == exc.key() and retried.message.startswith("A retry of BigCommerce order 105")


async def test_the_sink_publishes_an_event_and_rejects_data_the_contract_refuses() -> None:
    sent: list[Envelope[Any]] = []

    async def publish(event: Envelope[Any]) -> None:
        sent.append(event)

    sink = EventSink(cast(asyncpg.Pool, None), "abc", publish)  # order() and refund() never touch PostgreSQL
    good = read()
    assert await sink.order(good) == order_read_event(good).event_id and sent == [order_read_event(good)]
    with pytest.raises(OrderRejected, match=r"does not fit the bc\.orders contract"):
        await sink.order(read(product={**PRODUCT, "quantity": -1}))
    assert len(sent) == 1  # nothing published for the rejected order
