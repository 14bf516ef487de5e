"""Settings of the order-to-cash flow (prefix ``O2C_ORDERS_``)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_ORDERS_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Run the order flow (orders agent and NetSuite writer).")
    subsidiary_id: str = Field("1", description="NetSuite subsidiary of customers and sales orders.")
    location_id: str = Field("1", description="NetSuite location that fulfils web orders.")
    currency_id: str = Field("1", description="NetSuite currency of sales orders.")
    to_fulfil_statuses: frozenset[int] = Field(
        frozenset({2, 3, 8, 9, 10, 11}),
        description="BigCommerce status ids that mean 'to fulfil' (Shipped, Partially Shipped, Awaiting "
        "Pickup, Awaiting Shipment, Completed, Awaiting Fulfillment).",
    )
    cancelled_statuses: frozenset[int] = Field(frozenset({5}), description="Status ids that cancel an order.")
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


@lru_cache(maxsize=1)
def get_order_settings() -> OrderSettings:
    return OrderSettings()
