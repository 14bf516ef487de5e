"""Knobs of the BigCommerce sandbox. Changeable at runtime with ``POST /__sandbox/config``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

PLAN_QUOTAS = {"standard": 150, "plus": 150, "pro": 450}


@dataclass
class SandboxConfig:
    """Everything about how the sandbox behaves; defaults are a healthy Standard-plan store."""

    store_hash: str = "o2cdemo"
    access_token: str = field(default="sandbox-token", repr=False)
    store_id: str = "1000001"
    # --- governance
    plan: str = "standard"
    quota: int | None = None  # requests per window; None = the plan's (150 standard/plus, 450 pro)
    window_ms: int = 30_000
    rate_limit_headers_on_429: bool = True  # False = "platform load" 429s without X-Rate-Limit-*
    #: Endpoints ("METHOD /vN/route", e.g. "POST /v2/orders") not charged to the quota: a benchmark's order
    #: generator stands in for storefront checkouts, which do not spend the store's API quota. Still counted.
    quota_exempt: tuple[str, ...] = ()
    pricelist_upsert_concurrency: int = 2
    pricelist_upsert_delay_ms: float = 0.0  # time each records upsert takes (BigCommerce: about 1 s per 1,000)
    # --- faults (applied to API requests, never to /__sandbox)
    latency_ms_min: float = 0.0
    latency_ms_max: float = 0.0
    error_5xx_rate: float = 0.0
    timeout_rate: float = 0.0  # the request hangs for timeout_s, then gets a 504
    timeout_s: float = 30.0
    error_429_rate: float = 0.0  # share of API requests refused with a header-less ("platform load") 429
    error_429_endpoint: str = ""  # only requests whose "METHOD /vN/route" contains this (e.g. "/records")
    # --- store behaviour
    tax_inclusive: bool = False
    tax_rate: Decimal = Decimal("0.08")
    currency: str = "USD"
    currencies: tuple[str, ...] = ("usd",)  # the store's currencies (price records); `currency` is always one
    inventory_delay_ms: float = 200.0  # adjustments are applied this long after the 200
    capture_delay_ms: float = 100.0  # a capture is "capture pending" this long, then "captured" (0 = at once)
    decrement_stock_on_order: bool = True
    # --- webhooks
    webhook_delay_ms: float = 0.0
    webhook_jitter_ms: float = 0.0  # random extra delay per delivery: reorders deliveries
    webhook_duplicate_rate: float = 0.0
    webhook_loss_rate: float = 0.0  # events silently never delivered
    webhook_timeout_s: float = 5.0
    webhook_retry_delays_s: tuple[float, ...] = (0.2, 0.5, 1.0)  # BigCommerce: 60 s ... 24 h
    webhook_require_https: bool = False  # real BigCommerce: https on port 443 only
    # --- seed
    seed: int = 7
    styles: int = 8
    customers: int = 20
    rng_seed: int | None = None  # fault randomness; None = nondeterministic

    @property
    def store_currencies(self) -> frozenset[str]:
        """Lower-case codes price records may be in: ``currencies`` and the default ``currency``."""
        return frozenset({*(c.lower() for c in self.currencies), self.currency.lower()})

    @property
    def effective_quota(self) -> int:
        return self.quota if self.quota is not None else PLAN_QUOTAS.get(self.plan, 150)

    def update(self, changes: dict[str, Any]) -> list[str]:
        """Apply ``changes`` (JSON values) in place; returns the names changed. Unknown names raise."""
        names = {f.name: f for f in dataclasses.fields(self)}
        for key, value in changes.items():
            if key not in names:
                raise KeyError(key)
            current = getattr(self, key)
            if isinstance(current, Decimal) or key == "tax_rate":
                value = Decimal(str(value))
            elif key == "currencies":
                value = tuple(str(v).lower() for v in value)
            elif key == "quota_exempt":
                value = tuple(str(v) for v in value)
            elif isinstance(current, tuple) or key == "webhook_retry_delays_s":
                value = tuple(float(v) for v in value)
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, float):
                value = float(value)
            setattr(self, key, value)
        return list(changes)

    def public(self) -> dict[str, Any]:
        """JSON-able view (without the token)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "access_token":
                continue
            value = getattr(self, f.name)
            out[f.name] = (
                str(value) if isinstance(value, Decimal) else (list(value) if isinstance(value, tuple) else value)
            )
        out["effective_quota"] = self.effective_quota
        return out
