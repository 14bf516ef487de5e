"""A local Stripe sandbox (aiohttp): payouts, balance transactions, charges, refunds, disputes and events
in Stripe's JSON shapes, signed payout webhooks, rate limits and fault injection, and an admin API to
create the money (``/__sandbox/…``). :mod:`.feed` mirrors the BigCommerce sandbox's Stripe payments."""

from .app import SandboxSettings, create_app
from .server import DEFAULT_HOST, DEFAULT_PORT, StripeSandbox, main, run, start_sandbox
from .store import StripeApiError, StripeStore

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SandboxSettings",
    "StripeApiError",
    "StripeSandbox",
    "StripeStore",
    "create_app",
    "main",
    "run",
    "start_sandbox",
]
