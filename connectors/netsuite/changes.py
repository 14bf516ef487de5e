"""What the NetSuite change source found: one typed record per new version of an item, a stock figure,
a fulfilment, an item's price table or a customer, handed to an async callback (:data:`ChangeHandler`).

The records are the connector's own: they carry NetSuite's values, already parsed (quantities and
money as ``Decimal``, times as aware UTC datetimes), plus what identifies the version they describe
(``modified`` as NetSuite wrote it, a ``fingerprint`` of the row, a stock ``version``), so whoever
turns them into events can derive deterministic ids. The source moves its watermark only after the
callback returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A version of an item: a matrix parent, a child with its options, or a plain item."""

    account: str
    ns_id: str
    sku: str  # NetSuite itemid
    display_name: str
    item_type: str  # record type: inventoryItem, nonInventoryResaleItem, …
    is_matrix_parent: bool
    parent_ns_id: str | None
    parent_sku: str | None
    options: tuple[tuple[str, str], ...]  # (option name, value), e.g. ("Size", "M")
    is_inactive: bool
    sellable: bool  # not a matrix parent, active and shown online
    safety_buffer: Decimal | None
    base_price: Decimal | None
    last_modified: datetime
    modified: str  # lastmodifieddate as NetSuite wrote it (one-second resolution)
    fingerprint: str  # of the row's content: tells two versions within one second apart


@dataclass(frozen=True, slots=True)
class StockChange:
    """An item's figures at one location that differ from the last ones handed on."""

    account: str
    item_id: str
    sku: str
    location_id: str
    location_name: str
    on_hand: Decimal
    committed: Decimal
    available: Decimal
    read_at: datetime  # NetSuite's server time of the poll (it keeps no per-location timestamp)
    version: int  # 1 for the first figures of this item at this location, +1 for each change


@dataclass(frozen=True, slots=True)
class FulfilmentLineChange:
    sku: str
    item_id: str
    quantity: Decimal
    bc_order_product_id: int | None  # from the sales order line's link field
    order_line: str = ""  # the sales order line it ships


@dataclass(frozen=True, slots=True)
class PackageLineChange:
    order_line: str
    sku: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class PackageChange:
    """One package of a fulfilment; ``lines`` empty when NetSuite does not say what it holds."""

    tracking_number: str
    carton: str = ""
    weight: Decimal | None = None
    lines: tuple[PackageLineChange, ...] = ()


@dataclass(frozen=True, slots=True)
class FulfilmentChange:
    """A version of an item fulfilment, with its lines, tracking numbers and packages; or its deletion
    (``status`` "deleted", only ``ns_id``, ``tran_id`` and the deletion time are known)."""

    account: str
    ns_id: str
    tran_id: str
    sales_order_id: str  # "" when NetSuite names none
    bc_order_id: int | None  # from the sales order's link field, else its BC-SO-<store>-<id> externalId
    ship_date: date | None
    status: str  # picked, packed, shipped or deleted
    ship_method: str
    carrier: str
    tracking_numbers: tuple[str, ...]
    lines: tuple[FulfilmentLineChange, ...]
    last_modified: datetime
    modified: str  # lastmodifieddate as NetSuite wrote it (the deletion date of a deletion)
    fingerprint: str
    store_hash: str = ""  # the sales order's custbody_bc_store_hash, when set
    ship_method_id: str = ""
    packages: tuple[PackageChange, ...] = ()


@dataclass(frozen=True, slots=True)
class PriceRowChange:
    """One row of an item's price table."""

    price_level_id: str
    price_level_name: str
    currency: str  # symbol, "" when the row names none
    min_quantity: Decimal  # quantity break, 0 for the base row
    price: Decimal


@dataclass(frozen=True, slots=True)
class ItemPricingChange:
    """An item's whole price table, whenever it differs from the last one handed on (``rows`` empty: the
    item is priced nowhere any more)."""

    account: str
    item_id: str
    sku: str
    rows: tuple[PriceRowChange, ...]  # ordered by level, currency and quantity break
    last_modified: datetime  # the item's
    modified: str  # the item's lastmodifieddate as NetSuite wrote it
    version: int = 1  # 1 for the item's first table handed on, +1 for each change


@dataclass(frozen=True, slots=True)
class CustomerChange:
    """A version of a customer whose email, price level or inactive flag differ from the last handed on."""

    account: str
    customer_id: str
    email: str
    entity_id: str
    company_name: str
    is_inactive: bool
    price_level_id: str | None  # None when the customer has no price level
    price_level_name: str
    last_modified: datetime
    modified: str  # lastmodifieddate as NetSuite wrote it
    version: int = 1  # 1 for the customer's first version handed on, +1 for each change


Change = ItemChange | StockChange | FulfilmentChange | ItemPricingChange | CustomerChange

ChangeHandler = Callable[[Change], Awaitable[None]]
"""Takes one change and returns once it is safely handed on (in the worker: on its Kafka topic)."""
