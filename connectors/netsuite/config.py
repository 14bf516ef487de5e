"""Connector settings (environment prefix ``O2C_NS_``) and the account-id spelling rules.

NetSuite spells one account id two ways: the OAuth ``realm`` keeps upper case and the underscore
(``123456_SB1``); the host name is lower case with a hyphen (``123456-sb1.suitetalk.api.netsuite.com``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_URL = "http://127.0.0.1:8702"


def realm_for(account_id: str) -> str:
    """The account id as NetSuite's OAuth realm wants it: ``123456-sb1`` -> ``123456_SB1``."""
    return account_id.strip().upper().replace("-", "_")


def host_for(account_id: str) -> str:
    """The account's SuiteTalk host: ``123456_SB1`` -> ``123456-sb1.suitetalk.api.netsuite.com``."""
    return f"{account_id.strip().lower().replace('_', '-')}.suitetalk.api.netsuite.com"


class NetSuiteSettings(BaseSettings):
    """Everything the connector needs to reach one NetSuite account. Secrets are ``SecretStr``."""

    model_config = SettingsConfigDict(env_prefix="O2C_NS_", extra="ignore")

    account_id: str = "1234567_SB1"
    #: Service root. Empty means "derive from the account id" (real accounts); the default is the sandbox.
    base_url: str = SANDBOX_URL
    auth_mode: Literal["tba", "oauth2"] = "tba"

    # Token-based authentication (OAuth 1.0a). Defaults are the sandbox's well-known credentials.
    consumer_key: SecretStr = SecretStr("sandbox-consumer-key")
    consumer_secret: SecretStr = SecretStr("sandbox-consumer-secret")
    token_id: SecretStr = SecretStr("sandbox-token-id")
    token_secret: SecretStr = SecretStr("sandbox-token-secret")

    # OAuth 2.0 client credentials (machine to machine, certificate-signed JWT assertion).
    client_id: str = "sandbox-client-id"
    certificate_id: str = "sandbox-certificate-id"
    private_key_pem: SecretStr = SecretStr("")
    jwt_algorithm: Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"] = "PS256"
    scopes: tuple[str, ...] = ("rest_webservices",)

    # Governance.
    concurrency_limit: int = 15
    headroom: int = 0
    use_governance_limits: bool = False
    min_concurrency: int = 1
    #: Worker processes sharing the account's pool (the StatefulSet's replicas): each governor gets
    #: its share, so three replicas do not send three times the limit and live on 429s.
    workers: int = Field(default=1, ge=1)

    # Timeouts (seconds) and retries.
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    write_timeout: float = 30.0
    pool_timeout: float = 30.0
    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_cap: float = 30.0

    # Account defaults used when o2c writes records.
    subsidiary_id: str = "1"
    location_id: str = "1"
    currency_id: str = "1"

    # Change source (SuiteQL pollers and the push endpoint); off unless ``O2C_NS_SOURCE_ENABLED=true``.
    source_enabled: bool = False
    items_poll_seconds: float = 60.0
    stock_poll_seconds: float = 60.0
    fulfilments_poll_seconds: float = 30.0
    prices_poll_seconds: float = 300.0
    customers_poll_seconds: float = 300.0
    #: Every poll re-reads this many seconds before the watermark; rows already published are skipped.
    overlap_seconds: float = 300.0
    #: Where a poll starts when it has no watermark yet (seconds before the server's clock).
    initial_lookback_seconds: float = 86_400.0
    #: Stock is published for these locations only (internal ids); empty = every active location.
    stock_locations: tuple[str, ...] = ()
    #: Item types (SuiteQL ``itemtype`` codes) published on ``ns.items``, ``ns.inventory`` and ``ns.prices``.
    item_types: tuple[str, ...] = ("InvtPart", "NonInvtPart", "Kit", "Assembly")
    #: Matrix option fields on child items, and the option name each one carries.
    matrix_options: dict[str, str] = Field(
        default_factory=lambda: {"custitem_color": "Colour", "custitem_size": "Size"}
    )
    #: Optional per-item stock buffer (a custom item field).
    buffer_field: str = "custitem_bc_buffer"
    #: The sales order's link to the BigCommerce order (body field), and each line's link to its order product.
    order_link_field: str = "custbody_bc_order_id"
    order_line_link_field: str = "custcol_bc_order_product_id"
    #: Shared secret of the user-event script's push calls (HMAC-SHA256 over the body); empty = push refused.
    push_secret: SecretStr = SecretStr("")
    #: Push calls whose timestamp is further than this from o2c's clock are refused (replay window).
    push_tolerance_seconds: int = 300

    @property
    def realm(self) -> str:
        return realm_for(self.account_id)

    @property
    def service_url(self) -> str:
        """Root URL without trailing slash, e.g. ``https://123456-sb1.suitetalk.api.netsuite.com``."""
        if self.base_url.strip():
            return self.base_url.strip().rstrip("/")
        return f"https://{host_for(self.account_id)}"

    @property
    def token_url(self) -> str:
        return f"{self.service_url}/services/rest/auth/oauth2/v1/token"

    @property
    def effective_concurrency(self) -> int:
        """Slots this worker may use: its share of the limit minus headroom, never below ``min_concurrency``."""
        return self.share(self.concurrency_limit)

    def share(self, account_limit: int) -> int:
        """This worker's slots of an account pool of ``account_limit``."""
        return max(self.min_concurrency, (account_limit - self.headroom) // self.workers)
