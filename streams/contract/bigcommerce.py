"""Events sourced from BigCommerce: order snapshots (``bc.orders``) and refunds (``bc.refunds``).

A snapshot carries everything the order-to-cash flow needs, so no consumer has to call BigCommerce
again: the order's money as BigCommerce charged it (``Decimal``, 4 places as the V2 API gives them),
its lines, shipping addresses, coupons and payment transactions. Key: the BigCommerce order id.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from streams.contract.envelope import Envelope, Model


class BcAddress(Model):
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street_1: str = ""
    street_2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    country_iso2: str = ""
    phone: str = ""
    email: str = ""


class BcAppliedDiscount(Model):
    name: str = ""
    code: str | None = None
    amount: Decimal = Field(description="Discount on this line (positive).")
    target: str = "order"


class BcOrderLine(Model):
    order_product_id: int = Field(description="BigCommerce order product id (link kept in NetSuite custcol).")
    product_id: int
    variant_id: int | None = None
    sku: str
    name: str
    quantity: int = Field(ge=0)
    order_address_id: int = 0
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    total_tax: Decimal
    applied_discounts: tuple[BcAppliedDiscount, ...] = ()
    options: tuple[tuple[str, str], ...] = Field(default=(), description="(option name, value), e.g. Size/M.")


class BcShippingAddress(BcAddress):
    id: int
    shipping_method: str = ""
    cost_ex_tax: Decimal = Decimal(0)
    cost_inc_tax: Decimal = Decimal(0)
    cost_tax: Decimal = Decimal(0)


class BcCoupon(Model):
    code: str | None = None
    amount: Decimal = Field(description="The coupon's configured value (percent or amount).")
    discount: Decimal = Field(description="What the coupon took off this order.")
    type: int = 0


class BcTransaction(Model):
    id: int
    event: str = Field(description="purchase, authorization, capture, refund, void…")
    method: str = ""
    amount: Decimal
    currency: str = ""
    gateway: str = ""
    gateway_transaction_id: str | None = None
    status: str = ""
    date_created: datetime | None = None


class BcOrderSnapshot(Model):
    store_hash: str
    order_id: int
    status_id: int
    status: str
    date_created: datetime
    date_modified: datetime
    customer_id: int = Field(description="0 for a guest checkout.")
    customer_group_id: int | None = None
    email: str = Field(description="Billing email; the customer match key (normalised by consumers).")
    billing_address: BcAddress
    currency_code: str
    is_tax_inclusive_pricing: bool
    subtotal_ex_tax: Decimal
    subtotal_inc_tax: Decimal
    subtotal_tax: Decimal
    shipping_cost_ex_tax: Decimal
    shipping_cost_inc_tax: Decimal
    shipping_cost_tax: Decimal
    handling_cost_ex_tax: Decimal
    handling_cost_inc_tax: Decimal
    wrapping_cost_ex_tax: Decimal = Decimal(0)
    wrapping_cost_inc_tax: Decimal = Decimal(0)
    discount_amount: Decimal = Field(description="Order-level manual discount (positive).")
    coupon_discount: Decimal = Field(description="Total taken off by coupons (positive).")
    total_ex_tax: Decimal
    total_inc_tax: Decimal = Field(description="What the customer was charged: the truth for reconciliation.")
    total_tax: Decimal
    refunded_amount: Decimal = Decimal(0)
    store_credit_amount: Decimal = Decimal(0)
    gift_certificate_amount: Decimal = Decimal(0)
    payment_method: str = ""
    payment_provider_id: str | None = None
    is_deleted: bool = False
    customer_message: str = ""
    lines: tuple[BcOrderLine, ...]
    shipping_addresses: tuple[BcShippingAddress, ...] = ()
    coupons: tuple[BcCoupon, ...] = ()
    transactions: tuple[BcTransaction, ...] = ()


class BcOrderEvent(Envelope[BcOrderSnapshot]):
    """One version of an order. ``event_id`` is deterministic: hash(store, "order", order id, version), where
    the version is ``date_modified`` plus a short fingerprint of the order's fields (``date_modified`` has
    one-second resolution, so two changes within a second stay two versions); webhook, poller and replay
    of the same version give the same id, so consumers dedupe on it."""

    TOPIC: ClassVar[str] = "bc.orders"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["bc.order.snapshot"]
    schema_version: Literal[1]


class BcRefundItem(Model):
    item_type: str = Field(description="PRODUCT, SHIPPING, HANDLING, ORDER, GIFT_WRAPPING.")
    item_id: int = Field(description="For PRODUCT: the order_product_id.")
    quantity: int | None = None
    requested_amount: Decimal | None = None
    reason: str | None = None


class BcRefundPayment(Model):
    id: int
    provider_id: str
    amount: Decimal
    offline: bool = False
    is_declined: bool = False


class BcRefund(Model):
    store_hash: str
    order_id: int
    refund_id: int
    created: datetime
    reason: str | None = None
    total_amount: Decimal
    total_tax: Decimal = Decimal(0)
    items: tuple[BcRefundItem, ...] = ()
    payments: tuple[BcRefundPayment, ...] = ()


class BcRefundEvent(Envelope[BcRefund]):
    """A refund; ``event_id`` = hash(store, "refund", refund id)."""

    TOPIC: ClassVar[str] = "bc.refunds"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["bc.refund.created"]
    schema_version: Literal[1]
