"""Settings of the Stripe payout source (environment prefix ``O2C_STRIPE_``).

The key is a restricted, read-only key (``rk_live_…``: Payouts, Balance transactions, Charges, Refunds,
Disputes, Events read) in production. It is a :class:`~pydantic.SecretStr` and never logged.
"""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The API version every request pins (``Stripe-Version``); webhook endpoints should be registered with it.
API_VERSION = "2024-06-20"

_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
_KEY_PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_")


class StripeSettings(BaseSettings):
    """Where Stripe is and how fast o2c may ask it."""

    model_config = SettingsConfigDict(env_prefix="O2C_STRIPE_", extra="ignore")

    enabled: bool = False
    api_key: SecretStr = SecretStr("")
    api_base: str = "https://api.stripe.com"
    api_version: str = API_VERSION
    webhook_secret: SecretStr | None = None
    #: Stripe allows 25 requests/s per endpoint (100 overall live); keep headroom for other apps on the key.
    requests_per_second: float = Field(default=20.0, gt=0, le=100)
    #: Seconds between polls for newly paid payouts (the backstop of the webhooks).
    poll_interval: float = Field(default=300.0, gt=0)
    #: How far back a poll looks for payouts (by arrival date).
    lookback_days: int = Field(default=7, ge=1, le=90)
    timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)

    @field_validator("api_base")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("api_base must be an http(s) URL, e.g. https://api.stripe.com")
        return value.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("api_version must look like 2024-06-20 or 2024-09-30.acacia")
        return value

    @field_validator("api_key")
    @classmethod
    def _key(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if raw and not raw.startswith(_KEY_PREFIXES):
            raise ValueError("api_key must be a Stripe secret or restricted key (sk_… or rk_…)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not value.get_secret_value().startswith("whsec_"):
            raise ValueError("webhook_secret must be the endpoint's signing secret (whsec_…)")
        return value

    @model_validator(mode="after")
    def _enabled_needs_a_key(self) -> StripeSettings:
        if self.enabled and not self.api_key.get_secret_value():
            raise ValueError("O2C_STRIPE_ENABLED is true but O2C_STRIPE_API_KEY is empty")
        return self
