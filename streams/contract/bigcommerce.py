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
from streams.contract.money import Charge, Money


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
    amount: Charge = Field(description="Discount on this line (positive).")
    target: str = "order"


class BcOrderLine(Model):
    order_product_id: int = Field(description="BigCommerce order product id (link kept in NetSuite custcol).")
    product_id: int = Field(0, description="0 for a custom product line (no catalogue product).")
    variant_id: int | None = None
    sku: str
    name: str
    quantity: int = Field(ge=0)
    order_address_id: int = 0
    price_ex_tax: Charge
    price_inc_tax: Charge
    total_ex_tax: Charge
    total_inc_tax: Charge
    total_tax: Charge
    applied_discounts: tuple[BcAppliedDiscount, ...] = ()
    options: tuple[tuple[str, str], ...] = Field(default=(), description="(option name, value), e.g. Size/M.")


class BcShippingAddress(BcAddress):
    id: int
    shipping_method: str = ""
    cost_ex_tax: Charge = Decimal(0)
    cost_inc_tax: Charge = Decimal(0)
    cost_tax: Charge = Decimal(0)
    cost_tax_class_id: int | None = Field(None, description="BigCommerce tax class of this address's shipping.")
    handling_cost_ex_tax: Charge = Decimal(0)
    handling_cost_tax: Charge = Decimal(0)


class BcCoupon(Model):
    code: str | None = None
    amount: Money = Field(description="The coupon's configured value (percent or amount).")
    discount: Charge = Field(description="What the coupon took off this order.")
    type: int = 0


class BcTransaction(Model):
    id: int
    event: str = Field(description="purchase, authorization, capture, refund, void…")
    method: str = ""
    amount: Money
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
    currency_exchange_rate: Decimal = Field(
        Decimal(1), gt=0, description="BigCommerce's rate store default currency → order currency (1 when the "
        "order is in the store's default currency or was created by API).")
    default_currency_code: str = Field("", description="BigCommerce's transactional currency of the order.")
    store_default_currency_code: str = Field("", description="The store's default currency (multi-currency on).")
    is_tax_inclusive_pricing: bool
    subtotal_ex_tax: Charge
    subtotal_inc_tax: Charge
    subtotal_tax: Charge
    shipping_cost_ex_tax: Charge
    shipping_cost_inc_tax: Charge
    shipping_cost_tax: Charge
    shipping_cost_tax_class_id: int | None = None
    handling_cost_ex_tax: Charge
    handling_cost_inc_tax: Charge
    handling_cost_tax: Charge = Decimal(0)
    handling_cost_tax_class_id: int | None = None
    wrapping_cost_ex_tax: Charge = Decimal(0)
    wrapping_cost_inc_tax: Charge = Decimal(0)
    wrapping_cost_tax: Charge = Decimal(0)
    discount_amount: Charge = Field(description="Order-level manual discount (positive).")
    coupon_discount: Charge = Field(description="Total taken off by coupons (positive).")
    total_ex_tax: Charge
    total_inc_tax: Charge = Field(description="What the customer was charged: the truth for reconciliation.")
    total_tax: Charge
    refunded_amount: Charge = Decimal(0)
    store_credit_amount: Charge = Decimal(0)
    gift_certificate_amount: Charge = Decimal(0)
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
    #: 2: amounts bounded and never negative; product_id 0 = custom line. 3: currency exchange rate and default
    #: currencies, shipping/handling tax and tax classes (order and shipping address), wrapping tax.
    SCHEMA_VERSION: ClassVar[int] = 3
    READS_VERSIONS: ClassVar[tuple[int, ...]] = (1, 2)
    type: Literal["bc.order.snapshot"]
    schema_version: Literal[3]


class BcRefundItem(Model):
    item_type: str = Field(description="PRODUCT, SHIPPING, HANDLING, ORDER, GIFT_WRAPPING.")
    item_id: int = Field(description="For PRODUCT: the order_product_id.")
    quantity: int | None = None
    requested_amount: Money | None = None
    reason: str | None = None


class BcRefundPayment(Model):
    id: int
    provider_id: str
    amount: Money
    offline: bool = False
    is_declined: bool = False


class BcRefund(Model):
    store_hash: str
    order_id: int
    refund_id: int
    created: datetime
    reason: str | None = None
    total_amount: Money
    total_tax: Money = Decimal(0)
    items: tuple[BcRefundItem, ...] = ()
    payments: tuple[BcRefundPayment, ...] = ()


class BcRefundEvent(Envelope[BcRefund]):
    """A refund; ``event_id`` = hash(store, "refund", refund id)."""

    TOPIC: ClassVar[str] = "bc.refunds"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["bc.refund.created"]
    schema_version: Literal[1]
