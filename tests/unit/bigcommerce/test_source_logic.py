"""Pure parts of the change source: payload → job, receiver auth and queueing, versions, refund detection.

The mapping of reads to events is ``streams/ingest/bigcommerce_events.py`` (tests/unit/bigcommerce/test_events.py).
"""

from __future__ import annotations

import asyncio

import orjson

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.bigcommerce.models import Order, Transaction, WebhookPayload
from connectors.bigcommerce.source import WebhookJob, WebhookReceiver, job_from_payload
from connectors.bigcommerce.versions import has_refunds, order_version, version_time

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


def test_same_second_changes_are_different_versions() -> None:
    first = Order.model_validate(ORDER)
    second = Order.model_validate({**ORDER, "status_id": 9})
    assert order_version(first) == order_version(Order.model_validate(ORDER))
    assert order_version(first) != order_version(second)
    assert version_time(order_version(first)) == version_time(order_version(second))


def test_refunds_are_detected() -> None:
    refunded = Order.model_validate({**ORDER, "status_id": 14})
    assert has_refunds(refunded)
    assert has_refunds(Order.model_validate({**ORDER, "payment_status": "partially refunded"}))
    assert has_refunds(Order.model_validate(ORDER),
                       [Transaction.model_validate({"id": 1, "order_id": "1", "event": "refund", "amount": 1})])
    assert not has_refunds(Order.model_validate(ORDER),
                           [Transaction.model_validate({"id": 1, "order_id": "1", "event": "purchase", "amount": 1})])
