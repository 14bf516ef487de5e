"""Business logic the sandbox runs on writes: defaults, line amounts and totals, statuses, transforms.

Deposits, invoices' amounts, deposit applications and journal entries: see :mod:`.cash`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox import cash, returns
from connectors.netsuite.sandbox.store import (
    ITEM_TYPE_CODES,
    TRANSACTION_TYPES,
    Record,
    Store,
    StoreError,
    already_exists,
    id_key,
    to_decimal,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")
SO_STATUS = {
    "A": "Pending Approval",
    "B": "Pending Fulfillment",
    "C": "Cancelled",
    "D": "Partially Fulfilled",
    "E": "Pending Billing/Partially Fulfilled",
    "F": "Pending Billing",
    "G": "Billed",
    "H": "Closed",
}
RA_STATUS = {
    "A": "Pending Approval",
    "B": "Pending Receipt",
    "D": "Partially Received",
    "E": "Pending Refund/Partially Received",
    "F": "Pending Refund",
    "G": "Refunded",
}
SHIP_STATUS = {"A": "Picked", "B": "Packed", "C": "Shipped"}
TRANSFORMS = {
    ("salesOrder", "itemFulfillment"),
    ("salesOrder", "invoice"),
    ("salesOrder", "cashSale"),
    ("salesOrder", "returnAuthorization"),
    ("invoice", "returnAuthorization"),
    ("invoice", "creditMemo"),
    ("returnAuthorization", "itemReceipt"),
    ("returnAuthorization", "creditMemo"),
    ("returnAuthorization", "cashRefund"),
    ("customerDeposit", "depositApplication"),
    ("customerDeposit", "customerRefund"),
}
FULFILLABLE = ("InvtPart", "NonInvtPart", "Kit", "Assembly")


class Behaviour:
    """Hooks called by the HTTP layer around :class:`Store` writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._order_items: dict[str, set[str]] = {}
        self._item_orders: dict[str, set[str]] = {}  # reverse index: item → sales orders with a line for it
        self._item_newest: dict[str, str] = {}  # item → its highest sales order id (checked against the index)
        self._bills: dict[str, set[tuple[str, str]]] = {}  # sales order → its (invoice | cashSale, id)
        #: Account rules run on customers and sales orders (set by the app: ``sales_orders``, ``tax``).
        self.rules: Callable[[str, Record], None] | None = None
        #: The account's tax engine (set by the app), also run on return authorisations and credit memos.
        self.tax_engine: Callable[[], str] = lambda: "suitetax"
        self.refunds = returns.Refunds(store)
        store.listeners.append(self.on_write)

    # -- defaults and totals ------------------------------------------------------------------------

    def _item_type(self, line: Record) -> str | None:
        ref = line.get("item")
        if not isinstance(ref, dict) or ref.get("id") is None:
            return None
        hit = self.store.by_group_id("item", str(ref["id"]))
        return ITEM_TYPE_CODES.get(hit[0]) if hit else None

    def prepare(self, record_type: str, record: Record) -> None:
        """Fill defaults and recompute derived fields (line amounts, totals, status)."""
        if record_type in TRANSACTION_TYPES:
            self._transaction(record_type, record)
        elif record_type == "customer":
            record.setdefault("isInactive", False)
            record.setdefault("isPerson", bool(record.get("firstName") or record.get("lastName")))
            if self.rules is not None:
                self.rules(record_type, record)
        elif record_type in ITEM_TYPE_CODES:
            record.setdefault("isInactive", False)
            record.setdefault("itemType", {"id": ITEM_TYPE_CODES[record_type]})

    def _transaction(self, record_type: str, record: Record) -> None:
        if record_type == "customerDeposit":
            cash.deposit(self.store, record)
            return
        if record_type == "depositApplication":
            cash.prepare_application(record)
            return
        if record_type == "journalEntry":
            cash.journal(self.store, record)
            return
        if record_type == "customerRefund":
            self.refunds.prepare(record)
            return
        subtotal = ZERO
        for line in (record.get("item") or {}).get("items") or []:
            item_type = self._item_type(line)
            if item_type:
                line["itemType"] = {"id": item_type}
            quantity = to_decimal(line.get("quantity"))
            rate = to_decimal(line.get("rate"))
            if line.get("amount") is None and rate is not None:
                line["amount"] = (rate * (quantity if quantity is not None else Decimal(1))).quantize(CENT)
            if record_type == "salesOrder":
                line.setdefault("quantityFulfilled", ZERO)
                line.setdefault("quantityBilled", ZERO)
            if record_type == "returnAuthorization":
                line.setdefault("quantityReceived", ZERO)
                line.setdefault("quantityRefunded", ZERO)
            if record_type in ("itemFulfillment", "itemReceipt"):
                continue
            subtotal += to_decimal(line.get("amount")) or ZERO
        if self.rules is not None and record_type == "salesOrder":
            self.rules(record_type, record)  # may set taxTotal
        returns.apply_tax(self.store, self.tax_engine(), record_type, record)
        if record_type not in ("itemFulfillment", "itemReceipt"):
            record["subtotal"] = subtotal
            extras = sum(
                (to_decimal(record.get(k)) or ZERO for k in ("shippingCost", "handlingCost", "taxTotal")),
                ZERO,
            )
            record["total"] = subtotal + extras
        self._status(record_type, record)

    def _status(self, record_type: str, record: Record) -> None:
        if record_type == "salesOrder":
            letter = _enum_id(record.get("orderStatus")) or "B"
            record["orderStatus"] = {"id": letter if letter in "AB" else "B"}
            current = _enum_id(record.get("status"))
            if current in (None, "A", "B") or letter == "A":
                letter = letter if letter in "AB" else "B"
                record["status"] = {"id": letter, "refName": SO_STATUS[letter]}
            if current not in (None, "A", "C") and letter != "A":
                self._advance(record_type, record)  # line edits: closed lines, reduced quantities
        elif record_type == "itemFulfillment":
            letter = _enum_id(record.get("shipStatus")) or "C"
            record["shipStatus"] = {"id": letter, "refName": SHIP_STATUS.get(letter, letter)}
            record["status"] = dict(record["shipStatus"])
        elif record_type == "returnAuthorization" and not record.get("status"):
            letter = _enum_id(record.get("orderStatus")) or "B"
            record["status"] = {"id": letter, "refName": RA_STATUS.get(letter, letter)}
        elif record_type == "invoice":
            cash.invoice_amounts(record)
        elif record_type == "creditMemo":
            returns.credit_amounts(self.store, record)

    # -- transforms ---------------------------------------------------------------------------------

    def transform(self, source_type: str, source_id: str, target_type: str, body: Record) -> Record:
        if (source_type, target_type) not in TRANSFORMS:
            raise StoreError(
                400,
                "INVALID_REQUEST",
                f"The transformation of {source_type} to {target_type} is not supported.",
            )
        source = self.store.records[source_type][source_id]
        external_id = body.get("externalId")
        if external_id and self.store.eid_taken(target_type, str(external_id)):
            raise already_exists()  # a repeated transform: o2c resolves the record by its externalId
        if target_type == "depositApplication":
            return cash.apply_deposit(self.store, source_id, source, body)
        if target_type == "customerRefund":
            return returns.refund_from_deposit(source_id, source, body)
        status = _enum_id(source.get("status"))
        if source_type == "salesOrder" and status == "A":
            raise StoreError(
                400,
                "USER_ERROR",
                "Error while accessing a resource. You can not transform a sales order that is pending approval.",
            )
        lines = self._prepopulate(source_type, source, target_type)
        if not lines:
            raise StoreError(
                400,
                "USER_ERROR",
                f"Error while accessing a resource. There are no lines left to transform to {target_type}.",
            )
        base: Record = {
            "entity": source.get("entity"),
            "createdFrom": {"id": source_id},
            "subsidiary": source.get("subsidiary"),
            "currency": source.get("currency"),
            "item": {"items": lines},
        }
        if source.get("location"):
            base["location"] = source["location"]
        if target_type == "itemFulfillment":
            base["shipStatus"] = {"id": "C"}
            base["shipMethod"] = source.get("shipMethod")
        merged = {k: v for k, v in base.items() if v is not None}
        requested = dict(body)
        item_patch = requested.pop("item", None)
        merged.update({k: v for k, v in requested.items()})
        # Merge the request's lines over the pre-populated ones by orderLine.
        if isinstance(item_patch, dict) and isinstance(item_patch.get("items"), list):
            by_line = {str(line["orderLine"]): line for line in lines}
            added = [dict(x) for x in item_patch["items"] if returns.added_line(target_type, x)]
            source_lines = {str(line.get("line")) for line in (source.get("item") or {}).get("items") or []}
            for index, wanted in enumerate(item_patch["items"]):
                if returns.added_line(target_type, wanted):
                    continue
                key = str(wanted.get("orderLine"))
                skip = wanted.get("itemReceive")
                if key not in by_line and key in source_lines and (skip is False or str(skip).lower() == "false"):
                    continue  # skipping a line that has nothing open (not pre-populated) changes nothing
                if key not in by_line:
                    raise StoreError(
                        400,
                        "INVALID_CONTENT",
                        "Error while accessing a resource. "
                        f"You have entered an Invalid Field Value {key} for the following field: "
                        "orderLine",
                        f"item.items[{index}].orderLine",
                    )
                by_line[key].update(wanted)
        kept: list[Record] = []
        added = added if isinstance(item_patch, dict) and isinstance(item_patch.get("items"), list) else []
        for line in lines:
            receive = line.pop("itemReceive", True)
            if receive is False or str(receive).lower() == "false":
                continue
            remaining = line.pop("quantityRemaining")
            quantity = to_decimal(line.get("quantity")) or ZERO
            if quantity <= 0 or quantity > remaining:
                raise StoreError(
                    400,
                    "USER_ERROR",
                    "Error while accessing a resource. "
                    f"You can not {target_type} more than the remaining quantity "
                    f"({remaining}) for line {line['orderLine']}.",
                )
            line["quantity"] = quantity
            if line.get("rate") is not None and target_type not in cash.BILL_TYPES:
                line["amount"] = (to_decimal(line["rate"]) * quantity).quantize(CENT)  # type: ignore[operator]
            kept.append(line)
        returns.finish_lines(target_type, merged, kept, added)
        if not kept:
            raise StoreError(
                400,
                "USER_ERROR",
                "Error while accessing a resource. You must enter at least one line item for this transaction.",
            )
        merged["item"] = {"items": kept}
        if source_type == "salesOrder" and target_type in cash.BILL_TYPES:
            cash.bill(source, self.bills_of(source_id), kept, requested, merged)
        return merged

    def _prepopulate(self, source_type: str, source: Record, target_type: str) -> list[Record]:
        counter = {
            "itemFulfillment": "quantityFulfilled",
            "invoice": "quantityBilled",
            "cashSale": "quantityBilled",
            "itemReceipt": "quantityReceived",
            "creditMemo": "quantityRefunded",
            "cashRefund": "quantityRefunded",
            "returnAuthorization": "quantityReturned",
        }[target_type]
        lines = []
        for line in (source.get("item") or {}).get("items") or []:
            item_type = _enum_id(line.get("itemType"))
            if target_type in ("itemFulfillment", "itemReceipt") and item_type not in FULFILLABLE:
                continue
            ordered = to_decimal(line.get("quantity")) or Decimal(1)
            done = to_decimal(line.get(counter)) or ZERO
            limit = returns.limit(source_type, target_type, line, ordered)  # None: closed, or not returnable
            if limit is None:
                continue
            if target_type in ("invoice", "cashSale") and item_type in FULFILLABLE and source_type == "salesOrder":
                limit = to_decimal(line.get("quantityFulfilled")) or ZERO
            remaining = limit - done
            if remaining <= 0:
                continue
            new: Record = {
                "orderLine": line.get("line"),
                "item": line.get("item"),
                "quantity": remaining,
                "quantityRemaining": remaining,
                "itemReceive": True,
            }
            returns.copy_fields(source_type, target_type, line, new)
            lines.append(new)
        return lines

    def after_transform(self, source_type: str, source_id: str, target_type: str, created: Record) -> None:
        """Roll quantities back onto the source lines, move stock, advance statuses."""
        source = self.store.records[source_type][source_id]
        if target_type == "depositApplication":
            cash.after_application(self.store, source, created)
            return
        if target_type == "customerRefund":
            return  # the store listener moved the amounts
        counter = {
            "itemFulfillment": "quantityFulfilled",
            "invoice": "quantityBilled",
            "cashSale": "quantityBilled",
            "itemReceipt": "quantityReceived",
            "creditMemo": "quantityRefunded",
            "cashRefund": "quantityRefunded",
            "returnAuthorization": "quantityReturned",
        }[target_type]
        by_line = {str(line.get("line")): line for line in (source.get("item") or {}).get("items") or []}
        default_location = (created.get("location") or source.get("location") or {}).get("id")
        for line in (created.get("item") or {}).get("items") or []:
            src = by_line.get(str(line.get("orderLine")))
            if src is None:
                continue
            quantity = to_decimal(line.get("quantity")) or ZERO
            src[counter] = (to_decimal(src.get(counter)) or ZERO) + quantity
            location = (line.get("location") or {}).get("id") or default_location
            if target_type == "itemFulfillment" and location:
                self.move_stock(str(line["item"]["id"]), str(location), -quantity)
            if target_type == "itemReceipt" and location:
                self.move_stock(str(line["item"]["id"]), str(location), quantity)
        self._advance(source_type, source)
        self.store.touch(source)

    def advance(self, source_type: str, source: Record) -> None:
        """Recompute a sales order's or return authorisation's status from its line quantities."""
        self._advance(source_type, source)

    def _advance(self, source_type: str, source: Record) -> None:
        lines = [x for x in (source.get("item") or {}).get("items") or []]
        if source_type == "salesOrder" and lines and all(returns.closed(x) for x in lines):
            source["status"] = {"id": "H", "refName": SO_STATUS["H"]}
        elif source_type == "salesOrder":
            lines = [x for x in lines if not returns.closed(x)]
            goods = [x for x in lines if _enum_id(x.get("itemType")) in FULFILLABLE] or lines
            ordered = [to_decimal(x.get("quantity")) or ZERO for x in goods]
            shipped = [to_decimal(x.get("quantityFulfilled")) or ZERO for x in goods]
            billed = [to_decimal(x.get("quantityBilled")) or ZERO for x in goods]
            if all(b >= o for b, o in zip(billed, ordered, strict=True)):
                letter = "G"
            elif all(s >= o for s, o in zip(shipped, ordered, strict=True)):
                letter = "F"
            elif any(s > 0 for s in shipped):
                letter = "E" if any(b > 0 for b in billed) else "D"
            else:
                letter = "B"
            source["status"] = {"id": letter, "refName": SO_STATUS[letter]}
        elif source_type == "returnAuthorization":
            ordered = [to_decimal(x.get("quantity")) or ZERO for x in lines]
            received = [to_decimal(x.get("quantityReceived")) or ZERO for x in lines]
            refunded = [to_decimal(x.get("quantityRefunded")) or ZERO for x in lines]
            if all(r >= o for r, o in zip(refunded, ordered, strict=True)):
                letter = "G"
            elif all(r >= o for r, o in zip(received, ordered, strict=True)):
                letter = "F"
            elif any(r > 0 for r in received):
                letter = "D"
            else:
                letter = "B"
            source["status"] = {"id": letter, "refName": RA_STATUS[letter]}

    # -- stock --------------------------------------------------------------------------------------
    #
    # Per item and location: on hand is what is physically there; committed is open sales-order
    # quantity allocated against it (oldest order first, never more than on hand: the rest is back
    # ordered); available = on hand - committed. A sales order write commits, a fulfilment relieves
    # on hand and the commitment together, an item receipt adds to on hand.

    def move_stock(self, item_id: str, location_id: str, delta: Decimal) -> None:
        hit = self.store.by_group_id("item", item_id)
        if hit is None or hit[0] != "inventoryItem":
            return
        row = self.stock_row(hit[1], location_id)
        row["quantityOnHand"] = (to_decimal(row.get("quantityOnHand")) or ZERO) + delta
        self.recompute_committed({item_id})

    def set_stock(self, item_id: str, location_id: str, on_hand: Decimal) -> None:
        hit = self.store.by_group_id("item", item_id)
        if hit is None or hit[0] != "inventoryItem":
            raise StoreError(404, "NONEXISTENT_ID", f"Inventory item {item_id} does not exist.")
        if self.store.by_group_id("location", location_id) is None:
            raise StoreError(404, "NONEXISTENT_ID", f"Location {location_id} does not exist.")
        row = self.stock_row(hit[1], location_id)
        row["quantityOnHand"] = on_hand
        self.recompute_committed({item_id})

    def stock_row(self, item: Record, location_id: str) -> Record:
        rows: list[Record] = item.setdefault("locations", {"items": []})["items"]
        for row in rows:
            if str(row.get("locationId")) == str(location_id):
                return row
        loc = self.store.records["location"].get(str(location_id), {})
        row = {
            "locationId": str(location_id),
            "location": loc.get("name", str(location_id)),
            "quantityOnHand": ZERO,
            "quantityCommitted": ZERO,
            "quantityAvailable": ZERO,
            "quantityBackOrdered": ZERO,
        }
        rows.append(row)
        return row

    def bills_of(self, order_id: str) -> list[Record]:
        """The invoices and cash sales made from sales order ``order_id`` (oldest first)."""
        found = []
        for record_type, record_id in sorted(self._bills.get(order_id, set()), key=lambda x: id_key(x[1])):
            record = self.store.records[record_type].get(record_id)
            if record is not None and _enum_id(record.get("createdFrom")) == order_id:
                found.append(record)
        return found

    def on_write(self, record_type: str, record: Record) -> None:
        """Store listener: a sales order write changes what is committed; bills are indexed by order."""
        if record_type == "customerRefund" and record["id"] in self.store.records[record_type]:
            self.refunds.on_write(record)
        if record_type in cash.BILL_TYPES and _enum_id(record.get("createdFrom")) is not None:
            self._bills.setdefault(str(_enum_id(record.get("createdFrom"))), set()).add(
                (record_type, str(record["id"])))
        if record_type == "salesOrder":
            items = {
                str(line["item"]["id"])
                for line in (record.get("item") or {}).get("items") or []
                if isinstance(line.get("item"), dict) and line["item"].get("id") is not None
            }
            order_id = str(record["id"])
            previous = self._order_items.get(order_id, set())
            self._order_items[order_id] = items
            for item_id in previous - items:
                self._item_orders.get(item_id, set()).discard(order_id)
            newest = all(id_key(other) < id_key(order_id) for item_id in items
                         if (other := self._newest_order(item_id)) is not None)
            for item_id in items:
                self._item_orders.setdefault(item_id, set()).add(order_id)
                cached = self._item_newest.get(item_id)
                if cached is not None and id_key(order_id) > id_key(cached):
                    self._item_newest[item_id] = order_id
            if not previous and newest:
                self._allocate_new_order(record, items)  # FIFO: nothing older is affected
            else:
                self.recompute_committed(items | previous)

    def _newest_order(self, item_id: str) -> str | None:
        """The highest internal id among the sales orders on ``item_id`` (before this write)."""
        orders = self._item_orders.get(item_id)
        if not orders:
            return None
        newest = self._item_newest.get(item_id)
        if newest not in orders:  # first use, or the newest order left the item: look again
            newest = self._item_newest[item_id] = max(orders, key=id_key)
        return newest

    def _allocate_new_order(self, order: Record, item_ids: set[str]) -> None:
        """Commit a new, newest sales order's lines from what is still available (as the full recompute would)."""
        for item_id, location, line, open_quantity in _open_lines(order, item_ids):
            item = self.store.records["inventoryItem"].get(item_id)
            if item is None:
                continue
            row = next((r for r in (item.get("locations") or {}).get("items") or []
                        if str(r.get("locationId")) == location), None)
            if row is None:
                continue
            on_hand = to_decimal(row.get("quantityOnHand")) or ZERO
            committed = to_decimal(row.get("quantityCommitted")) or ZERO
            allocated = min(open_quantity, max(on_hand - committed, ZERO))
            line["quantityCommitted"] = allocated
            line["quantityBackOrdered"] = open_quantity - allocated
            row["quantityCommitted"] = committed + allocated
            back_ordered = to_decimal(row.get("quantityBackOrdered")) or ZERO
            row["quantityBackOrdered"] = back_ordered + open_quantity - allocated
            row["quantityAvailable"] = on_hand - row["quantityCommitted"]

    def recompute_committed(self, item_ids: set[str] | None = None) -> None:
        """Allocate open sales-order lines against on hand, per item and location."""
        demand: dict[tuple[str, str], list[tuple[Record, Decimal]]] = {}
        for order in self._orders_for(item_ids):
            for item_id, location, line, open_quantity in _open_lines(order, item_ids):
                demand.setdefault((item_id, location), []).append((line, open_quantity))
        items = self.store.all("inventoryItem") if item_ids is None else [
            item for item in (self.store.records["inventoryItem"].get(i) for i in item_ids) if item is not None
        ]
        for item in items:
            for row in (item.get("locations") or {}).get("items") or []:
                on_hand = to_decimal(row.get("quantityOnHand")) or ZERO
                remaining, committed, back_ordered = on_hand, ZERO, ZERO
                for line, open_quantity in demand.get((item["id"], str(row.get("locationId"))), []):
                    allocated = min(open_quantity, max(remaining, ZERO))
                    line["quantityCommitted"] = allocated
                    line["quantityBackOrdered"] = open_quantity - allocated
                    committed += allocated
                    back_ordered += open_quantity - allocated
                    remaining -= allocated
                row["quantityCommitted"] = committed
                row["quantityBackOrdered"] = back_ordered
                row["quantityAvailable"] = on_hand - committed


    def _orders_for(self, item_ids: set[str] | None) -> list[Record]:
        """Sales orders with a line for one of ``item_ids`` (all when None), oldest first."""
        if item_ids is None:
            return self.store.all("salesOrder")
        order_ids: set[str] = set()
        for item_id in item_ids:
            order_ids |= self._item_orders.get(item_id, set())
        records = self.store.records["salesOrder"]
        ordered = sorted(order_ids, key=id_key)
        return [records[i] for i in ordered if i in records]



def _open_lines(order: Record, item_ids: set[str] | None) -> Iterator[tuple[str, str, Record, Decimal]]:
    """(item, location, line, open quantity) for the order's lines that commit stock; resets their commitment."""
    status = _enum_id(order.get("status")) or "B"
    order_location = _enum_id(order.get("location"))
    for line in (order.get("item") or {}).get("items") or []:
        item_id = _enum_id(line.get("item"))
        if item_id is None or (item_ids is not None and item_id not in item_ids):
            continue
        line["quantityCommitted"] = ZERO
        if _enum_id(line.get("itemType")) != "InvtPart" or status in ("A", "C", "H"):
            continue
        if line.get("isClosed") is True or _enum_id(line.get("commitInventory")) == "3":
            continue
        open_quantity = (to_decimal(line.get("quantity")) or ZERO) - (to_decimal(line.get("quantityFulfilled")) or ZERO)
        location = _enum_id(line.get("location")) or _enum_id(line.get("inventorylocation")) or order_location
        if open_quantity <= 0 or location is None:
            continue
        yield item_id, location, line, open_quantity


def _enum_id(value: Any) -> str | None:
    if isinstance(value, dict):
        raw = value.get("id")
        return str(raw) if raw is not None else None
    return str(value) if value is not None else None
