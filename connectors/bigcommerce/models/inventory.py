"""Inventory V3: locations, stock per item and location, adjustments."""

from __future__ import annotations

from pydantic import Field

from .base import ReadModel, Text, WriteModel


class LocationSettings(ReadModel):
    safety_stock: int = 0
    is_in_stock: bool = True
    warning_level: int = 0
    bin_picking_number: Text = ""


class InventoryItemLocation(ReadModel):
    location_id: int
    location_code: Text = ""
    location_name: Text = ""
    available_to_sell: int
    total_inventory_onhand: int
    location_enabled: bool = True
    settings: LocationSettings = Field(default_factory=LocationSettings)


class InventoryIdentity(ReadModel):
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None


class InventoryItem(ReadModel):
    identity: InventoryIdentity
    locations: list[InventoryItemLocation] = Field(default_factory=list)

    def onhand(self, location_id: int | None = None) -> int:
        return sum(
            loc.total_inventory_onhand
            for loc in self.locations
            if location_id is None or loc.location_id == location_id
        )


class Location(ReadModel):
    id: int
    code: str
    label: Text = ""
    description: Text = ""
    managed_by_external_source: bool = False
    type_id: Text = "PHYSICAL"
    enabled: bool = True


class InventoryAdjustment(WriteModel):
    """One item of an absolute (or relative) adjustment; exactly one of sku/variant_id/product_id."""

    location_id: int = 1
    quantity: int
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None


class InventoryTransaction(ReadModel):
    transaction_id: str
