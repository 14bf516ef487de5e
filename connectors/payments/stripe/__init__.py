"""Stripe as a payout source: automatic payouts and their balance transactions, read with the official
SDK (``stripe-python``) over its async httpx client, mapped onto :mod:`connectors.payments.models`."""

from .client import StripePayouts
from .config import StripeSettings
from .mapping import line_from_balance_transaction, payout_from_stripe
from .webhooks import StripeWebhookEvent, WebhookSignatureError, verify_event

__all__ = [
    "StripePayouts",
    "StripeSettings",
    "StripeWebhookEvent",
    "WebhookSignatureError",
    "line_from_balance_transaction",
    "payout_from_stripe",
    "verify_event",
]
