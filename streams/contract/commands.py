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


class SalesOrderCommandEvent(Envelope[SalesOrderCommand]):
    """Key: BigCommerce order id."""

    TOPIC: ClassVar[str] = "ns.commands"
    SCHEMA_VERSION: ClassVar[int] = 2  # 2: line kind "custom"; amounts bounded
    READS_VERSIONS: ClassVar[tuple[int, ...]] = (1,)
    type: Literal["ns.sales_order.command"]
    schema_version: Literal[2]


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
