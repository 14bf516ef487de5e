"""The order's currency in NetSuite. Pure.

- The BigCommerce ``currency_code`` is mapped to a NetSuite currency by ``O2C_ORDERS_CURRENCIES``; a currency
  with no entry is ``currency_unmapped`` (finance): the order is held, never booked in the default currency.
- NetSuite's ``exchangeRate`` is order currency → the subsidiary's base currency. BigCommerce's
  ``currency_exchange_rate`` is store default currency → order currency. When the order is not in the store's
  default currency, the rate is not 1 and the store's default currency *is* the subsidiary's base currency
  (``O2C_ORDERS_BASE_CURRENCY``), o2c sends ``1 / currency_exchange_rate`` (8 places), so the sales order is
  booked at the rate the shopper was charged at. Otherwise no rate is sent and NetSuite's own currency rate
  table applies on the transaction date (finance: keep that table current for such stores).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from streams.contract import BcOrderSnapshot

RATE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class CurrencyConfig:
    ids: Mapping[str, str]  # ISO code → NetSuite currency internal id
    base_currency: str = "USD"


@dataclass(frozen=True)
class Currency:
    code: str
    ns_id: str
    exchange_rate: Decimal | None


@dataclass(frozen=True)
class CurrencyUnmapped:
    code: str
    known: tuple[str, ...]

    def explain(self, order_id: int) -> str:
        return (
            f"BigCommerce order {order_id} is in {self.code or 'an unknown currency'}, which has no NetSuite "
            f"currency configured (O2C_ORDERS_CURRENCIES knows {', '.join(self.known) or 'none'}). The sales order "
            f"was not created, so it is not booked in the wrong currency. Add \"{self.code}\": \"<NetSuite currency "
            "id>\" to O2C_ORDERS_CURRENCIES (and the currency to the subsidiary in NetSuite), then retry this "
            "exception."
        )


def order_currency(order: BcOrderSnapshot, config: CurrencyConfig) -> Currency | CurrencyUnmapped:
    code = order.currency_code.strip().upper()
    ids = {k.upper(): v for k, v in config.ids.items()}
    if code not in ids:
        return CurrencyUnmapped(code, tuple(sorted(ids)))
    store_default = (order.store_default_currency_code or "").strip().upper()
    rate = order.currency_exchange_rate
    exchange_rate = None
    if (code != config.base_currency.upper() and store_default and code != store_default and rate != 1
            and store_default == config.base_currency.upper()):
        exchange_rate = (Decimal(1) / rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return Currency(code, str(ids[code]), exchange_rate)
