"""Orders V2 shipments: what was sent, from which address, with which tracking."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from .base import Money, ReadModel, Text, V2Date, WriteModel


class ShipmentItem(ReadModel):
    order_product_id: int
    quantity: int
    product_id: int | None = None


class Shipment(ReadModel):
    id: int
    order_id: int
    customer_id: int = 0
    order_address_id: int
    date_created: V2Date = None
    tracking_number: Text = ""
    shipping_method: Text = ""
    shipping_provider: Text = ""
    tracking_carrier: Text = ""
    tracking_link: Text = ""
    generated_tracking_link: Text = ""
    comments: Text = ""
    merchant_shipping_cost: Money = Decimal(0)
    items: list[ShipmentItem] = Field(default_factory=list)


class ShipmentItemCreate(WriteModel):
    order_product_id: int
    quantity: int = Field(gt=0)


class ShipmentCreate(WriteModel):
    order_address_id: int
    items: list[ShipmentItemCreate]
    tracking_number: str | None = Field(default=None, max_length=50)
    shipping_provider: str | None = None
    tracking_carrier: str | None = None
    tracking_link: str | None = Field(default=None, max_length=500)
    shipping_method: str | None = None
    comments: str | None = None


class ShipmentUpdate(WriteModel):
    order_address_id: int | None = None
    tracking_number: str | None = Field(default=None, max_length=50)
    shipping_provider: str | None = None
    tracking_carrier: str | None = None
    tracking_link: str | None = Field(default=None, max_length=500)
    shipping_method: str | None = None
    comments: str | None = None
