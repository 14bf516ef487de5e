"""Pure parts of the change source: payload → job, receiver auth and queueing, snapshots, versions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import orjson

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.bigcommerce.models import (
    Order,
    OrderCoupon,
    OrderProduct,
    OrderShippingAddress,
    Refund,
    Transaction,
    WebhookPayload,
)
from connectors.bigcommerce.snapshot import (
    has_refunds,
    order_event,
    order_snapshot,
    order_version,
    refund_event,
    version_time,
)
from connectors.bigcommerce.source import WebhookJob, WebhookReceiver, job_from_payload
from streams.contract import event_id

SECRET = "s3cret-value"


def payload(scope: str, data: dict[str, object], hash_: str = "h" * 40) -> WebhookPayload:
    return WebhookPayload(scope=scope, store_id="1", data=data, hash=hash_, created_at=1, producer="stores/abc")


def body(scope: str = "store/order/created", order_id: int = 7, hash_: str = "h" * 40, store: str = "abc") -> bytes:
    return orjson.dumps({"scope": scope, "store_id": "1", "data": {"type": "order", "id": order_id},
                         "hash": hash_, "created_at": 1, "producer": f"stores/{store}"})


def test_jobs_from_each_scope() -> None:
    assert job_from_payload(payload("store/order/updated", {"type": "order", "id": 5})) == WebhookJob(
        "h" * 40, "store/order/updated", 5)
    refund = job_from_payload(payload("store/order/refund/created", {"type": "order", "id": 5,
                                                                     "refund": {"refund_id": 9}}))
    assert refund is not None and (refund.order_id, refund.refund_id) == (5, 9)
    txn = job_from_payload(payload("store/order/transaction/created", {"type": "transaction", "order_id": "250"}))
    assert txn is not None and txn.order_id == 250
    ship = job_from_payload(payload("store/shipment/created", {"type": "shipment", "id": 1, "orderId": 12}))
    assert ship is not None and ship.order_id == 12
    assert job_from_payload(payload("store/product/updated", {"type": "product", "id": 3})) is None


def receiver(size: int = 10) -> WebhookReceiver:
    return WebhookReceiver("abc", SECRET, "X-O2C-Webhook-Secret", asyncio.Queue(maxsize=size))


def test_receiver_rejects_missing_or_wrong_secret() -> None:
    r = receiver()
    assert r.receive({}, body()).status == 401
    assert r.receive({"X-O2C-Webhook-Secret": SECRET[:-1]}, body()).status == 401
    assert r.receive({"x-o2c-webhook-secret": SECRET}, body()).status == 200  # header names are case-insensitive
    assert r.queue.qsize() == 1


def test_receiver_answers_2xx_when_full_and_does_not_queue_a_pending_duplicate() -> None:
    r = receiver(size=1)
    headers = {"X-O2C-Webhook-Secret": SECRET}
    assert r.receive(headers, body(hash_="a" * 40)).body["status"] == "accepted"
    assert r.receive(headers, body(hash_="a" * 40)).body["status"] == "duplicate"
    full = r.receive(headers, body(order_id=8, hash_="b" * 40))
    assert (full.status, full.body["status"]) == (200, "deferred")
    assert r.receive(headers, b"[1, 2").status == 400
    assert r.receive(headers, body(store="other")).body["status"] == "ignored"
    assert r.queue.qsize() == 1


def test_secret_defaults_to_one_derived_from_the_token() -> None:
    a = BigCommerceSettings(access_token="tok", store_hash="abc")
    assert a.webhook_secret_value() == BigCommerceSettings(access_token="tok", store_hash="abc").webhook_secret_value()
    assert a.webhook_secret_value() != BigCommerceSettings(access_token="tok2", store_hash="abc").webhook_secret_value()
    assert "tok" not in a.webhook_secret_value()
    assert BigCommerceSettings(webhook_secret="given").webhook_secret_value() == "given"


ORDER = {
    "id": 101, "customer_id": 0, "date_created": "Tue, 05 Mar 2019 21:40:11 +0000",
    "date_modified": "Tue, 05 Mar 2019 21:45:00 +0000", "status_id": 11, "status": "Awaiting Fulfillment",
    "subtotal_ex_tax": "20.0000", "subtotal_inc_tax": "21.6000", "subtotal_tax": "1.6000",
    "shipping_cost_ex_tax": "5.0000", "shipping_cost_inc_tax": "5.4000", "shipping_cost_tax": "0.4000",
    "total_ex_tax": "25.0000", "total_inc_tax": "27.0000", "total_tax": "2.0000", "currency_code": "USD",
    "payment_provider_id": "", "refunded_amount": "0.0000",
    "billing_address": {"first_name": "Jane", "email": "jane@example.com", "zip": "78701"},
}


def test_snapshot_keeps_money_as_decimal_and_ids_are_deterministic() -> None:
    order = Order.model_validate(ORDER)
    products = [OrderProduct.model_validate({
        "id": 1, "order_id": 101, "product_id": 3, "variant_id": 4, "sku": "TEE-BLK-M", "name": "Tee",
        "quantity": 2, "price_ex_tax": "10.0000", "price_inc_tax": "10.8000", "total_ex_tax": "20.0000",
        "total_inc_tax": "21.6000", "total_tax": "1.6000",
        "applied_discounts": [{"id": "coupon", "amount": "1.5000", "code": "SAVE", "target": "product"}],
        "product_options": [{"display_name": "Size", "display_value": "M"}]})]
    addresses = [OrderShippingAddress.model_validate({"id": 9, "order_id": 101, "cost_inc_tax": "5.4000"})]
    coupons = [OrderCoupon.model_validate({"id": 1, "order_id": 101, "code": "SAVE", "amount": "10",
                                          "discount": "1.5", "type": 1})]
    txns = [Transaction.model_validate({"id": 5, "order_id": "101", "event": "purchase", "amount": 27.0})]
    snap = order_snapshot("abc", order, products, addresses, coupons, txns)
    assert snap.total_inc_tax == Decimal("27.0000") and isinstance(snap.lines[0].price_inc_tax, Decimal)
    assert snap.lines[0].options == (("Size", "M"),)
    assert snap.email == "jane@example.com" and snap.payment_provider_id is None
    assert snap.date_modified == datetime(2019, 3, 5, 21, 45, tzinfo=UTC)
    version = order_version(order)
    assert version_time(version) == snap.date_modified
    event = order_event(snap, version)
    assert event.key == "101" and event.event_id == event_id("abc", "order", 101, version)
    assert event.source == "bigcommerce:abc"
    assert not has_refunds(order, txns)


def test_same_second_changes_are_different_versions() -> None:
    first = Order.model_validate(ORDER)
    second = Order.model_validate({**ORDER, "status_id": 9})
    assert order_version(first) == order_version(Order.model_validate(ORDER))
    assert order_version(first) != order_version(second)
    assert version_time(order_version(first)) == version_time(order_version(second))


def test_refunds_are_detected_and_mapped() -> None:
    refunded = Order.model_validate({**ORDER, "status_id": 14})
    assert has_refunds(refunded)
    assert has_refunds(Order.model_validate(ORDER),
                       [Transaction.model_validate({"id": 1, "order_id": "1", "event": "refund", "amount": 1})])
    refund = Refund.model_validate({
        "id": 3, "order_id": 101, "created": "2019-03-05T21:50:00+00:00", "total_amount": 10.8,
        "items": [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1}],
        "payments": [{"id": 1, "provider_id": "testgateway", "amount": 10.8, "offline": False}]})
    event = refund_event("abc", refund)
    assert event.key == "101" and event.event_id == event_id("abc", "refund", 3)
    assert event.payload.total_amount == Decimal("10.8") and event.payload.items[0].item_id == 1
