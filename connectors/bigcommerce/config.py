"""Settings of the BigCommerce connector (environment prefix ``O2C_BC_``).

Secrets are :class:`~pydantic.SecretStr`: they print as ``**********`` in repr, str and logs;
only :meth:`BigCommerceSettings.auth_headers` reveals the token, to put it on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Plan = Literal["standard", "plus", "pro"]

#: Webhook scopes the change source subscribes to (``store/order/statusUpdated`` is covered by ``updated``).
SOURCE_SCOPES: tuple[str, ...] = (
    "store/order/created",
    "store/order/updated",
    "store/order/archived",
    "store/order/refund/created",
)

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
    #: Connections to the API. The quota, not the pool, bounds the request rate (Pro: 15/s at ~0.3 s each
    #: is about 5 in flight), and every idle pooled connection costs a socket check per request.
    max_connections: int = Field(default=8, gt=0)
    max_attempts: int = Field(default=6, gt=0)
    #: Requests kept in hand at the end of each window (for other apps sharing the store's quota).
    quota_reserve: int = Field(default=5, ge=0)
    webhook_secret: SecretStr = SecretStr("")
    user_agent: str = "o2c-bigcommerce/0.1"

    # --- change source (connectors/bigcommerce/source/, wired by streams/ingest/bigcommerce.py)
    #: Run the webhook receiver, hydrator, catch-up poller and hook manager in the worker.
    source_enabled: bool = False
    #: Public URL of the worker's ``/webhooks/bigcommerce`` page; empty = no hooks, the poller alone.
    webhook_destination: str = ""
    #: Header o2c puts in each hook's custom ``headers`` and checks on every delivery.
    webhook_header: str = "X-O2C-Webhook-Secret"
    webhook_scopes: tuple[str, ...] = SOURCE_SCOPES
    #: Deliveries waiting for the hydrator; when full the delivery is still acknowledged (the poller catches up).
    webhook_queue_size: int = Field(default=1000, gt=0)
    #: How long a webhook ``hash`` is remembered for dedupe (BigCommerce retries for ~48 h).
    webhook_dedupe_ttl: float = Field(default=3 * 86400.0, gt=0)
    hydrator_concurrency: int = Field(default=4, gt=0)
    #: Deliveries one hydrator takes from the queue at once when a backlog waits; their orders are read
    #: with their lines in one ``GET /v2/orders?min_id=…&max_id=…&include=consignments.line_items``.
    hydrator_batch_size: int = Field(default=100, gt=0)
    #: Failed hydrations of one order version in a row (webhooks and polls alike) after which it is given
    #: up: an ``order_unreadable`` exception is recorded and the poller's watermark moves past it. The
    #: order is tried again when it changes in BigCommerce or an operator retries the exception.
    max_hydration_failures: int = Field(default=3, gt=0)
    #: Seconds between catch-up polls of ``GET /v2/orders?min_date_modified=...``.
    poll_interval: float = Field(default=60.0, gt=0)
    #: Each poll re-reads this many seconds before the watermark (late or same-second changes).
    poll_overlap: float = Field(default=120.0, ge=0)
    #: On the very first poll (no watermark yet), look back this far.
    poll_initial_lookback: float = Field(default=86400.0, ge=0)
    #: Seconds between checks that the hooks exist and are active (re-activated when BigCommerce deactivated them).
    hook_check_interval: float = Field(default=300.0, gt=0)

    def base_url(self, version: Literal["v2", "v3"]) -> str:
        return f"{self.api_base.rstrip('/')}/stores/{self.store_hash}/{version}"

    def auth_headers(self) -> dict[str, str]:
        return {
            "X-Auth-Token": self.access_token.get_secret_value(),
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }

    def webhook_secret_value(self) -> str:
        """The shared secret of the hooks: ``webhook_secret``, or one derived from the access token.

        Deriving it (HMAC-SHA256 of the store hash under the token) keeps every worker of one store on
        the same secret without another setting, and reveals nothing about the token.
        """
        explicit = self.webhook_secret.get_secret_value()
        if explicit:
            return explicit
        token = self.access_token.get_secret_value().encode()
        return hmac.new(token, f"o2c-webhook:{self.store_hash}".encode(), hashlib.sha256).hexdigest()

    @property
    def plan_quota(self) -> int:
        return PLAN_QUOTA[self.plan]
