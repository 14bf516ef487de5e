"""Settings of the PayPal payout source (environment prefix ``O2C_PAYPAL_``).

The client secret is a :class:`~pydantic.SecretStr`: it prints as ``**********``; only the token request
reveals it, on the wire.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LIVE_API = "https://api-m.paypal.com"
SANDBOX_API = "https://api-m.sandbox.paypal.com"


class PayPalSettings(BaseSettings):
    """Where PayPal payouts come from: the STL drop folder, the Transaction Search API, or both."""

    model_config = SettingsConfigDict(env_prefix="O2C_PAYPAL_", extra="ignore")

    enabled: bool = False
    #: Folder the SFTP job fills with ``STL-yyyymmdd.seq.version.CSV`` files; None = no file import.
    settlement_folder: Path | None = None
    api_base: str = LIVE_API
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    #: Seconds between looks at the folder / the API.
    poll_interval: float = Field(default=900.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=6, gt=0)
    #: Records per page of Transaction Search (PayPal allows 1–500).
    page_size: int = Field(default=500, ge=1, le=500)
    #: How far before the requested range Transaction Search looks for the previous withdrawal.
    lookback_days: int = Field(default=31, ge=0)
    user_agent: str = "o2c-paypal/0.1"

    @property
    def api_enabled(self) -> bool:
        return bool(self.client_id and self.client_secret.get_secret_value())
