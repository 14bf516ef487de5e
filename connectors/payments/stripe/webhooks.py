"""Verify a Stripe webhook delivery (``Stripe-Signature``) and read the payout it is about.

The signature check is the SDK's (:class:`stripe.WebhookSignature`: HMAC-SHA256 of ``"<t>.<payload>"``
with the endpoint's ``whsec_`` secret, timestamp within ``tolerance`` seconds). Every event type parses;
only ``payout.*`` events carry a payout id and status, and only those interest the payout flow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import stripe
from pydantic import BaseModel, ConfigDict

from ...http import PermanentError
from .mapping import epoch

PAYOUT_EVENTS = frozenset({"payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
                           "payout.reconciliation_completed"})


class WebhookSignatureError(PermanentError):
    """The delivery is not provably from Stripe (bad, missing or stale signature, or not JSON)."""


class StripeWebhookEvent(BaseModel):
    """What the payout flow needs from one event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    type: str
    created: datetime
    livemode: bool
    payout_id: str | None = None
    payout_status: str | None = None

    @property
    def is_payout(self) -> bool:
        return self.type in PAYOUT_EVENTS


def verify_event(payload: bytes, signature_header: str, secret: str, tolerance: int = 300) -> StripeWebhookEvent:
    """Check the signature of ``payload`` and parse it; raises :class:`WebhookSignatureError`."""
    if not secret:
        raise WebhookSignatureError("no Stripe webhook secret is configured (O2C_STRIPE_WEBHOOK_SECRET)")
    if not signature_header:
        raise WebhookSignatureError("the delivery has no Stripe-Signature header", status=400)
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance)
    except UnicodeDecodeError:
        raise WebhookSignatureError("the delivery is not UTF-8 text", status=400) from None
    except stripe.SignatureVerificationError as exc:
        reason = str(exc.user_message or "signature mismatch")
        if "tolerance" in reason:
            reason = f"its timestamp is older than {tolerance} s (a replay, or a clock off)"
        elif "No signatures found" in reason:
            reason = "no v1 signature matches the configured secret"
        raise WebhookSignatureError(f"the Stripe-Signature does not verify: {reason}", status=400) from None
    try:
        body: Any = orjson.loads(payload)
        obj = body.get("data", {}).get("object") or {}
        is_payout = obj.get("object") == "payout"
        return StripeWebhookEvent(
            event_id=str(body["id"]),
            type=str(body["type"]),
            created=epoch(body["created"]),
            livemode=bool(body.get("livemode", False)),
            payout_id=str(obj["id"]) if is_payout else None,
            payout_status=str(obj.get("status")) if is_payout else None,
        )
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise WebhookSignatureError(f"the signed delivery is not a Stripe event: {type(exc).__name__}",
                                    status=400) from None
