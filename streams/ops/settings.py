"""Settings of the ops page (prefix ``O2C_OPS_``); the session secret and the users are secrets."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """Every knob of ``o2c ops``, with its default (docs/ops-page.md lists them)."""

    model_config = SettingsConfigDict(env_prefix="O2C_OPS_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address the ops page listens on.")
    port: int = Field(6070, description="Port the ops page listens on.")
    auth: Literal["password", "proxy"] = Field(
        "password", description="password: users from O2C_OPS_USERS_FILE / O2C_OPS_USERS; proxy: identity from "
        "an OIDC proxy's trusted headers (oauth2-proxy).")
    users_file: Path | None = Field(None, description="YAML or JSON list of {user, password_hash, role}.")
    users: SecretStr | None = Field(None, description="The same list as JSON (used when no file is set).")
    session_secret: SecretStr = Field(description="Key that signs the session cookies (required; 32+ characters).")
    session_max_age: int = Field(8 * 3600, ge=60, description="Seconds a sign-in lasts.")
    cookie_secure: bool = Field(True, description="Send the session cookie over HTTPS only (false: plain http "
                                "other than localhost, e.g. a test).")
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="(JSON list) CIDRs whose identity headers are believed (proxy mode).")
    operator_groups: list[str] = Field(default_factory=list, description="(JSON list) Proxy groups of operators.")
    viewer_groups: list[str] = Field(
        default_factory=list, description="(JSON list) Proxy groups of viewers; empty: every signed-in user views.")
    proxy_signout_url: str = Field("/oauth2/sign_out", description="Proxy mode: where Sign out sends the browser "
                                   "afterwards (the proxy's own sign-out).")
    metrics_urls: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:6066/metrics"],
        description="(JSON list) The workers' /metrics addresses.")
    scrape_interval: float = Field(15.0, gt=0, description="Seconds between scrapes of the workers' /metrics.")
    signin_max_failures: int = Field(5, ge=1, description="Failed sign-ins per user name before it is refused "
                                     "for a while (per address: four times as many).")
    signin_window: float = Field(900.0, gt=0, description="Seconds the failed sign-ins are counted over.")
    bc_control_panel_url: str | None = Field(
        None, description="BigCommerce control panel, e.g. https://store-abc123.mybigcommerce.com; unset: "
        "BigCommerce ids are plain text.")
    ns_app_url: str | None = Field(
        None, description="NetSuite UI, e.g. https://1234567.app.netsuite.com; unset: NetSuite ids are plain text.")
    page_size: int = Field(50, ge=5, le=500, description="Rows per page of lists.")

    @field_validator("trusted_proxies")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            ipaddress.ip_network(cidr, strict=False)  # raises on a typo, at start-up
        return value

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("O2C_OPS_SESSION_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value


@lru_cache(maxsize=1)
def get_ops_settings() -> OpsSettings:
    return OpsSettings()  # session_secret comes from the environment
