"""Settings of the BigCommerce connector (environment prefix ``O2C_BC_``).

Secrets are :class:`~pydantic.SecretStr`: they print as ``**********`` in repr, str and logs;
only :meth:`BigCommerceSettings.auth_headers` reveals the token, to put it on the wire.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Plan = Literal["standard", "plus", "pro"]

#: Requests per 30 s window by plan (reference §2). Used only as a prior before the first response.
PLAN_QUOTA: dict[str, int] = {"standard": 150, "plus": 150, "pro": 450}
WINDOW_MS = 30_000


class BigCommerceSettings(BaseSettings):
    """Where the store is and how to talk to it."""

    model_config = SettingsConfigDict(env_prefix="O2C_BC_", extra="ignore")

    store_hash: str = "o2cdemo"
    access_token: SecretStr = SecretStr("sandbox-token")
    api_base: str = "http://127.0.0.1:8701"
    plan: Plan = "standard"
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    write_timeout: float = Field(default=30.0, gt=0)
    pool_timeout: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=20, gt=0)
    max_attempts: int = Field(default=6, gt=0)
    #: Requests kept in hand at the end of each window (for other apps sharing the store's quota).
    quota_reserve: int = Field(default=5, ge=0)
    webhook_secret: SecretStr = SecretStr("")
    user_agent: str = "o2c-bigcommerce/0.1"

    def base_url(self, version: Literal["v2", "v3"]) -> str:
        return f"{self.api_base.rstrip('/')}/stores/{self.store_hash}/{version}"

    def auth_headers(self) -> dict[str, str]:
        return {
            "X-Auth-Token": self.access_token.get_secret_value(),
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }

    @property
    def plan_quota(self) -> int:
        return PLAN_QUOTA[self.plan]
