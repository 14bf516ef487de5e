"""Settings of the money-back flow (prefix ``O2C_RETURNS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReturnsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_RETURNS_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Turn BigCommerce refunds into NetSuite return authorizations, item "
                          "receipts, credit memos and customer refunds (needs O2C_CASH_ENABLED: refunds are paid "
                          "back against the deposits and invoices of the money-in flow).")
    receive_on_refund: bool = Field(
        False, description="true: the goods of a refund are received into O2C_RETURNS_LOCATION_ID at once (an "
        "item receipt); false: the warehouse receives the return authorization in NetSuite and o2c only credits.")
    location_id: str | None = Field(None, description="NetSuite location returned goods are received into (a "
                                    "location the stock flow counts puts them back on sale).")
    offline_account: str | None = Field(
        None, description="Account of refunds paid outside the gateway (BigCommerce 'offline' refund methods, e.g. "
        "cash or bank transfer); unset: the credit is left on the customer for finance to settle.")
    concurrency: int = Field(8, ge=1, description="Refunds handled at once per worker (one order at a time).")
    interval: float = Field(10.0, gt=0, description="Seconds between retries of refunds waiting for their order.")
    cancelled_grace: float = Field(600.0, ge=0, description="Seconds a cancelled order's payment may stay "
                                   "unrefunded before finance is told (cancelled_unrefunded).")
    tax_item: str = Field("O2C-TAX", validation_alias=AliasChoices("O2C_RETURNS_TAX_ITEM", "O2C_ORDERS_TAX_ITEM"),
                          description="Item of the tax line (tax mode 'line'; default: the orders').")
    handling_item: str = Field("O2C-HANDLING", validation_alias=AliasChoices("O2C_RETURNS_HANDLING_ITEM",
                                                                             "O2C_ORDERS_HANDLING_ITEM"),
                               description="Item of handling and wrapping refunds (default: the orders').")
    adjustment_item: str = Field("ROUNDING-ADJ", validation_alias=AliasChoices("O2C_RETURNS_ADJUSTMENT_ITEM",
                                                                               "O2C_ORDERS_ROUNDING_ITEM"),
                                 description="Item of order-level (goodwill) refunds and of the adjustment that "
                                 "makes a credit equal BigCommerce's refund to the cent.")
    tax_mode: str = Field("line", validation_alias=AliasChoices("O2C_RETURNS_TAX_MODE", "O2C_ORDERS_TAX_MODE"),
                          description="line | suitetax | legacy (default: the orders').")
    store_credit_providers: frozenset[str] = Field(
        frozenset({"storecredit"}), description="BigCommerce refund provider ids that give store credit.")


@lru_cache(maxsize=1)
def get_returns_settings() -> ReturnsSettings:
    return ReturnsSettings()
