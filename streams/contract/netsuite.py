"""Events sourced from NetSuite: items, stock per location, fulfilments, item price tables and customers.

Quantities are ``Decimal`` (NetSuite allows fractional units); money is ``Decimal``. Every payload
carries NetSuite's ``last_modified`` so consumers can ignore a version older than one already seen.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from streams.contract.envelope import Envelope, Model
from streams.contract.money import Money


class NsItem(Model):
    ns_id: str = Field(description="NetSuite internal id.")
    sku: str = Field(description="NetSuite itemid, the SKU shared with BigCommerce.")
    display_name: str = ""
    item_type: str = Field(description="inventoryItem, nonInventoryResaleItem, …")
    is_matrix_parent: bool = False
    parent_ns_id: str | None = None
    parent_sku: str | None = None
    options: tuple[tuple[str, str], ...] = Field(default=(), description="Matrix options, e.g. (Size, M).")
    is_inactive: bool = False
    sellable: bool = Field(True, description="False for matrix parents and items not sold online.")
    safety_buffer: Decimal | None = Field(None, description="Per-item stock buffer (custom item field), if set.")
    base_price: Decimal | None = None
    last_modified: datetime


class NsItemEvent(Envelope[NsItem]):
    """Key: SKU. event_id = hash(account, item id, last_modified)."""

    TOPIC: ClassVar[str] = "ns.items"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["ns.item.changed"]
    schema_version: Literal[1]


class NsStock(Model):
    sku: str
    ns_item_id: str
    location_id: str
    location_name: str = ""
    on_hand: Decimal
    committed: Decimal
    available: Decimal
    last_modified: datetime


class NsStockEvent(Envelope[NsStock]):
    """Key: SKU. One event per item per location whose figures changed."""

    TOPIC: ClassVar[str] = "ns.inventory"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["ns.stock.changed"]
    schema_version: Literal[1]


class NsFulfilmentLine(Model):
    sku: str
    ns_item_id: str
    quantity: Decimal
    bc_order_product_id: int | None = Field(None, description="From the sales order line's custcol link.")
    order_line: str = Field("", description="The sales order line this fulfilment line ships (v2).")


class NsPackageLine(Model):
    """What one package holds of one fulfilment line (from the line's inventory assignments)."""

    order_line: str = Field("", description="The sales order line (the fulfilment line's orderLine).")
    sku: str = ""
    quantity: Decimal


class NsPackage(Model):
    """One package of a fulfilment: its tracking number and, when NetSuite says, its contents."""

    tracking_number: str = ""
    carton: str = Field("", description="packageCartonNumber; the key of the package's contents.")
    weight: Decimal | None = None
    lines: tuple[NsPackageLine, ...] = Field(
        (), description="Contents (empty when NetSuite does not say which lines are in this package).")


class NsFulfilment(Model):
    ns_id: str
    tran_id: str = ""
    sales_order_ns_id: str = ""
    bc_order_id: int | None = Field(None, description="From the sales order's custbody link or externalId.")
    store_hash: str = Field("", description="The sales order's custbody_bc_store_hash, when set (v2).")
    ship_date: date | None = None
    status: str = Field(description="picked, packed, shipped, or deleted (the fulfilment was deleted; v2).")
    ship_method: str = Field("", description="The ship item's name, e.g. 'UPS Ground'.")
    ship_method_id: str = Field("", description="The ship item's internal id (v2).")
    carrier: str = Field("", description="NetSuite's shipCarrier (ups, nonups, …).")
    tracking_numbers: tuple[str, ...] = ()
    packages: tuple[NsPackage, ...] = Field(
        (), description="Packages with their tracking numbers (v2; read only when there are several).")
    lines: tuple[NsFulfilmentLine, ...] = ()
    last_modified: datetime = Field(description="lastmodifieddate, or the deletion time of a deleted one.")


class NsFulfilmentEvent(Envelope[NsFulfilment]):
    """Key: BigCommerce order id (or the sales order id when the link is missing; the fulfilment id for a
    deletion, which NetSuite no longer links to anything). Version 1 payloads are valid version 2 ones."""

    TOPIC: ClassVar[str] = "ns.fulfilments"
    SCHEMA_VERSION: ClassVar[int] = 2
    READS_VERSIONS: ClassVar[tuple[int, ...]] = (1,)
    type: Literal["ns.fulfilment.changed"]
    schema_version: Literal[2]


class NsPriceRow(Model):
    """One row of an item's price table: a price level, currency and quantity break."""

    price_level_id: str
    price_level_name: str
    currency: str = Field("", description="NetSuite currency symbol (ISO code, e.g. 'USD'); '' when the row "
                                          "names none.")
    min_quantity: Decimal = Field(Decimal(0), description="Quantity break (0 = the base row).")
    price: Money = Field(description="As NetSuite holds it (may be 0 or negative: the consumer decides).")


class NsItemPricing(Model):
    """An item's whole price table: every level, currency and quantity break it is priced at now."""

    sku: str
    ns_item_id: str
    prices: tuple[NsPriceRow, ...] = Field(
        (), description="Every row the item has now; a level, currency or break not listed is not priced.")
    last_modified: datetime


class NsPriceEvent(Envelope[NsItemPricing]):
    """Key: SKU. One event per item whose price table changed (rows added, changed or removed), carrying
    the whole table. Version 1 (one event per row) is not read: its payloads said nothing of removed rows."""

    TOPIC: ClassVar[str] = "ns.prices"
    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["ns.item.prices"]
    schema_version: Literal[2]


class NsCustomer(Model):
    """A NetSuite customer's identity and default price level (B2B pricing)."""

    ns_customer_id: str
    email: str = ""
    entity_id: str = ""
    company_name: str = ""
    is_inactive: bool = False
    price_level_id: str | None = Field(None, description="customer.pricelevel; None when the customer has none.")
    price_level_name: str = ""
    last_modified: datetime


class NsCustomerEvent(Envelope[NsCustomer]):
    """Key: NetSuite customer internal id. One event per customer whose email, price level or inactive flag
    changed (and once for each customer when first read)."""

    TOPIC: ClassVar[str] = "ns.customers"
    SCHEMA_VERSION: ClassVar[int] = 1
    type: Literal["ns.customer.changed"]
    schema_version: Literal[1]
