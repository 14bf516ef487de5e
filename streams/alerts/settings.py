"""Settings of silent-failure detection (prefix ``O2C_ALERTS_``): when a quiet flow becomes an exception."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_ALERTS_", extra="ignore", frozen=True)

    enabled: bool = Field(True, description="Evaluate the alert rules in the worker (on the leader only).")
    interval: float = Field(30.0, gt=0, description="Seconds between evaluations of every rule.")
    orders_window: float = Field(15.0, gt=0, description="orders_stalled: minutes of the window in which orders "
                                 "received are compared with sales orders written.")
    orders_min: int = Field(5, ge=1, description="orders_stalled: new BigCommerce orders in the window before "
                            "'no sales order written' is an alert.")
    quiet_factor: float = Field(3.0, ge=1, description="source_quiet: a poller is quiet when it has not completed "
                                "a poll for this many times its interval.")
    quiet_min_seconds: float = Field(120.0, ge=0, description="source_quiet: never sooner than this many seconds "
                                     "after the last completed poll (short demo intervals).")
    hooks_interval: float = Field(60.0, gt=0, description="webhook_deactivated: seconds between reads of the "
                                  "store's hooks from BigCommerce (one request each).")
    stock_minutes: float = Field(10.0, gt=0, description="stock_stale: minutes a NetSuite stock change may wait "
                                 "before BigCommerce shows it.")
    lag_max: int = Field(10_000, ge=0, description="backlog: consumer lag (messages) of the worker's group above "
                         "which the backlog counts.")
    lag_minutes: float = Field(15.0, ge=0, description="backlog: minutes the lag must stay above O2C_ALERTS_LAG_MAX.")
    waiting_minutes: float = Field(60.0, gt=0, description="backlog: minutes an order may wait for NetSuite after a "
                                   "failed write (parked for a retry) before it is a backlog alert.")
    spike_count: int = Field(20, ge=1, description="exception_spike: new exceptions of one kind in the window above "
                             "which it fires.")
    spike_minutes: float = Field(10.0, gt=0, description="exception_spike: minutes of the window.")
    payout_hours: float = Field(24.0, gt=0, description="payout_unreconciled: hours after posting a payout may "
                                "stay away from 0.00.")


@lru_cache(maxsize=1)
def get_alerts_settings() -> AlertsSettings:
    return AlertsSettings()
