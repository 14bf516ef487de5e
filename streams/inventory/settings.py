"""Settings of the inventory flow (prefix ``O2C_INVENTORY_``): NetSuite stock → one buffered number per SKU."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InventorySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="O2C_INVENTORY_", extra="ignore", frozen=True)

    enabled: bool = Field(False, description="Run the inventory flow (aggregation, BigCommerce writer, resync).")
    locations: tuple[str, ...] = Field(
        ("1", "2"), description="(JSON list) NetSuite location ids whose available stock is sold online (the "
        "include list; the sandbox's retail store 3 is left out).")
    default_buffer: Decimal = Field(Decimal(0), description="Safety buffer subtracted from every SKU's sum.")
    sku_buffers: dict[str, Decimal] = Field(
        default_factory=dict, description="(JSON object) Per-SKU buffers; they win over the NetSuite item field.")
    location_map: dict[str, int] = Field(
        default_factory=dict, description="(JSON object) NetSuite location id → BigCommerce location id; "
        "unmapped included locations go to the default location.")
    default_bc_location: int = Field(1, description="BigCommerce location that receives unmapped stock.")
    low_stock_threshold: int = Field(
        5, description="A published quantity at or below this (zero included) goes in the priority lane.")
    coalesce_window: float = Field(0.5, description="Seconds a change waits for later ones of the same SKU "
                                   "(latest wins) before it is written.")
    catchup_lag: float = Field(2.0, description="Events older than this many seconds mean the flow is catching "
                               "up: routine changes then wait for the backlog (latest wins across it).")
    burst_rate: float = Field(1000.0, description="Changes per second above which routine writes wait for the "
                              "burst to settle (latest wins across it).")
    max_hold: float = Field(180.0, description="Longest a routine change is held while catching up or in a burst.")
    max_pending: int = Field(100_000, description="SKUs waiting in the writer at most; beyond it the agent "
                             "stops reading (lag grows in Kafka, not in memory).")
    batch_size: int = Field(2000, description="Items per absolute adjustment (BigCommerce's limit is 2,000).")
    max_failures: int = Field(5, description="Failed writes of one SKU in a row before a stock_sync_failed "
                              "exception (operations).")
    retry_delay: float = Field(5.0, description="Seconds before a failed write is retried.")
    catalog_refresh_interval: float = Field(600.0, description="Seconds between refreshes of the BigCommerce "
                                            "SKU → product/variant map.")
    resync_interval: float = Field(900.0, description="Seconds between scheduled full comparisons with "
                                   "BigCommerce; 0 turns them off.")
    resync_on_start: bool = Field(True, description="Compare with BigCommerce once the tables are recovered "
                                  "(repairs writes lost when a worker died).")
    resync_start_delay: float = Field(5.0, description="Seconds after recovery before the start-up comparison.")
    holds_enabled: bool = Field(True, description="Subtract BigCommerce orders not yet reflected in NetSuite's "
                                "committed stock (docs/inventory.md).")
    hold_grace: float = Field(5.0, description="A NetSuite reading counts as including a sales order only if "
                              "taken this many seconds after the order was written.")
    hold_ttl: float = Field(3600.0, description="Seconds after the sales order was written when its hold ends "
                            "even without a newer NetSuite reading.")
    hold_unsynced_ttl: float = Field(604800.0, description="Seconds a hold of an order that never reached "
                                     "NetSuite is kept.")
    hold_release_statuses: frozenset[int] = Field(
        frozenset({0, 4, 5, 6}), description="(JSON list) BigCommerce statuses whose stock is not held "
        "(Incomplete, Refunded, Cancelled, Declined).")


@lru_cache(maxsize=1)
def get_inventory_settings() -> InventorySettings:
    return InventorySettings()
