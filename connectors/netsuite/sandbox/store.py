"""In-memory record store with NetSuite's write semantics.

- internal ids are strings, numbered per record *group* (entities, items, transactions...), as in
  NetSuite's shared tables; ``externalId`` is unique per group and case-insensitive;
- sublists: keyed lines (transaction ``item`` by ``line``, or by ``orderLine`` on records created
  from another) are merged by key; without ``?replace=`` unmentioned lines are kept, with it they go;
  unkeyed sublists append, or are rebuilt with ``replace``;
- every write stamps ``lastModifiedDate`` from the sandbox clock; money and quantities are ``Decimal``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

Record = dict[str, Any]

ENTITY_TYPES = ("customer", "contact", "vendor", "employee", "partner")
ITEM_TYPES = ("inventoryItem", "nonInventoryResaleItem", "discountItem", "serviceItem", "shipItem")
TRANSACTION_TYPES = {
    "salesOrder": ("SalesOrd", "SO"),
    "itemFulfillment": ("ItemShip", "IF"),
    "invoice": ("CustInvc", "INV"),
    "cashSale": ("CashSale", "CS"),
    "returnAuthorization": ("RtnAuth", "RA"),
    "itemReceipt": ("ItemRcpt", "IR"),
    "creditMemo": ("CustCred", "CM"),
    "customerRefund": ("CustRfnd", "CR"),
    "cashRefund": ("CashRfnd", "CRF"),
    "customerDeposit": ("CustDep", "DEP"),
    "customerPayment": ("CustPymt", "PYMT"),
    "journalEntry": ("Journal", "JE"),
    "depositApplication": ("DepAppl", "DA"),
}
OTHER_TYPES = ("location", "priceLevel", "subsidiary", "currency", "salesTaxItem", "account")
ITEM_TYPE_CODES = {
    "inventoryItem": "InvtPart",
    "nonInventoryResaleItem": "NonInvtPart",
    "discountItem": "Discount",
    "serviceItem": "Service",
    "shipItem": "ShipItem",
}
ALL_TYPES = (*ENTITY_TYPES, *ITEM_TYPES, *TRANSACTION_TYPES, *OTHER_TYPES)
CANONICAL = {name.lower(): name for name in ALL_TYPES}

# Reference fields the sandbox checks (field -> group of the referenced record).
REF_GROUPS = {
    "entity": "entity",
    "customer": "entity",
    "item": "item",
    "parent": "item",
    "location": "location",
    "inventoryLocation": "location",
    "subsidiary": "subsidiary",
    "currency": "currency",
    "priceLevel": "priceLevel",
    "price": "priceLevel",
    "shipMethod": "item",
    "createdFrom": "transaction",
    "taxCode": "salesTaxItem",
    "shippingTaxCode": "salesTaxItem",
}
MONEY_FIELDS = ("rate", "amount", "shippingCost", "handlingCost", "taxTotal", "discountTotal", "price", "tax1Amt",
                "shippingTaxAmount", "taxBasis", "taxAmount", "exchangeRate")


def price_currency(line: Record) -> str:
    """The currency id of an item ``price`` line (``currencyPage``; the base currency, 1, when it names none)."""
    page = line.get("currencyPage")
    found = page.get("id") if isinstance(page, dict) else page
    return "1" if found in (None, "") else str(found)


def id_key(internal_id: str) -> tuple[int, str]:
    """Sort key for internal ids, which are increasing integers kept as strings."""
    return len(internal_id), internal_id


def group_of(record_type: str) -> str:
    if record_type in ENTITY_TYPES:
        return "entity"
    if record_type in ITEM_TYPES:
        return "item"
    if record_type in TRANSACTION_TYPES:
        return "transaction"
    return record_type


def _load_fields() -> dict[str, Any]:
    text = resources.files("connectors.netsuite.sandbox").joinpath("fields.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


FIELDS = _load_fields()


class StoreError(Exception):
    """A NetSuite-style failure: HTTP status, error code, detail and optional JSON path."""

    def __init__(self, status: int, code: str, detail: str, path: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.path = status, code, detail, path


def not_found(record_type: str, record_id: str) -> StoreError:
    return StoreError(
        404,
        "NONEXISTENT_ID",
        f"The record instance does not exist. Provide a valid record instance ID. ({record_type} {record_id})",
    )


def already_exists() -> StoreError:
    return StoreError(400, "USER_ERROR", "Error while accessing a resource. This entity already exists.")


def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    return Decimal(str(value))


@dataclass
class Line:
    """Key field of a sublist line, or ``None`` for unkeyed sublists."""

    key: str | None


class Store:
    """All records of the sandbox account."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.records: dict[str, dict[str, Record]] = {name: {} for name in ALL_TYPES}
        self._next_id: dict[str, int] = {}
        self._eids: dict[str, dict[str, tuple[str, str]]] = {}
        self._by_id: dict[str, dict[str, str]] = {}  # group -> id -> type
        self._tran_numbers: dict[str, int] = {}
        #: Called after every create, update and delete with (record type, record).
        self.listeners: list[Callable[[str, Record], None]] = []
        #: One row per deleted record (SuiteQL ``deletedrecord``): recordid, type, name, deleteddate.
        self.deleted: list[Record] = []

    # -- lookup -----------------------------------------------------------------------------------

    @staticmethod
    def canonical(record_type: str) -> str:
        name = CANONICAL.get(record_type.lower())
        if name is None:
            raise StoreError(404, "INVALID_REQUEST", f"Record type '{record_type}' does not exist.")
        return name

    def all(self, record_type: str) -> list[Record]:
        return list(self.records[record_type].values())

    def find_eid(self, record_type: str, external_id: str) -> Record | None:
        hit = self._eids.get(group_of(record_type), {}).get(external_id.lower())
        if hit is None or hit[0] != record_type:
            return None
        return self.records[record_type].get(hit[1])

    def eid_taken(self, record_type: str, external_id: str) -> bool:
        """Whether a record of ``record_type``'s group already has this ``externalId``."""
        return external_id.lower() in self._eids.get(group_of(record_type), {})

    def resolve_id(self, record_type: str, ref: str) -> str:
        """Internal id for a path id (``123`` or ``eid:ABC``); raises 404."""
        if ref.lower().startswith("eid:"):
            record = self.find_eid(record_type, ref[4:])
            if record is None:
                raise not_found(record_type, ref)
            return str(record["id"])
        if ref not in self.records[record_type]:
            raise not_found(record_type, ref)
        return ref

    def get(self, record_type: str, ref: str) -> Record:
        return self.records[record_type][self.resolve_id(record_type, ref)]

    def by_group_id(self, group: str, record_id: str) -> tuple[str, Record] | None:
        record_type = self._by_id.get(group, {}).get(str(record_id))
        if record_type is None:
            return None
        return record_type, self.records[record_type][str(record_id)]

    @staticmethod
    def display_name(record: Record) -> str:
        if record.get("acctNumber") or record.get("acctName"):  # an account: "1010 Stripe clearing"
            return " ".join(str(record[k]) for k in ("acctNumber", "acctName") if record.get(k))
        for key in ("entityId", "itemId", "tranId", "name", "companyName"):
            if record.get(key):
                return str(record[key])
        return str(record.get("id", ""))

    # -- validation ---------------------------------------------------------------------------------

    def check_field_names(self, record_type: str, body: Record) -> None:
        """``X-NetSuite-PropertyNameValidation: error``: unknown field names fail the request."""
        spec = FIELDS.get(record_type)
        if spec is None:
            return
        known = set(spec["body"])
        for name, value in body.items():
            if name.startswith("cust") or name in ("links", "refName"):
                continue
            if name not in known:
                raise StoreError(400, "NONEXISTENT_FIELD", f"Invalid field name: {name}.", name)
            lines = spec["sublists"].get(name)
            if lines and isinstance(value, dict) and isinstance(value.get("items"), list):
                for index, line in enumerate(value["items"]):
                    for line_field in line or {}:
                        if line_field not in lines and not line_field.startswith("cust"):
                            raise StoreError(
                                400,
                                "NONEXISTENT_FIELD",
                                f"Invalid field name: {line_field}.",
                                f"{name}.items[{index}].{line_field}",
                            )

    def drop_unknown_fields(self, record_type: str, body: Record) -> Record:
        spec = FIELDS.get(record_type)
        if spec is None:
            return body
        known = set(spec["body"])
        return {k: v for k, v in body.items() if k in known or k.startswith("cust")}

    def _resolve_ref(self, field_name: str, value: Any, path: str) -> Any:
        group = REF_GROUPS.get(field_name)
        if group is None or value is None:
            return value
        if not isinstance(value, dict):
            value = {"id": str(value)}
        if value.get("id") is not None:
            ref_id = str(value["id"])
            if field_name == "price" and ref_id == "-1":
                return {"id": "-1", "refName": "Custom"}
            hit = self.by_group_id(group, ref_id)
        elif value.get("externalId"):
            eid = str(value["externalId"]).lower()
            found = self._eids.get(group, {}).get(eid)
            hit = (found[0], self.records[found[0]][found[1]]) if found else None
            ref_id = str(value["externalId"])
        else:
            return value
        if hit is None:
            raise StoreError(
                400,
                "INVALID_CONTENT",
                "Error while accessing a resource. You have entered an Invalid Field Value "
                f"{ref_id} for the following field: {field_name}",
                path,
            )
        return {"id": str(hit[1]["id"]), "refName": self.display_name(hit[1])}

    def _normalise(self, record_type: str, body: Record) -> Record:
        out: Record = {}
        for name, value in body.items():
            if name in ("id", "links", "refName"):
                continue
            if isinstance(value, dict) and "items" in value:
                out[name] = value
            elif name in REF_GROUPS:
                out[name] = self._resolve_ref(name, value, name)
            elif name in MONEY_FIELDS and value is not None:
                out[name] = to_decimal(value)
            else:
                out[name] = value
        return out

    def _normalise_line(self, sublist: str, line: Record, path: str) -> Record:
        out: Record = {}
        for name, value in line.items():
            if name == "price" and not isinstance(value, dict):
                out[name] = to_decimal(value)
            elif name in REF_GROUPS:
                out[name] = self._resolve_ref(name, value, f"{path}.{name}")
            elif name in ("quantity", *MONEY_FIELDS) and value is not None:
                out[name] = to_decimal(value)
            else:
                out[name] = value
        return out

    # -- sublists ---------------------------------------------------------------------------------

    @staticmethod
    def line_key(record_type: str, record: Record, sublist: str) -> str | None:
        if sublist == "item" and record_type in TRANSACTION_TYPES:
            return "orderLine" if record.get("createdFrom") else "line"
        if sublist in ("line", "apply", "package"):
            return "line" if sublist == "line" else None
        if sublist == "locations":
            return "locationId"
        if sublist == "price":
            return "priceLevel"
        return None

    def _apply_sublist(self, record_type: str, record: Record, name: str, value: Any, replace: bool) -> None:
        existing: list[Record] = list((record.get(name) or {}).get("items") or [])
        incoming = value.get("items") if isinstance(value, dict) else None
        if value is None or incoming is None:
            if replace or value is None or (isinstance(value, dict) and "items" in value):
                record[name] = {"items": []}
            return
        key = self.line_key(record_type, record, name)
        lines = [self._normalise_line(name, dict(line), f"{name}.items[{i}]") for i, line in enumerate(incoming)]
        if key is None:
            record[name] = {"items": (lines if replace else existing + lines)}
            return

        def key_of(line: Record) -> Any:
            raw = line.get(key)
            value = raw.get("id") if isinstance(raw, dict) else (str(raw) if raw is not None else None)
            if name == "price" and value is not None:  # a row per level, currency and quantity break
                return value, price_currency(line), to_decimal(line.get("quantity")) or Decimal(0)
            return value

        by_key = {key_of(line): line for line in existing}
        result: list[Record] = [] if replace else existing
        next_line = max([int(k) for k in by_key if k is not None and str(k).isdigit()] + [0]) + 1
        for line in lines:
            match = by_key.get(key_of(line)) if key_of(line) is not None else None
            if match is not None:
                match.update(line)
                if replace:
                    result.append(match)
            else:
                if key == "line" and line.get("line") is None:
                    line["line"] = next_line
                    next_line += 1
                result.append(line)
        if name == "item" and record_type in TRANSACTION_TYPES:
            # Every transaction line has a line number, also on records keyed by orderLine.
            numbers = [int(x["line"]) for x in result if str(x.get("line", "")).isdigit()]
            next_number = max([*numbers, 0]) + 1
            for line in result:
                if line.get("line") is None:
                    line["line"] = next_number
                    next_number += 1
        record[name] = {"items": result}

    # -- writes -------------------------------------------------------------------------------------

    def _stamp(self, record: Record) -> None:
        record["lastModifiedDate"] = self.clock()

    def _register_eid(self, record_type: str, record_id: str, external_id: str | None) -> None:
        if not external_id:
            return
        index = self._eids.setdefault(group_of(record_type), {})
        hit = index.get(external_id.lower())
        if hit is not None and hit != (record_type, record_id):
            raise already_exists()
        index[external_id.lower()] = (record_type, record_id)

    def _unregister_eid(self, record_type: str, record: Record) -> None:
        eid = record.get("externalId")
        if eid:
            self._eids.get(group_of(record_type), {}).pop(str(eid).lower(), None)

    def new_id(self, record_type: str) -> str:
        """The group's next free id (ids created with a fixed ``record_id`` are skipped)."""
        group = group_of(record_type)
        taken = self._by_id.get(group, {})
        self._next_id[group] = self._next_id.get(group, 100) + 1
        while str(self._next_id[group]) in taken:
            self._next_id[group] += 1
        return str(self._next_id[group])

    def create(
        self,
        record_type: str,
        body: Record,
        *,
        replace: Iterable[str] = (),
        defaults: Callable[[str, Record], None] | None = None,
        record_id: str | None = None,
    ) -> Record:
        external_id = body.get("externalId")
        if external_id is not None and self._eids.get(group_of(record_type), {}).get(str(external_id).lower()):
            raise already_exists()
        record: Record = {}
        clean = self._normalise(record_type, body)
        if record_id is None:
            record_id = self.new_id(record_type)
        elif self.by_group_id(group_of(record_type), record_id) is not None:
            raise already_exists()
        record["id"] = record_id
        for name, value in clean.items():
            if isinstance(value, dict) and "items" in value:
                continue
            record[name] = value
        for name, value in clean.items():
            if isinstance(value, dict) and "items" in value:
                self._apply_sublist(record_type, record, name, value, True)
        now = self.clock()
        record.setdefault("createdDate", now)
        if record_type in ENTITY_TYPES:
            record.setdefault("dateCreated", now)
            record.setdefault("entityId", f"CUST{record_id}")
        if record_type in TRANSACTION_TYPES:
            self._tran_numbers[record_type] = self._tran_numbers.get(record_type, 1000) + 1
            record.setdefault("tranId", f"{TRANSACTION_TYPES[record_type][1]}{self._tran_numbers[record_type]}")
            record.setdefault("tranDate", now.date().isoformat())
        if defaults is not None:
            defaults(record_type, record)
        self._register_eid(record_type, record_id, str(external_id) if external_id else None)
        self._stamp(record)
        self.records[record_type][record_id] = record
        self._by_id.setdefault(group_of(record_type), {})[record_id] = record_type
        self._notify(record_type, record)
        return record

    def _notify(self, record_type: str, record: Record) -> None:
        for listener in self.listeners:
            listener(record_type, record)

    def update(
        self,
        record_type: str,
        record_id: str,
        body: Record,
        *,
        replace: Iterable[str] = (),
        after: Callable[[str, Record], None] | None = None,
    ) -> Record:
        current = self.records[record_type][record_id]
        record = copy.deepcopy(current)
        replace_set = {r.strip() for r in replace}
        clean = self._normalise(record_type, body)
        new_eid = clean.get("externalId")
        for name, value in clean.items():
            if name in replace_set or (isinstance(value, dict) and "items" in value):
                continue
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
        for name, value in clean.items():
            if name in replace_set or (isinstance(value, dict) and "items" in value):
                self._apply_sublist(record_type, record, name, value, name in replace_set)
        for name in replace_set - set(clean):
            record[name] = {"items": []}
        if new_eid and str(new_eid).lower() != str(current.get("externalId") or "").lower():
            self._register_eid(record_type, record_id, str(new_eid))
            old = current.get("externalId")
            if old:
                self._eids[group_of(record_type)].pop(str(old).lower(), None)
        if after is not None:
            after(record_type, record)
        self._stamp(record)
        self.records[record_type][record_id] = record
        self._notify(record_type, record)
        return record

    def delete(self, record_type: str, record_id: str) -> None:
        record = self.records[record_type].pop(record_id)
        self.deleted.append({"recordid": str(record_id), "type": record_type.lower(),
                             "name": self.display_name(record), "deleteddate": self.clock()})
        self._unregister_eid(record_type, record)
        self._by_id.get(group_of(record_type), {}).pop(record_id, None)
        self._notify(record_type, record)

    def touch(self, record: Record) -> None:
        self._stamp(record)


def utcnow() -> datetime:
    return datetime.now(UTC)
