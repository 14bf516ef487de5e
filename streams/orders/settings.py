"""Settings of the order-to-cash flow (prefix ``O2C_ORDERS_``)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_ORDERS_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Run the order flow (orders agent and NetSuite writer).")
    subsidiary_id: str = Field("1", description="NetSuite subsidiary of customers and sales orders.")
    location_id: str = Field("1", description="NetSuite location that fulfils web orders.")
    currency_id: str = Field("1", description="NetSuite currency of sales orders and new customers when "
                             "O2C_ORDERS_CURRENCIES is not set (then the only currency, O2C_ORDERS_BASE_CURRENCY).")
    currencies: dict[str, str] = Field(
        default_factory=dict, description="(JSON) BigCommerce currency_code → NetSuite currency internal id, e.g. "
        '{"USD": "1", "EUR": "2", "GBP": "3", "CAD": "4"}. Empty: {O2C_ORDERS_BASE_CURRENCY: O2C_ORDERS_CURRENCY_ID}. '
        "An order in a currency not listed is held as currency_unmapped (finance).")
    base_currency: str = Field(
        "USD", description="ISO code of the subsidiary's base currency. When the store's default currency is this "
        "one, an order in another currency is booked at 1 / BigCommerce's currency_exchange_rate; otherwise "
        "NetSuite's currency rate table applies.")
    tax_mode: Literal["line", "suitetax", "legacy"] = Field(
        "line", description="How tax reaches NetSuite: 'line' (one tax item line; tax kept outside NetSuite), "
        "'suitetax' (per-line taxDetails with taxDetailsOverride, SuiteTax accounts), 'legacy' (per-line "
        "taxCode and tax1Amt, legacy-tax accounts). Amounts are always BigCommerce's.")
    tax_codes: dict[str, str] = Field(
        default_factory=dict, description='(JSON) rate → NetSuite tax code id for the suitetax and legacy modes. '
        'Keys "<country>:<rate%>", "<rate%>" (any country), "<country>:*" (any rate in that country, e.g. US '
        'sales tax) or "class:<BigCommerce tax class id>" (shipping and handling), e.g. {"GB:20": "101", '
        '"GB:5": "102", "GB:0": "103", "US:*": "201", "US:0": "202"}. A rate not listed holds the order as '
        "tax_code_unmapped (finance).")
    ship_methods: dict[str, str] = Field(
        default_factory=dict, description='(JSON) BigCommerce shipping method name → NetSuite shipItem internal id, '
        'e.g. {"UPS Ground": "301", "Free Shipping": "303"}. A method not listed uses the default and raises one '
        "ship_method_unmapped exception per method (operations).")
    default_ship_method: str = Field(
        "", description="NetSuite shipItem internal id for unmapped methods; empty: such orders get no ship method.")
    multiple_shipping_routes: bool = Field(
        False, description="The NetSuite account has Multiple Shipping Routes: an order shipping to several "
        "addresses gets one ship group per address. Off: such orders are held as multi_address_unsupported.")
    to_fulfil_statuses: frozenset[int] = Field(
        frozenset({2, 3, 8, 9, 10, 11}),
        description="BigCommerce status ids that mean 'to fulfil' (Shipped, Partially Shipped, Awaiting "
        "Pickup, Awaiting Shipment, Completed, Awaiting Fulfillment).",
    )
    cancelled_statuses: frozenset[int] = Field(frozenset({5, 6}), description="Status ids that cancel an order "
                                               "(5 Cancelled, 6 Declined).")
    discount_item: str = Field("BC-DISCOUNT", description="NetSuite item (itemid) for discount lines.")
    tax_item: str = Field("O2C-TAX", description="NetSuite item (itemid) carrying the charged tax as a line.")
    handling_item: str = Field("O2C-HANDLING", description="NetSuite item (itemid) for handling and wrapping.")
    rounding_item: str = Field("ROUNDING-ADJ", description="NetSuite item (itemid) for rounding adjustments.")
    custom_line_item: str = Field(
        "O2C-CUSTOM", description="NetSuite non-inventory item (itemid) for BigCommerce custom product lines (no "
        "catalogue product) and the SKUs below; created once if missing, described by the line's name.")
    custom_line_skus: frozenset[str] = Field(
        frozenset(), description="(JSON list) SKUs that are not NetSuite items by design (e.g. a service sold "
        "online); booked on the custom line item instead of waiting for an item.")
    rounding_tolerance: Decimal = Field(
        Decimal("0.01"), description="Largest drift per order absorbed by a rounding line; above it: exception."
    )
    park_exception_after: float = Field(
        300.0, description="Seconds an order may wait on a missing SKU or customer before an exception is raised."
    )
    planner_concurrency: int = Field(8, description="Orders planned at once per worker (versions of one order "
                                     "are still handled one at a time).")
    writer_concurrency: int = Field(16, description="NetSuite writes in flight per worker (backpressure bound).")
    customer_batches: bool = Field(
        True, description="While every NetSuite slot is taken, create new customers through NetSuite's "
        "asynchronous batch upsert (up to 100 per request) instead of one request each. Turns itself off "
        "if the account refuses batch requests."
    )
    writeback_enabled: bool = Field(
        True, description="Write each sales order's NetSuite document number back to its BigCommerce order "
        "as an order metafield (batched, behind stock updates in priority)."
    )
    writeback_batch_size: int = Field(50, description="Order metafields per batch request to BigCommerce.")
    writeback_interval: float = Field(5.0, description="Longest wait (seconds) before a partial batch is sent.")

    def currency_ids(self) -> dict[str, str]:
        """The currency map in force (today's single currency when none is configured)."""
        return dict(self.currencies) or {self.base_currency.upper(): self.currency_id}


@lru_cache(maxsize=1)
def get_order_settings() -> OrderSettings:
    return OrderSettings()
