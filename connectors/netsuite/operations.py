"""Named NetSuite operations the flows use: each a query or record body of its own, over :class:`NetSuiteClient`.

- :func:`customers_by_emails`: active customers per normalised email, oldest first;
- :func:`customers_by_external_ids`: internal ids of customers by their ``externalId``;
- :func:`document_numbers`: a transaction's document number (``tranid``) by its internal id;
- :func:`find_item`: an item's internal id and type by its ``itemid``;
- :func:`add_address_book_entries`: a customer's address-book entries by label, added when missing;
- :func:`sales_order_lines` and :func:`close_sales_order`: read a sales order's lines (with what shipped),
  then close every line. Whether to close (nothing fulfilled yet) is the caller's decision.

Every request goes through the client's governor as usual. Priority is also the caller's: a caller
that unblocks many orders with one request wraps the call in ``client.governor.ahead_of_queue()``.
SuiteQL takes at most 1,000 values in an ``IN`` list, so longer lists are sent in several queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.models import WriteResult

IN_CHUNK = 1000  # values per SuiteQL IN list (its limit)

CUSTOMERS_BY_EMAIL = (
    "SELECT id, LOWER(email) AS email_norm FROM customer WHERE LOWER(email) IN ({marks}) AND isinactive = 'F' "
    "ORDER BY datecreated, id"
)
CUSTOMERS_BY_EXTERNAL_ID = "SELECT id, externalid FROM customer WHERE externalid IN ({marks})"
DOCUMENT_NUMBERS = "SELECT id, tranid FROM transaction WHERE id IN ({marks})"
ITEM_BY_ITEMID = "SELECT id, itemtype FROM item WHERE itemid = ?"


@dataclass(frozen=True, slots=True)
class ItemRef:
    id: str
    item_type: str  # SuiteQL's itemtype code: InvtPart, Service, Discount, …; "" when NetSuite gives none


GOODS_TYPES = frozenset({"InvtPart", "NonInvtPart", "Kit", "Assembly"})
#: Sales-order line field recording how many units o2c took off a line when its order was cancelled.
CANCELLED_QUANTITY = "custcol_o2c_cancelled_quantity"


@dataclass(frozen=True, slots=True)
class SalesOrderLine:
    line: int
    quantity_fulfilled: Decimal
    is_closed: bool
    quantity: Decimal = Decimal(0)
    goods: bool = True

    @property
    def open(self) -> Decimal:
        return Decimal(0) if self.is_closed or not self.goods else max(self.quantity - self.quantity_fulfilled,
                                                                          Decimal(0))


@dataclass(frozen=True, slots=True)
class SalesOrderLines:
    """A sales order's internal id, document number and item lines."""

    id: str
    tran_id: str | None
    lines: tuple[SalesOrderLine, ...]


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


async def customers_by_emails(client: NetSuiteClient, emails: Sequence[str]) -> dict[str, list[str]]:
    """Each normalised (trimmed, lower-case) email → internal ids of the active customers that have it,
    oldest first (``[]`` when none). One SuiteQL query per 1,000 emails."""
    found: dict[str, list[str]] = {email: [] for email in emails}
    for chunk in _chunks(_unique(emails)):
        query = CUSTOMERS_BY_EMAIL.format(marks=_marks(chunk))
        async for row in client.suiteql(query, chunk):
            found.setdefault(str(row["email_norm"]), []).append(str(row["id"]))
    return found


async def customers_by_external_ids(client: NetSuiteClient, external_ids: Sequence[str]) -> dict[str, str]:
    """``externalId`` → internal id, for the customers found (as NetSuite spells the ``externalId``)."""
    found: dict[str, str] = {}
    for chunk in _chunks(_unique(external_ids)):
        query = CUSTOMERS_BY_EXTERNAL_ID.format(marks=_marks(chunk))
        found.update({str(row["externalid"]): str(row["id"]) async for row in client.suiteql(query, chunk)})
    return found


