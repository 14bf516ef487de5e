"""Stripe-Signature verification through the SDK: good, tampered, stale, wrong secret, not payout."""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson
import pytest

from connectors.payments.stripe.webhooks import WebhookSignatureError, verify_event

SECRET = "whsec_test_secret"


def sign(payload: bytes, secret: str = SECRET, ts: int | None = None) -> str:
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event(type_: str = "payout.paid") -> bytes:
    obj = {"id": "po_1", "object": "payout", "status": "paid"} if type_.startswith("payout.") else \
        {"id": "ch_1", "object": "charge"}
    return orjson.dumps({"id": "evt_1", "object": "event", "type": type_, "created": 1700000000, "livemode": False,
                         "data": {"object": obj}})


def test_good_signature() -> None:
    payload = event()
    e = verify_event(payload, sign(payload), SECRET)
    assert (e.event_id, e.type, e.payout_id, e.payout_status, e.livemode) == ("evt_1", "payout.paid", "po_1",
                                                                             "paid", False)
    assert e.is_payout


def test_tampered_payload() -> None:
    payload = event()
    header = sign(payload)
    with pytest.raises(WebhookSignatureError, match="does not verify") as info:
        verify_event(payload.replace(b"paid", b"fail"), header, SECRET)
    assert SECRET not in str(info.value)


def test_wrong_secret() -> None:
    payload = event()
    with pytest.raises(WebhookSignatureError):
        verify_event(payload, sign(payload, "whsec_other"), SECRET)


def test_stale_timestamp() -> None:
    payload = event()
    with pytest.raises(WebhookSignatureError, match="older than 300 s"):
        verify_event(payload, sign(payload, ts=int(time.time()) - 3600), SECRET)


def test_missing_header_and_garbage() -> None:
    with pytest.raises(WebhookSignatureError, match="no Stripe-Signature"):
        verify_event(event(), "", SECRET)
    with pytest.raises(WebhookSignatureError):
        verify_event(event(), "garbage", SECRET)


def test_other_events_parse_without_a_payout() -> None:
    payload = event("charge.succeeded")
    e = verify_event(payload, sign(payload), SECRET)
    assert e.payout_id is None and not e.is_payout
