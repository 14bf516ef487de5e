"""Orders V3 payment actions: refund quotes, refunds and transactions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from .base import Money, OptionalMoney, ReadModel, Text, WriteModel

RefundItemType = Literal["PRODUCT", "GIFT_WRAPPING", "ORDER", "SHIPPING", "HANDLING", "TAX", "FEE"]


class RefundItem(WriteModel):
    """One line of a refund quote or refund: ``quantity`` for PRODUCT, ``amount`` otherwise."""

    item_type: RefundItemType
    item_id: int
    quantity: int | None = None
    amount: Decimal | None = None
    reason: str | None = Field(default=None, max_length=1000)


class RefundPayment(WriteModel):
    provider_id: str
    amount: Decimal
    offline: bool = False


class RefundMethod(ReadModel):
    provider_id: str
    provider_description: Text = ""
    amount: Money
    offline: bool = False
    offline_provider: bool = False
    offline_reason: Text = ""


class RefundQuote(ReadModel):
    order_id: int
    total_refund_amount: Money
    total_refund_tax_amount: Money = Decimal(0)
    order_level_refund_amount: Money = Decimal(0)
    rounding: Money = Decimal(0)
    adjustment: Money = Decimal(0)
    tax_inclusive: bool = False
    refund_methods: list[list[RefundMethod]] = Field(default_factory=list)


class RefundPaymentResult(ReadModel):
    id: int
    provider_id: str
    amount: Money
    offline: bool = False
    is_declined: bool = False
    declined_message: Text = ""


class RefundItemResult(ReadModel):
    item_type: str
    item_id: int
    quantity: int | None = None
    reason: str | None = None
    requested_amount: OptionalMoney = None


class Refund(ReadModel):
    id: int
    order_id: int
    user_id: int = 0
    created: datetime
    reason: str | None = None
    total_amount: Money
    total_tax: Money = Decimal(0)
    uses_merchant_override_values: bool = False
    items: list[RefundItemResult] = Field(default_factory=list)
    payments: list[RefundPaymentResult] = Field(default_factory=list)


class Transaction(ReadModel):
    id: int
    order_id: str
    event: str
    method: Text = ""
    amount: Money
    currency: Text = ""
    gateway: Text = ""
    gateway_transaction_id: str | None = None
    date_created: datetime | None = None
    status: Text = ""
