"""Items: the ``item`` rows modified since a point in time, their base price, and the change record of one."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from connectors.netsuite.changes import ItemChange
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.rows import (
    TS_FORMAT,
    Row,
    chunks,
    dec,
    fingerprint,
    flag,
    ident,
    in_list,
    parse_ts,
    quoted_list,
    read,
)

ITEM_TYPE_NAMES = {
    "InvtPart": "inventoryItem",
    "NonInvtPart": "nonInventoryResaleItem",
    "Kit": "kitItem",
    "Assembly": "assemblyItem",
    "Service": "serviceItem",
    "Discount": "discountItem",
    "OthCharge": "otherChargeItem",
}
BASE_PRICE_LEVEL = "1"


def _columns(settings: NetSuiteSettings) -> str:
    extra = [f"i.{ident(f)}" for f in settings.matrix_options]
    if settings.buffer_field:
        extra.append(f"i.{ident(settings.buffer_field)}")
    return ", ".join(
        ["i.id", "i.itemid", "i.displayname", "i.itemtype", "i.parent", "i.matrixtype", "i.isinactive",
         "i.isonline", "p.itemid parent_sku", *extra,
         f"TO_CHAR(i.lastmodifieddate, '{TS_FORMAT}') lmd"]
    )


async def read_items(client: NetSuiteClient, settings: NetSuiteSettings, since: str) -> list[Row]:
    """Items of the published types modified at or after ``since`` (``TS_FORMAT`` text), oldest first."""
    return await read(
        client,
        f"SELECT {_columns(settings)} FROM item i LEFT JOIN item p ON p.id = i.parent "
        f"WHERE i.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
        f"AND i.itemtype IN ({quoted_list(settings.item_types)}) "
        "ORDER BY i.lastmodifieddate, i.id",
        [since],
    )


async def base_prices(client: NetSuiteClient, item_ids: Sequence[str]) -> dict[str, Decimal]:
    """Item id → its base price (price level 1, lowest quantity break), for the items that have one."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for chunk in chunks(list(dict.fromkeys(item_ids))):
        for row in await read(
            client,
            f"SELECT item, unitprice, quantity FROM pricing WHERE pricelevel = {BASE_PRICE_LEVEL} "
            f"AND item IN ({in_list(chunk)})",
        ):
            if row.get("unitprice") is None:
                continue
            quantity = dec(row.get("quantity"))
            current = found.get(row["item"])
            if current is None or quantity < current[1]:
                found[row["item"]] = (dec(row["unitprice"]), quantity)
    return {item: price for item, (price, _) in found.items()}


def item_change(row: Row, settings: NetSuiteSettings, account: str, base_price: Decimal | None = None) -> ItemChange:
    """The change record of one row of :func:`read_items`."""
    matrix = str(row.get("matrixtype") or "").upper()
    options = tuple(
        (label, str(row[ident(field)]))
        for field, label in settings.matrix_options.items()
        if row.get(ident(field)) not in (None, "")
    )
    buffer = None
    if settings.buffer_field and row.get(ident(settings.buffer_field)) not in (None, ""):
        buffer = dec(row[ident(settings.buffer_field)])
    inactive = flag(row.get("isinactive"))
    parent = row.get("parent")
    parent_sku = row.get("parent_sku")
    return ItemChange(
        account=account,
        ns_id=str(row["id"]),
        sku=str(row.get("itemid") or ""),
        display_name=str(row.get("displayname") or ""),
        item_type=ITEM_TYPE_NAMES.get(str(row.get("itemtype")), str(row.get("itemtype") or "")),
        is_matrix_parent=matrix == "PARENT",
        parent_ns_id=None if parent is None else str(parent),
        parent_sku=None if parent_sku is None else str(parent_sku),
        options=options,
        is_inactive=inactive,
        sellable=matrix != "PARENT" and not inactive and flag(row.get("isonline", "T")),
        safety_buffer=buffer,
        base_price=base_price,
        last_modified=parse_ts(row["lmd"]),
        modified=str(row["lmd"]),
        fingerprint=fingerprint(row),
    )
