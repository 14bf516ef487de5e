"""SDK errors onto o2c's error tree, and the settings' plain validation (no HTTP here)."""

from __future__ import annotations

import pytest
import stripe
from pydantic import SecretStr, ValidationError

from connectors.http import (
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TransientNetworkError,
)
from connectors.payments.stripe.client import StripePayouts, map_error
from connectors.payments.stripe.config import StripeSettings

KEY = "rk_live_51SecretKeyValue0000abcd"


def test_authentication_never_repeats_the_key() -> None:
    err = map_error(stripe.AuthenticationError(f"Invalid API Key provided: {KEY}", http_status=401), "listing payouts")
    assert type(err) is PermanentError and err.status == 401
    assert KEY not in str(err) and "abcd" not in str(err) and "O2C_STRIPE_API_KEY" in str(err)


@pytest.mark.parametrize(("error", "cls"), [
    (stripe.RateLimitError("slow down", http_status=429, headers={"Retry-After": "2"}), RateLimitedError),
    (stripe.APIConnectionError("connection reset"), TransientNetworkError),
    (stripe.APIError("boom", http_status=503), RetryableError),
    (stripe.APIError("boom", http_status=500), RetryableError),
    (stripe.InvalidRequestError("No such payout: 'po_x'", "id", http_status=404), NotFoundError),
    (stripe.InvalidRequestError("Invalid integer", "limit", http_status=400), PermanentError),
    (stripe.PermissionError("The provided key does not have access", http_status=403), PermanentError),
])
def test_error_classes(error: stripe.StripeError, cls: type[Exception]) -> None:
    mapped = map_error(error, "reading")
    assert type(mapped) is cls


def test_rate_limit_keeps_retry_after() -> None:
    mapped = map_error(stripe.RateLimitError("slow", http_status=429, headers={"Retry-After": "2"}), "x")
    assert isinstance(mapped, RateLimitedError) and mapped.retry_after == 2.0


def test_settings_validation() -> None:
    ok = StripeSettings(api_key=SecretStr(KEY), api_base="https://api.stripe.com/")
    assert ok.api_base == "https://api.stripe.com" and KEY not in repr(ok)
    for bad in ({"api_key": SecretStr("pk_live_publishable")}, {"api_version": "latest"},
                {"api_base": "api.stripe.com"}, {"webhook_secret": SecretStr("secret")},
                {"requests_per_second": 0}, {"enabled": True}):
        with pytest.raises(ValidationError):
            StripeSettings(**bad)


def test_a_client_without_a_key_is_refused() -> None:
    with pytest.raises(PermanentError, match="O2C_STRIPE_API_KEY"):
        StripePayouts(StripeSettings())
