"""Price Lists V3: lists, their records (with bulk pricing tiers) and their customer-group assignments.

A tier with no upper bound is ``quantity_max=None``; BigCommerce reads one back as ``null`` or as
2147483647 (its int32 maximum), both read as ``None`` here so a record compares equal to what was sent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .base import Money, OptionalMoney, ReadModel, Text, WriteModel

TierType = Literal["fixed", "price", "percent"]
#: BigCommerce's "no maximum" for ``quantity_max`` (int32 max).
UNBOUNDED_QUANTITY = 2_147_483_647


class PriceList(ReadModel):
    id: int
    name: Text
    active: bool = True
    date_created: datetime | None = None
    date_modified: datetime | None = None


class BulkPricingTier(BaseModel):
    """From ``quantity_min`` units (up to ``quantity_max``, ``None`` = no limit) the unit price is
    ``amount`` (``fixed``), the price less ``amount`` (``price``) or less ``amount`` percent (``percent``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    quantity_min: int = Field(ge=1)
    quantity_max: int | None = None
    type: TierType
    amount: Money = Field(ge=0)

    @field_validator("quantity_max", mode="before")
    @classmethod
    def _unbounded(cls, value: object) -> object:
        return None if isinstance(value, int) and value >= UNBOUNDED_QUANTITY else value

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.quantity_max is not None and self.quantity_max < self.quantity_min:
            raise ValueError(f"quantity_max {self.quantity_max} is below quantity_min {self.quantity_min}")
        if self.type == "percent" and self.amount > 100:
            raise ValueError("a percent tier's amount is at most 100")
        return self


def check_tiers(tiers: list[BulkPricingTier]) -> list[BulkPricingTier]:
    """Tiers must run upwards without overlapping (an unbounded tier can only be the last)."""
    for before, after in pairwise(tiers):
        if before.quantity_max is None or after.quantity_min <= before.quantity_max:
            raise ValueError(
                f"bulk pricing tiers overlap or are out of order: {before.quantity_min}-"
                f"{before.quantity_max or '∞'} then {after.quantity_min}-{after.quantity_max or '∞'}"
            )
    return tiers


class PriceRecord(ReadModel):
    price_list_id: int
    variant_id: int
    product_id: int | None = None
    sku: str | None = None
    currency: str
    price: OptionalMoney = None
    sale_price: OptionalMoney = None
    retail_price: OptionalMoney = None
    map_price: OptionalMoney = None
    calculated_price: OptionalMoney = None
    #: only with ``include=bulk_pricing_tiers`` (the client always asks for them)
    bulk_pricing_tiers: list[BulkPricingTier] = Field(default_factory=list)
    date_created: datetime | None = None
    date_modified: datetime | None = None


class PriceRecordUpsert(WriteModel):
    """One element of ``PUT /v3/pricelists/{id}/records`` (≤1,000 per request). ``variant_id`` or
    ``sku`` names the variant; ``currency`` is lower-cased; amounts must not be negative."""

    currency: str = Field(min_length=3, max_length=3)
    price: Decimal = Field(ge=0)
    variant_id: int | None = None
    sku: str | None = None
    sale_price: Decimal | None = Field(default=None, ge=0)
    retail_price: Decimal | None = Field(default=None, ge=0)
    map_price: Decimal | None = Field(default=None, ge=0)
    bulk_pricing_tiers: list[BulkPricingTier] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("bulk_pricing_tiers")
    @classmethod
    def _tiers(cls, value: list[BulkPricingTier]) -> list[BulkPricingTier]:
        return check_tiers(value)

    @model_validator(mode="after")
    def _variant(self) -> Self:
        if self.variant_id is None and not self.sku:
            raise ValueError("a price record needs a variant_id or a sku")
        return self


class PriceListAssignment(ReadModel):
    id: int
    price_list_id: int
    customer_group_id: int | None = None
    channel_id: int | None = None
