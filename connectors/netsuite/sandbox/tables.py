"""SuiteQL tables computed from the sandbox's records (lower-case columns, NetSuite conventions).

``item``, ``aggregateitemlocation`` / ``inventoryitemlocations`` / ``inventorybalance`` (one row per
item and location), ``location``, ``customer``, ``transaction``, ``transactionline`` (mainline row
plus item lines; sales-side quantities and amounts negative), ``trackingnumber`` /
``trackingnumbermap``, ``previoustransactionlinelink``, ``pricelevel``, ``pricing``, ``subsidiary``,
``currency``, ``shipitem``, ``salestaxitem``, ``account``, ``deletedrecord``.

``transaction`` has ``createdfrom`` (the record a transform made it from: an invoice's sales order, a
deposit application's deposit), ``foreigntotal`` and ``foreignamountremaining`` (an invoice's
``amountRemaining``, a customer deposit's unapplied amount); ``entity`` is a deposit's ``customer``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox.store import (
    ITEM_TYPE_CODES,
    TRANSACTION_TYPES,
    Record,
    Store,
    id_key,
    price_currency,
    to_decimal,
)

Row = dict[str, Any]
NEGATIVE_TYPES = {"salesOrder", "itemFulfillment", "invoice", "cashSale"}


def _tf(value: Any) -> str:
    return "T" if value is True or str(value).lower() in ("true", "t") else "F"


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        return None if value.get("id") is None else str(value["id"])
    return None if value is None else str(value)


def _enum(value: Any) -> str | None:
    return _ref(value)


def _display(value: Any) -> str | None:
    return str(value["refName"]) if isinstance(value, dict) and value.get("refName") is not None else None


def _older(modified: Any, bound: datetime) -> bool:
    """Whether a record's ``lastModifiedDate`` is certainly before ``bound``."""
    return isinstance(modified, datetime) and modified.tzinfo is not None and modified < bound


def _custom(record: Record, prefix: str) -> Row:
    """Custom fields (``custitem_*``, ``custbody_*``, ``custcol_*``) as SuiteQL columns (references by id)."""
    out: Row = {}
    for key, value in record.items():
        if key.startswith(prefix):
            out[key.lower()] = _ref(value) if isinstance(value, dict) else value
    return out


#: Tables with a row per record, whose ``id`` and ``lastmodifieddate`` are the record's: ``id IN (…)`` reads
#: only those records, and ``lastmodifieddate >= <time>`` only the records modified since.
ID_KEYED = frozenset({"customer", "transaction", "item"})
#: The key under which a query's lower bound on ``lastmodifieddate`` arrives (one ISO 8601 timestamp).
MODIFIED_SINCE = "lastmodifieddate>="
#: Tables with rows per item (``item IN (…)`` reads only those items' rows, as NetSuite's index would).
ITEM_KEYED = frozenset({"pricing"})
#: Item records that carry a ``price`` sublist (the ``pricing`` table).
PRICED_TYPES = ("inventoryItem", "nonInventoryResaleItem")


