"""Fulfilments: ``ItemShip`` transactions modified since a point in time, with their lines, tracking
numbers and the BigCommerce order (and order-product) ids of the sales order they ship."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from connectors.netsuite.changes import FulfilmentChange, FulfilmentLineChange
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.rows import (
    TS_FORMAT,
    Row,
    bc_order_id,
    chunks,
    dec,
    fingerprint,
    ident,
    in_list,
    parse_ts,
    read,
)

SHIP_STATUS = {"A": "picked", "B": "packed", "C": "shipped"}


@dataclass
class Details:
    """What a fulfilment header needs besides itself, read for many fulfilments at once."""

    lines: dict[str, list[Row]] = field(default_factory=dict)  # fulfilment id → its item lines
    tracking: dict[str, list[str]] = field(default_factory=dict)  # fulfilment id → tracking numbers
    links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (ful, line) → (so, so line)
    order_lines: dict[tuple[str, str], str] = field(default_factory=dict)  # (so, so line) → BC order-product id


async def read_headers(client: NetSuiteClient, settings: NetSuiteSettings, since: str) -> list[Row]:
    """Fulfilments modified at or after ``since``, oldest first, each with its sales order's id and links."""
    link = ident(settings.order_link_field)
    return await read(
        client,
        "SELECT f.id, f.tranid, f.status, BUILTIN.DF(f.shipmethod) shipmethod, f.shipcarrier, "
        f"TO_CHAR(f.trandate, 'YYYY-MM-DD') trandate, TO_CHAR(f.lastmodifieddate, '{TS_FORMAT}') lmd, "
        f"fl.createdfrom so_id, so.externalid so_externalid, so.{link} so_link "
        "FROM transaction f JOIN transactionline fl ON fl.transaction = f.id AND fl.mainline = 'T' "
        "LEFT JOIN transaction so ON so.id = fl.createdfrom "
        f"WHERE f.type = 'ItemShip' AND f.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
        "ORDER BY f.lastmodifieddate, f.id",
        [since],
    )


async def read_details(client: NetSuiteClient, settings: NetSuiteSettings, headers: Sequence[Row]) -> Details:
    """Lines, tracking numbers and order links of these fulfilments (a few queries per 900 of them)."""
    details = Details()
    ids = [h["id"] for h in headers]
    so_ids = [h["so_id"] for h in headers if h.get("so_id")]
    line_link = ident(settings.order_line_link_field)
    for chunk in chunks(list(dict.fromkeys(ids))):
        in_ids = in_list(chunk)
        for row in await read(
            client,
            "SELECT tl.transaction, tl.id, tl.item, i.itemid sku, ABS(tl.quantity) quantity "
            "FROM transactionline tl JOIN item i ON i.id = tl.item "
            f"WHERE tl.transaction IN ({in_ids}) AND tl.mainline = 'F' AND tl.taxline = 'F' "
            "ORDER BY tl.transaction, tl.linesequencenumber",
        ):
            details.lines.setdefault(row["transaction"], []).append(row)
        for row in await read(
            client,
            "SELECT m.transaction, t.trackingnumber FROM trackingnumbermap m "
            f"JOIN trackingnumber t ON t.id = m.trackingnumber WHERE m.transaction IN ({in_ids}) "
            "ORDER BY m.transaction, t.id",
        ):
            if row.get("trackingnumber"):
                details.tracking.setdefault(row["transaction"], []).append(str(row["trackingnumber"]))
        for row in await read(
            client,
            "SELECT nextdoc, nextline, previousdoc, previousline FROM previoustransactionlinelink "
            f"WHERE nextdoc IN ({in_ids})",
        ):
            details.links[(str(row["nextdoc"]), str(row.get("nextline")))] = (
                str(row["previousdoc"]), str(row.get("previousline")))
    for chunk in chunks(list(dict.fromkeys(so_ids))):
        for row in await read(
            client,
            f"SELECT tl.transaction, tl.id, tl.{line_link} link FROM transactionline tl "
            f"WHERE tl.transaction IN ({in_list(chunk)}) AND tl.mainline = 'F'",
        ):
            if row.get("link") not in (None, ""):
                details.order_lines[(str(row["transaction"]), str(row["id"]))] = str(row["link"])
    return details


def fulfilment_change(row: Row, details: Details, account: str) -> FulfilmentChange:
    """The change record of one row of :func:`read_headers`."""
    fid = str(row["id"])
    lines = []
    for line in details.lines.get(fid, []):
        previous = details.links.get((fid, str(line.get("id"))))
        product = details.order_lines.get(previous) if previous else None
        lines.append(FulfilmentLineChange(
            sku=str(line.get("sku") or ""), item_id=str(line.get("item") or ""), quantity=dec(line.get("quantity")),
            bc_order_product_id=int(product) if product and product.isdigit() else None,
        ))
    ship_date = None
    if row.get("trandate"):
        try:
            ship_date = date.fromisoformat(str(row["trandate"]))
        except ValueError:
            ship_date = None
    return FulfilmentChange(
        account=account, ns_id=fid, tran_id=str(row.get("tranid") or ""),
        sales_order_id=str(row.get("so_id") or ""),
        bc_order_id=bc_order_id(row.get("so_link"), row.get("so_externalid")), ship_date=ship_date,
        status=SHIP_STATUS.get(str(row.get("status") or "C").split(":")[-1], "shipped"),
        ship_method=str(row.get("shipmethod") or ""), carrier=str(row.get("shipcarrier") or ""),
        tracking_numbers=tuple(dict.fromkeys(details.tracking.get(fid, []))), lines=tuple(lines),
        last_modified=parse_ts(row["lmd"]), modified=str(row["lmd"]), fingerprint=fingerprint(row),
    )
