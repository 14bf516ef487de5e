"""Catalog V3: products and their variants."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from .base import Money, OptionalMoney, ReadModel, Text, WriteModel


class OptionValue(ReadModel):
    id: int
    option_id: int
    option_display_name: Text = ""
    label: Text = ""


class Variant(ReadModel):
    id: int
    product_id: int
    sku: str
    sku_id: int | None = None
    price: OptionalMoney = None
    sale_price: OptionalMoney = None
    cost_price: OptionalMoney = None
    calculated_price: OptionalMoney = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool = False
    option_values: list[OptionValue] = Field(default_factory=list)


class Product(ReadModel):
    id: int
    name: Text
    type: Text = "physical"
    sku: Text = ""
    price: Money = Decimal(0)
    sale_price: Money = Decimal(0)
    cost_price: Money = Decimal(0)
    calculated_price: Money = Decimal(0)
    inventory_level: int = 0
    inventory_tracking: Literal["none", "product", "variant"] = "none"
    is_visible: bool = True
    base_variant_id: int | None = None
    date_created: datetime | None = None
    date_modified: datetime | None = None
    variants: list[Variant] | None = None


class VariantUpdate(WriteModel):
    """One element of the batch ``PUT /v3/catalog/variants`` (≤50 per request)."""

    id: int
    price: Decimal | None = None
    sale_price: Decimal | None = None
    cost_price: Decimal | None = None
    retail_price: Decimal | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool | None = None
    upc: str | None = None
