"""Settings of the system audit (prefix ``O2C_AUDIT_``): compare BigCommerce and NetSuite, report the drift."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Every check, in the order a run takes them.
CHECKS = ("orders", "customers", "items", "stock", "shipments", "refunds", "prices", "payouts")


class AuditSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_AUDIT_", extra="ignore", frozen=True)

    enabled: bool = Field(True, description="Run the audit on a schedule in the worker (on the leader only).")
    interval: float = Field(86400.0, ge=0, description="Seconds between scheduled audits; 0 turns them off.")
    checks: tuple[str, ...] = Field(CHECKS, description="(JSON list) The checks a scheduled audit runs "
                                    "(orders, customers, items, stock, shipments, refunds, prices, payouts).")
    lookback: float = Field(7.0, gt=0, description="Days a scheduled audit looks back for orders, shipments, "
                            "refunds and payouts (the CLI's --since overrides it).")

    @field_validator("checks")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown audit checks: {', '.join(unknown)} (known: {', '.join(CHECKS)})")
        return tuple(c for c in CHECKS if c in value)


@lru_cache(maxsize=1)
def get_audit_settings() -> AuditSettings:
    return AuditSettings()
