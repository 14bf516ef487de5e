"""NetSuite change records (:mod:`connectors.netsuite.changes`) → the contract's events (the mapping is pure).

Event ids are deterministic, from what identifies the version a record describes, so a change handed
on twice (a crash between the publish and the source's bookkeeping) is the same event and consumers
drop it:

- ``NsItemEvent``, key SKU: (account, ``item``, item id, lastmodifieddate, row fingerprint);
- ``NsStockEvent``, key SKU: (account, ``stock``, ``item@location``, version, ``on hand/committed/available``);
- ``NsFulfilmentEvent``, key the BigCommerce order id, else the sales order id, else the fulfilment id
  (a deletion: the fulfilment id): (account, ``fulfilment``, fulfilment id, lastmodifieddate, row
  fingerprint); a deletion (account, ``fulfilment-deleted``, fulfilment id, deletion date, row fingerprint);
- ``NsPriceEvent``, key SKU: (account, ``prices``, item id, table version, the item's lastmodifieddate,
  digest of the whole price table);
- ``NsCustomerEvent``, key the customer's internal id: (account, ``customer``, customer id, version,
  lastmodifieddate, digest of the payload's fields).

:func:`publishing` hands each event to the publisher; an item's price table the contract cannot carry is
set aside (:func:`unfit_price_exception`) instead of stopping the source.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import assert_never

from pydantic import ValidationError

from connectors.netsuite.changes import (
    Change,
    ChangeHandler,
    CustomerChange,
    FulfilmentChange,
    ItemChange,
    ItemPricingChange,
    PriceRowChange,
    StockChange,
)
from state import exceptions
from streams.contract import (
    NsCustomer,
    NsCustomerEvent,
    NsFulfilment,
    NsFulfilmentEvent,
    NsItem,
    NsItemEvent,
    NsItemPricing,
    NsPriceEvent,
    NsPriceRow,
    NsStock,
    NsStockEvent,
    Publisher,
    event_id,
)
from streams.contract.netsuite import NsFulfilmentLine, NsPackage, NsPackageLine

log = logging.getLogger(__name__)

NsEvent = NsItemEvent | NsStockEvent | NsFulfilmentEvent | NsPriceEvent | NsCustomerEvent


def source_name(account: str) -> str:
    """The envelope's ``source`` for events of this account."""
    return f"netsuite:{account}"


def norm(value: Decimal) -> str:
    """A canonical text for a quantity or price (``5.000`` and ``5`` are the same figure)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def digest(parts: Iterable[str]) -> str:
    """A short, stable hash of some texts (in the order given)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _row_text(row: PriceRowChange) -> str:
    return f"{row.price_level_id}:{row.currency}:{norm(row.min_quantity)}={norm(row.price)}:{row.price_level_name}"


def item_event(change: ItemChange) -> NsItemEvent:
    item = NsItem(
        ns_id=change.ns_id, sku=change.sku, display_name=change.display_name, item_type=change.item_type,
        is_matrix_parent=change.is_matrix_parent, parent_ns_id=change.parent_ns_id, parent_sku=change.parent_sku,
        options=change.options, is_inactive=change.is_inactive, sellable=change.sellable,
        safety_buffer=change.safety_buffer, base_price=change.base_price, last_modified=change.last_modified,
    )
    return NsItemEvent.build(
        item, key=item.sku, source=source_name(change.account), occurred_at=change.last_modified,
        event_id=event_id(change.account, "item", change.ns_id, change.modified, change.fingerprint),
    )


def stock_event(change: StockChange) -> NsStockEvent:
    stock = NsStock(
        sku=change.sku, ns_item_id=change.item_id, location_id=change.location_id,
        location_name=change.location_name, on_hand=change.on_hand, committed=change.committed,
        available=change.available, last_modified=change.read_at,
    )
    figures = "/".join(norm(v) for v in (change.on_hand, change.committed, change.available))
    return NsStockEvent.build(
        stock, key=stock.sku, source=source_name(change.account), occurred_at=change.read_at,
        event_id=event_id(change.account, "stock", f"{change.item_id}@{change.location_id}", change.version,
                          figures),
    )


def fulfilment_event(change: FulfilmentChange) -> NsFulfilmentEvent:
    fulfilment = NsFulfilment(
        ns_id=change.ns_id, tran_id=change.tran_id, sales_order_ns_id=change.sales_order_id,
        bc_order_id=change.bc_order_id, store_hash=change.store_hash, ship_date=change.ship_date,
        status=change.status, ship_method=change.ship_method, ship_method_id=change.ship_method_id,
        carrier=change.carrier, tracking_numbers=change.tracking_numbers,
        packages=tuple(NsPackage(tracking_number=p.tracking_number, carton=p.carton, weight=p.weight,
                                 lines=tuple(NsPackageLine(order_line=pl.order_line, sku=pl.sku, quantity=pl.quantity)
                                             for pl in p.lines))
                       for p in change.packages),
        lines=tuple(NsFulfilmentLine(sku=line.sku, ns_item_id=line.item_id, quantity=line.quantity,
                                     bc_order_product_id=line.bc_order_product_id, order_line=line.order_line)
                    for line in change.lines),
        last_modified=change.last_modified,
    )
    key = str(change.bc_order_id) if change.bc_order_id is not None else (change.sales_order_id or change.ns_id)
    kind = "fulfilment-deleted" if change.status == "deleted" else "fulfilment"
    return NsFulfilmentEvent.build(
        fulfilment, key=key, source=source_name(change.account), occurred_at=change.last_modified,
        event_id=event_id(change.account, kind, change.ns_id, change.modified, change.fingerprint),
    )


