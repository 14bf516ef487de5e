"""Commands for the writers (``ns.commands``) and the outcome of every write (``sync.results``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from streams.contract.envelope import Envelope, Model
from streams.contract.money import Charge, Money


class CustomerSpec(Model):
    """Who the sales order is for; matched in NetSuite by normalised email, created when new."""

    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone: str = ""
    is_guest: bool = False
    bc_customer_id: int = 0


LineKind = Literal["product", "custom", "discount", "handling", "tax", "rounding"]


class CommandLine(Model):
    """One line of a sales order, as planned and as written (the one line type of the order flow)."""

    kind: LineKind = Field(description="custom: a BigCommerce custom product line, booked on the configured item.")
    item_ref: str = Field(description="NetSuite itemid (the SKU for products).")
    quantity: Decimal = Field(Decimal(1), ge=0)
    rate: Money | None = None
    amount: Money = Field(description="Tax-exclusive; negative for discounts.")
    description: str = ""
    bc_order_product_id: int | None = None
    tax_code_id: str | None = Field(None, description="NetSuite tax code (suitetax and legacy tax modes).")
    tax_amount: Money | None = Field(None, description="Tax of this line exactly as BigCommerce charged it "
                                     "(negative on discounts); suitetax and legacy tax modes.")
    tax_rate: Money | None = Field(None, description="The rate (percent) the tax code was matched on.")
    ship_group: int | None = Field(None, description="BigCommerce order_address_id of the line's ship group.")


class AddressSpec(Model):
    """A NetSuite address subrecord (``shippingAddress`` / ``billingAddress``), already cut to NetSuite's lengths."""

    addressee: str = ""
    attention: str = ""
    addr1: str = ""
    addr2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = Field("", description="ISO 3166 alpha-2.")
    phone: str = ""


class ShipGroup(Model):
    """One BigCommerce shipping address of a multi-address order: a NetSuite ship-to per line."""

    order_address_id: int
    address: AddressSpec
    ship_method_id: str | None = None
    label: str = Field(description="Address book label, BC-<order>-<order_address_id>.")


TaxMode = Literal["line", "suitetax", "legacy"]


class SalesOrderCommand(Model):
    action: Literal["upsert", "close"]
    store_hash: str
    bc_order_id: int
    external_id: str = Field(description="BC-SO-<store>-<order id>: the idempotency key in NetSuite.")
    source_version: datetime = Field(description="The order's date_modified this command was built from.")
    order_created_at: datetime
    content_hash: str
    bc_total: Charge
    customer: CustomerSpec
    tran_date: str = ""
    memo: str = ""
    shipping_cost: Charge = Decimal(0)
    lines: tuple[CommandLine, ...] = ()
    currency: str = Field("", description="ISO code of the order's currency; empty: the configured default.")
    currency_id: str | None = Field(None, description="NetSuite currency internal id (mapped by the planner).")
    exchange_rate: Decimal | None = Field(None, gt=0, description="Order currency → subsidiary base currency; "
                                          "None: NetSuite's rate table applies.")
    ship_to: AddressSpec | None = None
    bill_to: AddressSpec | None = None
    ship_method_id: str | None = None
    ship_groups: tuple[ShipGroup, ...] = Field((), description="Multi-address orders only (isMultiShipTo).")
    message: str = Field("", description="The customer's message on the order.")
    phone: str = ""
    tax_mode: TaxMode = "line"
    tax_total: Charge | None = Field(None, description="BigCommerce's total_tax (suitetax and legacy modes).")
    shipping_tax_code_id: str | None = None
    shipping_tax_amount: Charge | None = None
    shipping_tax_rate: Money | None = None


class SalesOrderCommandEvent(Envelope[SalesOrderCommand]):
    """Key: BigCommerce order id."""

    TOPIC: ClassVar[str] = "ns.commands"
    #: 2: line kind "custom"; amounts bounded. 3: currency and exchange rate, addresses, ship method and ship
    #: groups, message and phone, tax mode with tax codes and amounts per line and for shipping.
    SCHEMA_VERSION: ClassVar[int] = 3
    READS_VERSIONS: ClassVar[tuple[int, ...]] = (1, 2)
    type: Literal["ns.sales_order.command"]
    schema_version: Literal[3]


class SyncResult(Model):
    object_type: str
    source_id: str
    external_id: str | None = None
    target_id: str | None = None
    status: Literal["synced", "parked", "failed", "skipped", "closed"]
    detail: str = ""
    latency_ms: float | None = Field(None, description="Source event time → written, when known.")


class SyncResultEvent(Envelope[SyncResult]):
    """Key: the object key (BigCommerce order id for orders)."""

    TOPIC: ClassVar[str] = "sync.results"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["sync.result"]
    schema_version: Literal[1]
