"""Sandbox knobs. Change them at run time with ``POST /__sandbox/config`` (a JSON object of fields)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

#: Base size of the account-wide request pool per NetSuite service tier (+10 per SuiteCloud Plus licence).
TAX_ENGINES = ("suitetax", "legacy")
TIER_LIMITS = {"developer": 5, "standard": 5, "premium": 15, "enterprise": 20, "ultimate": 20}


@dataclass
class SandboxConfig:
    """Behaviour of the NetSuite sandbox: account, credentials, governance, latency and faults.

    Rates are probabilities per request (from a seeded RNG); ``*_next`` counters apply the fault to
    exactly the next N eligible requests, which is what tests use.
    """

    account_id: str = "1234567_SB1"
    # Token-based authentication credentials the sandbox accepts.
    consumer_key: str = "sandbox-consumer-key"
    consumer_secret: str = "sandbox-consumer-secret"
    token_id: str = "sandbox-token-id"
    token_secret: str = "sandbox-token-secret"
    # OAuth 2.0 client credentials.
    client_id: str = "sandbox-client-id"
    certificate_id: str = "sandbox-certificate-id"
    token_ttl: int = 3600
    #: PEM public key of the OAuth 2.0 certificate; when set, JWT assertion signatures are verified.
    certificate_public_key_pem: str = ""
    require_auth: bool = True
    timestamp_tolerance: int = 300

    # Governance: in-flight requests beyond the pool size get 429 CONCURRENCY_LIMIT_EXCEEDED. The pool
    # is ``TIER_LIMITS[service_tier]`` when a tier is set, else ``concurrency_limit``; plus 10 per
    # SuiteCloud Plus licence.
    concurrency_limit: int = 15
    service_tier: str = ""
    suitecloud_plus: int = 0
    integration_limit: int | None = None

    # Latency per request: fixed ``latency_ms`` plus uniform jitter up to ``latency_jitter_ms``.
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0

    # "REST Async Processors": the records of batch operations are processed in the background, at
    # most this many at once across all jobs, each taking the request latency above. They hold no
    # slot of the request pool.
    async_processors: int = 10

    # Faults.
    unavailable: bool = False  # every request gets 503 Service Unavailable (an outage or maintenance)
    error_rate: float = 0.0  # 500 UNEXPECTED_ERROR before anything is applied
    fail_next: int = 0
    timeout_rate: float = 0.0  # hold the request ``timeout_seconds`` then drop it, nothing applied
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    drop_after_commit_rate: float = 0.0  # apply the write, then drop the connection
    drop_after_commit_next: int = 0
    record_changed_rate: float = 0.0  # RCRD_HAS_BEEN_CHANGED on PATCH/PUT of an existing record
    record_changed_next: int = 0
    workflow_lock_rate: float = 0.0  # "locked by a user defined workflow" on PATCH/PUT of an existing record
    workflow_lock_next: int = 0

    # Push, as a user-event script would: after a write, POST {"recordType", "id", "type"} signed with
    # HMAC-SHA256 to ``push_url``; ``push_loss_rate`` of the calls are lost (as NetSuite's can be).
    push_url: str = ""
    push_secret: str = ""
    push_loss_rate: float = 0.0

    # Account features. ``tax_engine``: "suitetax" (taxDetails, taxDetailsOverride) or "legacy" (line
    # taxCode + tax1Amt, shippingTaxCode + shippingTaxAmount); see ``sandbox/tax.py``.
    # ``multiple_shipping_routes``: lines may ship to their own address and method (``shipGroup``).
    tax_engine: str = "suitetax"
    multiple_shipping_routes: bool = False

    seed: int = 7
    clock_offset_seconds: float = 0.0
    seed_styles: int = 4
    seed_data: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pool_size(self) -> int:
        """Concurrent requests the account accepts."""
        base = TIER_LIMITS[self.service_tier.lower()] if self.service_tier else self.concurrency_limit
        return base + 10 * self.suitecloud_plus

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update; unknown keys (or tiers) raise ``KeyError``."""
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise KeyError(key)
            if key == "service_tier" and value and str(value).lower() not in TIER_LIMITS:
                raise KeyError(f"service_tier {value}")
            if key == "tax_engine" and value not in TAX_ENGINES:
                raise KeyError(f"tax_engine {value} (suitetax or legacy)")
        for key, value in changes.items():
            current = getattr(self, key)
            if isinstance(value, Decimal) and isinstance(current, float):
                value = float(value)  # the admin body is read with Decimals; rates and delays are floats
            elif isinstance(value, Decimal) and isinstance(current, int) and not isinstance(current, bool):
                value = int(value)
            setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for secret in ("consumer_secret", "token_secret", "push_secret"):
            data[secret] = "********"
        data["pool_size"] = self.pool_size
        # The sandbox's JSON codec refuses floats (money must be Decimal): send knobs as exact decimals.
        return {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in data.items()}
