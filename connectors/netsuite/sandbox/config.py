"""Sandbox knobs. Change them at run time with ``POST /__sandbox/config`` (a JSON object of fields)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


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
    require_auth: bool = True
    timestamp_tolerance: int = 300

    # Governance: in-flight requests beyond this get 429 CONCURRENCY_LIMIT_EXCEEDED.
    concurrency_limit: int = 15
    integration_limit: int | None = None

    # Latency per request: fixed ``latency_ms`` plus uniform jitter up to ``latency_jitter_ms``.
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0

    # Faults.
    error_rate: float = 0.0  # 500 UNEXPECTED_ERROR before anything is applied
    fail_next: int = 0
    timeout_rate: float = 0.0  # hold the request ``timeout_seconds`` then drop it, nothing applied
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    drop_after_commit_rate: float = 0.0  # apply the write, then drop the connection
    drop_after_commit_next: int = 0
    record_changed_rate: float = 0.0  # RCRD_HAS_BEEN_CHANGED on PATCH/PUT of an existing record
    record_changed_next: int = 0
    workflow_lock_next: int = 0

    seed: int = 7
    clock_offset_seconds: float = 0.0
    seed_styles: int = 4
    seed_data: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update; unknown keys raise ``KeyError``."""
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise KeyError(key)
            setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for secret in ("consumer_secret", "token_secret"):
            data[secret] = "********"
        return data
