"""Settings of the B2B prices flow (prefix ``O2C_PRICES_``): NetSuite price levels → BigCommerce price lists."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PricesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_PRICES_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Run the prices flow (ns.prices → price list records, ns.customers → "
                          "customer groups, price list assignments, resyncs).")
    levels: dict[str, str] = Field(
        default_factory=dict, description="(JSON object) NetSuite price level (internal id or name) → BigCommerce "
        "price list name; an empty name uses O2C_PRICES_LIST_NAME_PATTERN, e.g. {\"2\": \"Wholesale\", "
        "\"Trade\": \"\"}. Levels not listed are not synced.")
    list_name_pattern: str = Field("NetSuite {level}", description="Name of a price list whose level maps to an "
                                   "empty name ({level} = the level's NetSuite name, {id} = its id).")
    create_missing_lists: bool = Field(True, description="Create a mapped price list that BigCommerce does not "
                                       "have (also when the merchant deleted it); false: a price_list_missing "
                                       "exception and the level waits.")
    groups: dict[str, str] = Field(
        default_factory=dict, description="(JSON object) NetSuite price level (id or name) → BigCommerce customer "
        "group name; the group is created if missing and assigned the level's price list, and a NetSuite customer "
        "with that price level is moved into it.")
    channels: tuple[int, ...] = Field((1,), description="(JSON list) BigCommerce channel ids to assign each group's "
                                      "price list on (1: the default storefront).")
    currencies: tuple[str, ...] = Field(("usd",), description="(JSON list) Currencies the store sells in "
                                        "(BigCommerce codes); a NetSuite price in another currency is not synced.")
    base_currency: str = Field("usd", description="Currency of NetSuite price rows that name none (a "
                               "single-currency account).")
    currency_map: dict[str, str] = Field(default_factory=dict, description="(JSON object) NetSuite currency symbol "
                                         "→ BigCommerce currency code where they differ (default: the same, lower "
                                         "case).")
    allow_zero: bool = Field(False, description="Sync a price of 0 (false: a price_invalid exception; a zero in "
                             "NetSuite is usually a price never filled in, not a free product).")
    batch_size: int = Field(1000, ge=1, le=1000, description="Records per batch upsert (BigCommerce's limit: "
                            "1,000).")
    writers: int = Field(2, ge=1, le=2, description="Batch upserts in flight (BigCommerce allows 2 per store).")
    settle: float = Field(2.0, ge=0, description="While a list's records keep changing, only full batches are "
                          "written until none changed for this many seconds (a burst goes out in full batches).")
    max_wait: float = Field(60.0, ge=0, description="Longest a change waits for its batch to fill while its list "
                            "keeps changing.")
    interval: float = Field(1.0, gt=0, description="Seconds between looks for records to write (a change is "
                            "also written as soon as the agent stores it).")
    retry_delay: float = Field(5.0, gt=0, description="Seconds before a write that failed for now is tried again.")
    resync_interval: float = Field(86400.0, ge=0, description="Seconds between scheduled comparisons with "
                                   "BigCommerce's price lists; 0 turns them off.")
    concurrency: int = Field(8, ge=1, description="ns.prices events handled at once per worker.")

    @field_validator("currencies")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.strip().lower() for c in value)

    def bc_currency(self, netsuite_symbol: str) -> str:
        """The BigCommerce currency code of a NetSuite price row's currency."""
        if not netsuite_symbol:
            return self.base_currency.lower()
        return self.currency_map.get(netsuite_symbol, netsuite_symbol).lower()


@lru_cache(maxsize=1)
def get_prices_settings() -> PricesSettings:
    return PricesSettings()
