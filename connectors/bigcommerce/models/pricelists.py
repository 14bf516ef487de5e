"""Price Lists V3: lists, their records and their customer-group assignments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .base import OptionalMoney, ReadModel, Text, WriteModel


class PriceList(ReadModel):
    id: int
    name: Text
    active: bool = True
    date_created: datetime | None = None
    date_modified: datetime | None = None


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
    date_created: datetime | None = None
    date_modified: datetime | None = None


class PriceRecordUpsert(WriteModel):
    """One element of ``PUT /v3/pricelists/{id}/records`` (≤1,000 per request)."""

    currency: str
    price: Decimal
    variant_id: int | None = None
    sku: str | None = None
    sale_price: Decimal | None = None
    retail_price: Decimal | None = None
    map_price: Decimal | None = None


class PriceListAssignment(ReadModel):
    id: int
    price_list_id: int
    customer_group_id: int | None = None
    channel_id: int | None = None
