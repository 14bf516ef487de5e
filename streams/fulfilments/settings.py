"""Settings of the fulfilment flow (prefix ``O2C_FULFILMENTS_``): NetSuite fulfilments → BigCommerce shipments."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.bigcommerce import carriers

#: BigCommerce's ``shipping_provider`` values (besides ``carrier_<id>``), from the Orders V2 spec.
SHIPPING_PROVIDERS = frozenset({"", "auspost", "canadapost", "endicia", "usps", "fedex", "royalmail", "ups",
                                "upsready", "shipperhq"})
PROVIDER_PREFIX = "provider:"


def valid_provider(value: str) -> bool:
    return value in SHIPPING_PROVIDERS or (value.startswith("carrier_") and len(value) > len("carrier_"))


class FulfilmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_FULFILMENTS_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Run the fulfilment flow (NetSuite fulfilments → BigCommerce "
                          "shipments).")
    concurrency: int = Field(8, ge=1, description="Fulfilments handled at once per worker (those of one order "
                             "are still handled one at a time).")
    carriers: dict[str, str] = Field(
        default_factory=dict, description="(JSON object) NetSuite ship method name or carrier → a BigCommerce "
        "tracking_carrier value (e.g. \"ups\") or provider:<shipping_provider> (e.g. \"provider:royalmail\"). "
        "Checked against BigCommerce's lists at start-up; names are matched without case, spaces or punctuation.")
    tracking_links: dict[str, str] = Field(
        default_factory=dict, description="(JSON object) Ship method name → a tracking URL with {tracking} "
        "in it, used for shipments whose carrier BigCommerce does not know.")
    capture_on_shipment: bool = Field(
        False, description="Capture the order's authorised payment in BigCommerce when its first shipment "
        "goes out (stores that authorise at checkout and capture on dispatch). Once per order.")

    @field_validator("carriers")
    @classmethod
    def _known_carriers(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = []
        for name, target in value.items():
            if target.startswith(PROVIDER_PREFIX):
                if not valid_provider(target[len(PROVIDER_PREFIX):]):
                    wrong.append(f"{name!r} → {target!r} (not a BigCommerce shipping provider; use one of "
                                 f"{', '.join(sorted(p for p in SHIPPING_PROVIDERS if p))} or carrier_<id>)")
            elif not target or not carriers.is_valid(target):
                wrong.append(f"{name!r} → {target!r} (not in BigCommerce's tracking_carrier list)")
        if wrong:
            raise ValueError("O2C_FULFILMENTS_CARRIERS names carriers BigCommerce would refuse, so every shipment "
                             "with them would be rejected: " + "; ".join(wrong))
        return value

    @field_validator("tracking_links")
    @classmethod
    def _templates(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = [name for name, url in value.items() if "{tracking}" not in url or not url.startswith("http")]
        if wrong:
            raise ValueError("O2C_FULFILMENTS_TRACKING_LINKS: each value must be an http(s) URL containing "
                             "{tracking}; check " + ", ".join(repr(w) for w in wrong))
        return value


@lru_cache(maxsize=1)
def get_fulfilment_settings() -> FulfilmentSettings:
    return FulfilmentSettings()