class Tables:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._keys: dict[str, set[str]] | None = None
        self.builders: dict[str, Callable[[], list[Row]]] = {
            "item": self.item,
            "aggregateitemlocation": self.item_locations,
            "inventoryitemlocations": self.item_locations,
            "inventorybalance": self.item_locations,
            "location": self.location,
            "customer": self.customer,
            "transaction": self.transaction,
            "transactionline": self.transactionline,
            "trackingnumber": self.trackingnumber,
            "trackingnumbermap": self.trackingnumbermap,
            "previoustransactionlinelink": self.links,
            "pricelevel": self.pricelevel,
            "pricing": self.pricing,
            "subsidiary": lambda: self._simple("subsidiary"),
            "currency": lambda: self._simple("currency"),
            "shipitem": lambda: self._items_of("shipItem"),
            "deletedrecord": self.deletedrecord,
            "salestaxitem": self.salestaxitem,
            "account": self.account,
        }

    def __call__(self, name: str, keys: dict[str, set[str]] | None = None) -> list[Row]:
        """Rows of table ``name``. With ``keys`` (``id``, ``externalid``, ``lower(email)`` or ``item`` → the values
        a query's ``IN`` list allows; :data:`MODIFIED_SINCE` → a lower bound on ``lastmodifieddate``), a table
        with a row per record (or per item) builds only the rows that can match, as NetSuite would read them
        through an index; the query's own filter still applies."""
        builder = self.builders.get(name)
        if builder is None:
            from connectors.netsuite.sandbox.suiteql import SuiteQLError

            raise SuiteQLError(f"Invalid search query. Record '{name}' was not found.")
        self._keys = keys if (name in ID_KEYED or name in ITEM_KEYED) and keys else None
        try:
            return builder()
        finally:
            self._keys = None

    def _records(self, record_type: str) -> list[Record]:
        """The records behind a row-per-record table, narrowed while a query names ids, externalIds or emails."""
        if self._keys is None:
            return self.store.all(record_type)
        ids = self._keys.get("id")
        external_ids = self._keys.get("externalid")
        if ids is not None:
            records = self.store.records.get(record_type, {})
            chosen = [records[i] for i in sorted(ids, key=id_key) if i in records]
        elif external_ids is not None:  # the externalId index (SuiteQL compares the exact value)
            found = (self.store.find_eid(record_type, eid) for eid in external_ids)
            chosen = sorted((r for r in found if r is not None and r.get("externalId") in external_ids),
                            key=lambda r: id_key(r["id"]))
        else:
            chosen = self.store.all(record_type)
        emails = self._keys.get("lower(email)")
        if emails is not None:
            chosen = [r for r in chosen if isinstance(r.get("email"), str) and r["email"].lower() in emails]
        since = self._keys.get(MODIFIED_SINCE)
        if since:
            bound = datetime.fromisoformat(min(since))
            chosen = [r for r in chosen if not _older(r.get("lastModifiedDate"), bound)]
        return chosen

    def _simple(self, record_type: str) -> list[Row]:
        return [
            {
                "id": r["id"],
                "name": r.get("name"),
                "symbol": r.get("symbol"),
                "isinactive": _tf(r.get("isInactive")),
            }
            for r in self.store.all(record_type)
        ]

    def _item_row(self, record_type: str, r: Record) -> Row:
        parent = _ref(r.get("parent"))
        parent_name = None
        if parent:
            hit = self.store.by_group_id("item", parent)
            parent_name = hit[1].get("itemId") if hit else None
        rows = (r.get("locations") or {}).get("items") or []
        matrix = _enum(r.get("matrixType"))
        return {
            "id": r["id"],
            "itemid": r.get("itemId"),
            "displayname": r.get("displayName"),
            "fullname": f"{parent_name} : {r.get('itemId')}" if parent_name else r.get("itemId"),
            "itemtype": ITEM_TYPE_CODES.get(record_type),
            "parent": parent,
            "matrixtype": matrix,
            "isinactive": _tf(r.get("isInactive")),
            "isonline": _tf(r.get("isOnline")),
            "externalid": r.get("externalId"),
            "upccode": r.get("upcCode"),
            "description": r.get("salesDescription") or r.get("description"),
            "custitem_color": r.get("custitem_color"),
            "custitem_size": r.get("custitem_size"),
            "lastmodifieddate": r.get("lastModifiedDate"),
            "createddate": r.get("createdDate"),
            **_custom(r, "custitem"),
            "totalquantityonhand": sum((to_decimal(x.get("quantityOnHand")) or Decimal(0) for x in rows), Decimal(0))
            if record_type == "inventoryItem"
            else None,
        }

    def _items_of(self, record_type: str) -> list[Row]:
        return [self._item_row(record_type, r) for r in self._records(record_type)]

    def item(self) -> list[Row]:
        rows: list[Row] = []
        for record_type in ITEM_TYPE_CODES:
            rows.extend(self._items_of(record_type))
        return rows

    def item_locations(self) -> list[Row]:
        rows = []
        for r in self.store.all("inventoryItem"):
            for line in (r.get("locations") or {}).get("items") or []:
                rows.append(
                    {
                        "item": r["id"],
                        "location": str(line.get("locationId")),
                        "quantityonhand": to_decimal(line.get("quantityOnHand")) or Decimal(0),
                        "quantityavailable": to_decimal(line.get("quantityAvailable")) or Decimal(0),
                        "quantitycommitted": to_decimal(line.get("quantityCommitted")) or Decimal(0),
                        "quantityonorder": Decimal(0),
                        "quantitybackordered": Decimal(0),
                        "quantityintransit": Decimal(0),
                        "reorderpoint": to_decimal(line.get("reorderPoint")),
                        "preferredstocklevel": to_decimal(line.get("preferredStockLevel")),
                        "safetystocklevel": to_decimal(line.get("safetyStockLevel")),
                        "inventorystatus": "1",
                        "binnumber": None,
                    }
                )
        return rows

    def location(self) -> list[Row]:
        return [
            {
                "id": r["id"],
                "name": r.get("name"),
                "fullname": r.get("fullName") or r.get("name"),
                "subsidiary": _ref(r.get("subsidiary")),
                "isinactive": _tf(r.get("isInactive")),
                "locationtype": _enum(r.get("locationType")),
                "makeinventoryavailable": _tf(r.get("makeInventoryAvailable", True)),
                "makeinventoryavailablestore": _tf(r.get("makeInventoryAvailableStore", True)),
                "externalid": r.get("externalId"),
            }
            for r in self.store.all("location")
        ]

    def customer(self) -> list[Row]:
        return [
            {
                "id": r["id"],
                "entityid": r.get("entityId"),
                "email": r.get("email"),
                "externalid": r.get("externalId"),
                "isperson": _tf(r.get("isPerson")),
                "firstname": r.get("firstName"),
                "lastname": r.get("lastName"),
                "companyname": r.get("companyName"),
                "phone": r.get("phone"),
                "isinactive": _tf(r.get("isInactive")),
                "pricelevel": _ref(r.get("priceLevel")),
                "subsidiary": _ref(r.get("subsidiary")),
                "currency": _ref(r.get("currency")),
                "datecreated": r.get("dateCreated"),
                "lastmodifieddate": r.get("lastModifiedDate"),
            }
            for r in self._records("customer")
        ]

    def _transactions(self) -> list[tuple[str, Record]]:
        return [(t, r) for t in TRANSACTION_TYPES for r in self._records(t)]

    def transaction(self) -> list[Row]:
        rows = []
        for record_type, r in self._transactions():
            code = TRANSACTION_TYPES[record_type][0]
            status = _enum(r.get("status"))
            status_name = (r.get("status") or {}).get("refName") if isinstance(r.get("status"), dict) else None
            rows.append(
                {
                    "id": r["id"],
                    "tranid": r.get("tranId"),
                    "trandate": r.get("tranDate"),
                    "type": code,
                    "recordtype": record_type.lower(),
                    "status": status,
                    "status#cf": f"{code}:{status}" if status else None,
                    "status#df": status_name,
                    "entity": _ref(r.get("entity") or r.get("customer")),
                    "externalid": r.get("externalId"),
                    "createdfrom": _ref(r.get("createdFrom")),
                    "foreignamountremaining": r.get("amountRemaining", r.get("_unapplied")),
                    "otherrefnum": r.get("otherRefNum"),
                    "memo": r.get("memo"),
                    "currency": _ref(r.get("currency")),
                    "currency#df": _display(r.get("currency")),
                    "foreigntotal": r.get("total"),
                    "exchangerate": r.get("exchangeRate"),
                    "taxtotal": r.get("taxTotal"),
                    "shipmethod": _ref(r.get("shipMethod")),
                    "shipmethod#df": _display(r.get("shipMethod")),
                    "entity#df": _display(r.get("entity")),
                    "shipcarrier": _enum(r.get("shipCarrier")),
                    "shipstatus": _enum(r.get("shipStatus")),
                    **_custom(r, "custbody"),
                    "createddate": r.get("createdDate"),
                    "lastmodifieddate": r.get("lastModifiedDate"),
                    "void": "F",
                }
            )
        return rows

    def transactionline(self) -> list[Row]:
        rows = []
        for record_type, r in self._transactions():
            sign = Decimal(-1) if record_type in NEGATIVE_TYPES else Decimal(1)
            created_from = _ref(r.get("createdFrom"))
            rows.append(
                {
                    "transaction": r["id"],
                    "id": 0,
                    "linesequencenumber": 0,
                    "mainline": "T",
                    "taxline": "F",
                    "createdfrom": created_from,
                    "entity": _ref(r.get("entity")),
                    "location": _ref(r.get("location")),
                    "netamount": (to_decimal(r.get("total")) or Decimal(0)) * sign
                    if r.get("total") is not None
                    else None,
                }
            )
            for seq, line in enumerate((r.get("item") or {}).get("items") or [], start=1):
                quantity = to_decimal(line.get("quantity"))
                amount = to_decimal(line.get("amount"))
                item_type = _enum(line.get("itemType"))
                rows.append(
                    {
                        "transaction": r["id"],
                        "id": line.get("line") if line.get("line") is not None else seq,
                        "linesequencenumber": seq,
                        "mainline": "F",
                        "taxline": "F",
                        "item": _ref(line.get("item")),
                        "itemtype": item_type,
                        "quantity": quantity * sign if quantity is not None else None,
                        "rate": to_decimal(line.get("rate")),
                        "netamount": amount * sign if amount is not None else None,
                        "foreignamount": amount * sign if amount is not None else None,
                        "location": _ref(line.get("location")) or _ref(r.get("location")),
                        "createdfrom": created_from,
                        "orderline": line.get("orderLine"),
                        "isinventoryaffecting": "T" if record_type in ("itemFulfillment", "itemReceipt") else "F",
                        "quantityshiprecv": to_decimal(line.get("quantityFulfilled") or line.get("quantityReceived")),
                        "quantitybilled": to_decimal(line.get("quantityBilled")),
                        "isclosed": _tf(line.get("isClosed")),
                        "memo": line.get("description"),
                        **_custom(line, "custcol"),
                    }
                )
        return rows

    def _packages(self) -> list[tuple[str, int, str]]:
        out = []
        for r in self.store.all("itemFulfillment"):
            for index, package in enumerate((r.get("package") or {}).get("items") or [], start=1):
                number = package.get("packageTrackingNumber")
                if number:
                    out.append((r["id"], index, str(number)))
        return out

    def trackingnumber(self) -> list[Row]:
        return [{"id": f"{tid}{i:02d}", "trackingnumber": number} for tid, i, number in self._packages()]

    def trackingnumbermap(self) -> list[Row]:
        return [{"transaction": tid, "trackingnumber": f"{tid}{i:02d}"} for tid, i, _ in self._packages()]

    def salestaxitem(self) -> list[Row]:
        """Tax codes: ``id``, ``itemid``, ``rate`` (percent; null for a code without a fixed rate), ``description``."""
        return [{"id": r["id"], "itemid": r.get("itemId"), "rate": r.get("rate"), "description": r.get("description"),
                 "isinactive": _tf(r.get("isInactive"))} for r in self.store.all("salesTaxItem")]

    def account(self) -> list[Row]:
        """Chart of accounts: ``id``, ``acctnumber``, ``accountsearchdisplayname`` ("1010 Stripe clearing"),
        ``fullname``, ``accttype`` (``Bank``, ``OthCurrAsset``…), ``sspecacct``, ``isinactive``, ``currency``,
        ``subsidiary``, ``externalid``."""
        return [{"id": r["id"], "acctnumber": r.get("acctNumber"), "acctname": r.get("acctName"),
                 "accountsearchdisplayname": self.store.display_name(r), "fullname": r.get("acctName"),
                 "accttype": _enum(r.get("acctType")), "sspecacct": _enum(r.get("specialAccountType")),
                 "isinactive": _tf(r.get("isInactive")), "currency": _ref(r.get("currency")),
                 "subsidiary": _ref(r.get("subsidiary")), "externalid": r.get("externalId")}
                for r in self.store.all("account")]

    def deletedrecord(self) -> list[Row]:
        """NetSuite's ``DeletedRecord`` table: ``recordid`` (text), ``type`` (lower-case record type, e.g.
        ``itemfulfillment``), ``name`` (tranId / entityId / itemId), ``deleteddate`` (a timestamp), oldest
        first. The real table's exact column set is not documented publicly with certainty; these are the
        columns o2c reads."""
        return [dict(row) for row in self.store.deleted]

    def links(self) -> list[Row]:
        rows = []
        for record_type, r in self._transactions():
            created_from = _ref(r.get("createdFrom"))
            if not created_from:
                continue
            for seq, line in enumerate((r.get("item") or {}).get("items") or [], start=1):
                rows.append(
                    {
                        "previousdoc": created_from,
                        "previousline": line.get("orderLine"),
                        "nextdoc": r["id"],
                        "nextline": line.get("line") if line.get("line") is not None else seq,
                        "nexttype": TRANSACTION_TYPES[record_type][0],
                        "linktype": "ShipRcpt" if record_type in ("itemFulfillment", "itemReceipt") else "OrdBill",
                    }
                )
        return rows

    def pricelevel(self) -> list[Row]:
        return [
            {
                "id": r["id"],
                "name": r.get("name"),
                "discountpct": to_decimal(r.get("discountPct")),
                "isinactive": _tf(r.get("isInactive")),
                "isonline": _tf(r.get("isOnline")),
                "externalid": r.get("externalId"),
            }
            for r in self.store.all("priceLevel")
        ]

    def _priced_items(self) -> list[Record]:
        """Items with a price table; only those an ``item IN (…)`` list names while a query names some."""
        wanted = self._keys.get("item") if self._keys else None
        if wanted is None:
            return [r for record_type in PRICED_TYPES for r in self.store.all(record_type)]
        chosen = []
        for item_id in sorted(wanted, key=id_key):
            hit = self.store.by_group_id("item", item_id)
            if hit is not None and hit[0] in PRICED_TYPES:
                chosen.append(hit[1])
        return chosen

    def pricing(self) -> list[Row]:
        rows = []
        for r in self._priced_items():
            for line in (r.get("price") or {}).get("items") or []:
                rows.append(
                    {
                        "item": r["id"],
                        "pricelevel": _ref(line.get("priceLevel")),
                        "unitprice": to_decimal(line.get("price")),
                        "quantity": to_decimal(line.get("quantity")) or Decimal(0),
                        "currency": price_currency(line),
                    }
                )
        return rows
