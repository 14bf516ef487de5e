"""What a sales order carries beyond its lines, and the account features that govern it.

Run from :meth:`Behaviour.prepare` (``Behaviour.rules``) on every create, upsert and update:

- ``currency{id}`` must be a currency record (checked with every reference); ``exchangeRate`` is a number;
- ``shippingAddress`` / ``billingAddress`` subrecords (``addressee, attention, addr1, addr2, addr3, city,
  state, zip, country{id}, addrPhone``) get ``addrText``; the header's ``shipAddress`` / ``billAddress``
  (and ``shippingAddress_text`` / ``billingAddress_text``) are that text;
- ``shipMethod{id}``, on the header or a line, must be a ``shipItem``;
- **Multiple Shipping Routes** (``SandboxConfig.multiple_shipping_routes``): off, ``isMultiShipTo: true``
  or a line ``shipAddress`` is refused; on, a line's ``shipAddress{id}`` is an ``addressBook`` entry id of
  the order's customer and ``shipGroup`` is derived from the distinct (address, method) pairs of the lines
  (``id`` 1…n, ``destinationAddress``, ``shippingMethodId``, ``shippingMethod``, ``shippingRate`` = the
  group's first line ``custcol_o2c_ship_group_cost``, else 0; the header ``shippingCost`` is not split);
  each such line gets ``shipGroup`` (the group id);
- the tax engine (:mod:`.tax`).

Customers: ``addressBook`` entries get an ``internalId`` (and ``id``) and ``addressBookAddress.addrText``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox import tax
from connectors.netsuite.sandbox.config import SandboxConfig
from connectors.netsuite.sandbox.store import Record, Store, StoreError, to_decimal

ADDRESS_FIELDS = ("addressee", "attention", "addr1", "addr2", "addr3", "city", "state", "zip", "country",
                  "addrPhone", "override", "addrText")
ZERO = Decimal(0)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        raw = value.get("id")
        return str(raw) if raw is not None else None
    return str(value) if value not in (None, "") else None


def _invalid(value: Any, field_name: str, path: str) -> StoreError:
    return StoreError(400, "INVALID_CONTENT", "Error while accessing a resource. You have entered an Invalid Field "
                      f"Value {value} for the following field: {field_name}", path)


def address_text(address: Record) -> str:
    """The address as NetSuite prints it (one part per line)."""
    country = _id(address.get("country"))
    place = " ".join(str(x) for x in (address.get("city"), address.get("state"), address.get("zip")) if x)
    parts = [address.get("addressee"), address.get("attention"), address.get("addr1"), address.get("addr2"),
             address.get("addr3"), place, country, address.get("addrPhone")]
    return "\n".join(str(x) for x in parts if x)


def normalise_address(address: Any, path: str) -> Record:
    if not isinstance(address, dict):
        raise StoreError(400, "INVALID_CONTENT", f"{path} must be an address object.", path)
    out = {k: v for k, v in address.items() if k not in ("links", "refName")}
    country = out.get("country")
    if isinstance(country, str):
        out["country"] = {"id": country}
    if out.get("country") is not None and not _id(out["country"]):
        raise _invalid(country, "country", f"{path}.country")
    out["addrText"] = address_text(out)
    return out


def _ship_item(store: Store, ref: Any, path: str) -> Record | None:
    if ref is None:
        return None
    method = store.records["shipItem"].get(_id(ref) or "")
    if method is None:
        raise _invalid(_id(ref), "shipMethod", path)
    return {"id": method["id"], "refName": method.get("itemId")}


def address_book_entry(store: Store, customer_id: str | None, entry_id: str) -> Record | None:
    customer = store.records["customer"].get(customer_id or "")
    for entry in ((customer or {}).get("addressBook") or {}).get("items") or []:
        if entry_id in (str(entry.get("internalId")), str(entry.get("id"))):
            found: Record = entry
            return found
    return None


def prepare_customer(store: Store, record: Record) -> None:
    for entry in (record.get("addressBook") or {}).get("items") or []:
        if entry.get("internalId") is None and entry.get("id") is None:
            entry["internalId"] = store.new_id("addressBook")
        entry.setdefault("internalId", entry.get("id"))
        entry.setdefault("id", entry["internalId"])
        if isinstance(entry.get("addressBookAddress"), dict):
            entry["addressBookAddress"] = normalise_address(entry["addressBookAddress"], "addressBookAddress")
            entry["addressBookAddress_text"] = entry["addressBookAddress"]["addrText"]


def prepare_sales_order(store: Store, config: SandboxConfig, record: Record) -> None:
    """Check and derive the header fields above, then run the tax engine."""
    if record.get("exchangeRate") is not None:
        rate = to_decimal(record["exchangeRate"])
        if rate is None or rate <= 0:
            raise _invalid(record["exchangeRate"], "exchangeRate", "exchangeRate")
        record["exchangeRate"] = rate
    for name, text in (("shippingAddress", "shipAddress"), ("billingAddress", "billAddress")):
        if record.get(name) is not None:
            record[name] = normalise_address(record[name], name)
            record[text] = record[f"{name}_text"] = record[name]["addrText"]
    if record.get("shipMethod") is not None:
        record["shipMethod"] = _ship_item(store, record["shipMethod"], "shipMethod")
    lines: list[Record] = (record.get("item") or {}).get("items") or []
    for index, line in enumerate(lines):
        if line.get("shipMethod") is not None:
            line["shipMethod"] = _ship_item(store, line["shipMethod"], f"item.items[{index}].shipMethod")
    routed = [line for line in lines if line.get("shipAddress") is not None]
    if record.get("isMultiShipTo") is True or routed:
        if not config.multiple_shipping_routes:
            raise StoreError(400, "USER_ERROR", "Error while accessing a resource. Multiple Shipping Routes is not "
                             "enabled in this account (isMultiShipTo, line shipAddress).", "isMultiShipTo")
        _ship_groups(store, record, lines)
    tax.apply(store, config.tax_engine, record)


def _ship_groups(store: Store, record: Record, lines: list[Record]) -> None:
    customer_id = _id(record.get("entity"))
    groups: dict[tuple[str, str | None], Record] = {}
    for index, line in enumerate(lines):
        if line.get("shipAddress") is None:
            continue
        entry_id = _id(line["shipAddress"]) or ""
        entry = address_book_entry(store, customer_id, entry_id)
        if entry is None:
            raise _invalid(entry_id, "shipAddress", f"item.items[{index}].shipAddress")
        line["shipAddress"] = {"id": entry_id, "refName": entry.get("label")}
        method = line.get("shipMethod") or record.get("shipMethod")
        key = (entry_id, _id(method))
        group = groups.get(key)
        if group is None:
            address = entry.get("addressBookAddress") or {}
            group = {"id": len(groups) + 1, "destinationAddress": address.get("addrText") or address_text(address),
                     "shippingMethodId": method, "shippingMethod": (method or {}).get("refName"),
                     "shippingRate": to_decimal(line.get("custcol_o2c_ship_group_cost")) or ZERO}
            groups[key] = {k: v for k, v in group.items() if v is not None}
        line["shipGroup"] = groups[key]["id"]
    record["isMultiShipTo"] = True
    record["shipGroup"] = {"items": list(groups.values())}


class Rules:
    """``Behaviour.rules`` of an account: customers' address books, sales orders' header and tax."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store, self.config = store, config

    def __call__(self, record_type: str, record: Record) -> None:
        if record_type == "customer":
            prepare_customer(self.store, record)
        elif record_type == "salesOrder":
            prepare_sales_order(self.store, self.config, record)