async def document_numbers(client: NetSuiteClient, ns_ids: Sequence[str]) -> dict[str, str]:
    """Transaction internal id → its document number (``tranid``), for every id found that has one."""
    found: dict[str, str] = {}
    for chunk in _chunks(_unique(ns_ids)):
        query = DOCUMENT_NUMBERS.format(marks=_marks(chunk))
        found.update({str(row["id"]): str(row["tranid"]) async for row in client.suiteql(query, chunk)
                      if row.get("tranid")})
    return found


async def find_item(client: NetSuiteClient, itemid: str) -> ItemRef | None:
    """The item whose ``itemid`` (name/number, the SKU) is ``itemid``, or ``None``."""
    rows = [row async for row in client.suiteql(ITEM_BY_ITEMID, [itemid])]
    if not rows:
        return None
    return ItemRef(id=str(rows[0]["id"]), item_type=str(rows[0].get("itemtype", "")))


async def sales_order_lines(client: NetSuiteClient, external_id: str) -> SalesOrderLines:
    """The sales order with this ``externalId`` and its item lines; :class:`~connectors.http.NotFoundError`
    if there is none."""
    record = await client.get("salesOrder", f"eid:{external_id}", expand=True)
    lines = (record.get("item") or {}).get("items") or []
    return SalesOrderLines(
        id=str(record["id"]),
        tran_id=str(record["tranId"]) if record.get("tranId") else None,
        lines=tuple(SalesOrderLine(line=int(x["line"]), is_closed=x.get("isClosed") is True,
                                   quantity_fulfilled=Decimal(str(x.get("quantityFulfilled") or 0)),
                                   quantity=Decimal(str(x.get("quantity") or 0)),
                                   goods=_type_id(x.get("itemType")) in GOODS_TYPES)
                    for x in lines),
    )


def _type_id(value: Any) -> str:
    return str(value.get("id") or "") if isinstance(value, Mapping) else str(value or "")


async def cancel_open_lines(client: NetSuiteClient, order: SalesOrderLines) -> WriteResult:
    """Take what has not shipped off a partly fulfilled order: an untouched goods line is closed, a partly
    shipped one reduced to what shipped; each records the units taken off (``custcol_o2c_cancelled_quantity``),
    so a refund of them later knows they are already off the order. Safe to repeat (lines keyed by number)."""
    items: list[dict[str, Any]] = []
    for x in order.lines:
        if x.open <= 0:
            continue
        if x.quantity_fulfilled == 0:
            items.append({"line": x.line, "isClosed": True, CANCELLED_QUANTITY: str(x.open)})
        else:
            items.append({"line": x.line, "quantity": x.quantity_fulfilled, CANCELLED_QUANTITY: str(x.open)})
    return await client.patch("salesOrder", order.id, {"item": {"items": items}})


async def close_sales_order(client: NetSuiteClient, order: SalesOrderLines) -> WriteResult:
    """Close every line of ``order`` (``isClosed: true``, lines keyed by number, so safe to repeat)."""
    body = {"item": {"items": [{"line": x.line, "isClosed": True} for x in order.lines]}}
    return await client.patch("salesOrder", order.id, body)


def _address_book(record: Mapping[str, Any]) -> dict[str, str]:
    entries = (record.get("addressBook") or {}).get("items") or []
    return {str(e["label"]): str(e.get("internalId") or e.get("id")) for e in entries
            if e.get("label") and (e.get("internalId") or e.get("id"))}


async def add_address_book_entries(client: NetSuiteClient, customer_id: str,
                                   entries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Label → address-book entry id of the customer, for every label of ``entries`` (an address subrecord
    each). Missing labels are added in one ``PATCH`` of ``addressBook`` (merged, so existing entries stay);
    the ids are read back from the customer. Safe to repeat."""
    record = await client.get("customer", customer_id, expand=True)
    known = _address_book(record)
    missing = [label for label in entries if label not in known]
    if missing:
        body = {"addressBook": {"items": [{"label": label, "defaultShipping": False, "defaultBilling": False,
                                           "addressBookAddress": dict(entries[label])} for label in missing]}}
        await client.patch("customer", customer_id, body)
        known = _address_book(await client.get("customer", customer_id, expand=True))
    absent = [label for label in entries if label not in known]
    if absent:
        raise LookupError(f"customer {customer_id}: address book entries {', '.join(absent)} not found after adding")
    return {label: known[label] for label in entries}