def price_event(change: ItemPricingChange) -> NsPriceEvent:
    pricing = NsItemPricing(
        sku=change.sku, ns_item_id=change.item_id, last_modified=change.last_modified,
        prices=tuple(NsPriceRow(price_level_id=row.price_level_id, price_level_name=row.price_level_name,
                                currency=row.currency, min_quantity=row.min_quantity, price=row.price)
                     for row in change.rows),
    )
    table = digest(sorted(_row_text(row) for row in change.rows))
    return NsPriceEvent.build(
        pricing, key=pricing.sku, source=source_name(change.account), occurred_at=change.last_modified,
        event_id=event_id(change.account, "prices", change.item_id, change.version, change.modified, table),
    )


def customer_event(change: CustomerChange) -> NsCustomerEvent:
    customer = NsCustomer(
        ns_customer_id=change.customer_id, email=change.email, entity_id=change.entity_id,
        company_name=change.company_name, is_inactive=change.is_inactive, price_level_id=change.price_level_id,
        price_level_name=change.price_level_name, last_modified=change.last_modified,
    )
    fields = digest([change.email, change.entity_id, change.company_name, str(change.is_inactive),
                     change.price_level_id or "", change.price_level_name])
    return NsCustomerEvent.build(
        customer, key=change.customer_id, source=source_name(change.account), occurred_at=change.last_modified,
        event_id=event_id(change.account, "customer", change.customer_id, change.version, change.modified,
                          fields),
    )


def to_event(change: Change) -> NsEvent:
    """The contract event of any NetSuite change record."""
    match change:
        case ItemChange():
            return item_event(change)
        case StockChange():
            return stock_event(change)
        case FulfilmentChange():
            return fulfilment_event(change)
        case ItemPricingChange():
            return price_event(change)
        case CustomerChange():
            return customer_event(change)
        case _:
            assert_never(change)


UNFIT_KIND = "ns_price_unfit"
UnfitHandler = Callable[[ItemPricingChange, str], Awaitable[None]]
"""Told of an item whose price table does not fit the contract, with the reason in plain words."""


def unfit_price_exception(change: ItemPricingChange, reason: str) -> exceptions.NewException:
    """The exception operations get for an item with a price ``ns.prices`` cannot carry (pure)."""
    item = change.sku or f"internal id {change.item_id}"
    message = (
        f"NetSuite item {item} has a price o2c cannot carry ({reason}), so its price table was not sent on and "
        "BigCommerce keeps the prices it had for this item. Correct the price in NetSuite (a number with at most "
        "4 decimal places, below 1,000,000,000,000,000); the item's whole table is sent again when it is saved. "
        "Then resolve this exception."
    )
    return exceptions.NewException(
        kind=UNFIT_KIND, object_type="item", owner="operations", severity="error", message=message,
        ns_id=change.item_id, dedupe_key=f"{UNFIT_KIND}:{change.account}:{change.item_id}",
        payload={"account": change.account, "sku": change.sku, "modified": change.modified, "rows": [
            {"price_level_id": r.price_level_id, "currency": r.currency, "min_quantity": str(r.min_quantity),
             "price": str(r.price)} for r in change.rows]},
    )


def _reason(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
    return str(exc)


def publishing(publish: Publisher, on_unfit: UnfitHandler | None = None) -> ChangeHandler:
    """A change handler for the source: each change becomes its event, published with ``publish``.

    An item's price table with a price the contract cannot carry (``NaN``, more than 4 decimal places, too
    large) is not published, so that one item cannot stop the source: it is logged and given to
    ``on_unfit``, and the consumer keeps the table it had. Any other change that does not fit raises."""

    async def hand_on(change: Change) -> None:
        try:
            event = to_event(change)
        except ValueError as exc:  # pydantic's ValidationError included: the data, not the broker
            if not isinstance(change, ItemPricingChange):
                raise
            reason = _reason(exc)
            log.warning("netsuite item %s: price table not published: %s", change.sku, reason,
                        extra={"ns_item_id": change.item_id, "sku": change.sku, "error": reason})
            if on_unfit is not None:
                await on_unfit(change, reason)
            return
        await publish(event)

    return hand_on
