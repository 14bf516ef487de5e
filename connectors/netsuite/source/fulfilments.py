"""Fulfilments: ``ItemShip`` transactions modified since a point in time, with their lines, tracking
numbers, packages and the BigCommerce order (and order-product) ids of the sales order they ship; and
fulfilments deleted since then (SuiteQL ``deletedrecord``).

A fulfilment with one tracking number (or none) is one package holding every line: no further request.
Only one with several tracking numbers is read as a record (``GET itemFulfillment/{id}?expandSubResources=true``)
for its packages (``package.items[]``) and what each holds: the line's inventory assignments whose
``packCarton`` is the package's ``packageCartonNumber``. Packages without cartons are handed on without
contents (the consumer decides what to do with them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.http import PermanentError, one_line
from connectors.netsuite.changes import FulfilmentChange, FulfilmentLineChange, PackageChange, PackageLineChange
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

log = logging.getLogger(__name__)

SHIP_STATUS = {"A": "picked", "B": "packed", "C": "shipped"}
STORE_HASH_FIELD = "custbody_bc_store_hash"  # written on every sales order o2c creates


@dataclass
class Details:
    """What a fulfilment header needs besides itself, read for many fulfilments at once."""

    lines: dict[str, list[Row]] = field(default_factory=dict)  # fulfilment id → its item lines
    tracking: dict[str, list[str]] = field(default_factory=dict)  # fulfilment id → tracking numbers
    links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (ful, line) → (so, so line)
    order_lines: dict[tuple[str, str], str] = field(default_factory=dict)  # (so, so line) → BC order-product id
    packages: dict[str, tuple[PackageChange, ...]] = field(default_factory=dict)  # fulfilment id → packages


def _header_query(settings: NetSuiteSettings, where: str) -> str:
    link = ident(settings.order_link_field)
    return (
        "SELECT f.id, f.tranid, f.status, BUILTIN.DF(f.shipmethod) shipmethod, f.shipmethod shipmethod_id, "
        f"f.shipcarrier, TO_CHAR(f.trandate, 'YYYY-MM-DD') trandate, TO_CHAR(f.lastmodifieddate, '{TS_FORMAT}') lmd, "
        f"fl.createdfrom so_id, so.externalid so_externalid, so.{link} so_link, so.{STORE_HASH_FIELD} so_store "
        "FROM transaction f JOIN transactionline fl ON fl.transaction = f.id AND fl.mainline = 'T' "
        "LEFT JOIN transaction so ON so.id = fl.createdfrom "
        f"WHERE f.type = 'ItemShip' AND {where} "
        "ORDER BY f.lastmodifieddate, f.id"
    )


async def read_headers(client: NetSuiteClient, settings: NetSuiteSettings, since: str) -> list[Row]:
    """Fulfilments modified at or after ``since``, oldest first, each with its sales order's id and links."""
    return await read(client, _header_query(settings, f"f.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}')"),
                      [since])


async def read_fulfilment(client: NetSuiteClient, settings: NetSuiteSettings, ns_id: str,
                          account: str) -> FulfilmentChange | None:
    """One fulfilment as NetSuite holds it now (an operator's retry), read as the poller reads it; ``None``
    when it no longer exists."""
    headers = await read(client, _header_query(settings, "f.id = ?"), [ns_id])
    if not headers:
        return None
    return fulfilment_change(headers[0], await read_details(client, settings, headers[:1]), account)


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
    for fid in dict.fromkeys(ids):
        if len(set(details.tracking.get(fid, []))) > 1:
            details.packages[fid] = packages_of(await client.get("itemFulfillment", fid, expand=True))
    for chunk in chunks(list(dict.fromkeys(so_ids))):
        for row in await read(
            client,
            f"SELECT tl.transaction, tl.id, tl.{line_link} link FROM transactionline tl "
            f"WHERE tl.transaction IN ({in_list(chunk)}) AND tl.mainline = 'F'",
        ):
            if row.get("link") not in (None, ""):
                details.order_lines[(str(row["transaction"]), str(row["id"]))] = str(row["link"])
    return details


async def read_deleted(client: NetSuiteClient, since: str) -> list[Row]:
    """Fulfilments deleted at or after ``since`` (``deletedrecord``), each marked ``deleted``; an account
    that cannot read the table (a role without the permission) gives none, with a warning."""
    try:
        rows = await read(
            client,
            f"SELECT d.recordid id, d.name, TO_CHAR(d.deleteddate, '{TS_FORMAT}') lmd FROM deletedrecord d "
            f"WHERE d.type = 'itemfulfillment' AND d.deleteddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
            "ORDER BY d.deleteddate, d.recordid",
            [since],
        )
    except PermanentError as error:
        log.warning(f"deleted fulfilments not readable ({one_line(error)}); deletions are not followed")
        return []
    return [{**row, "deleted": "T"} for row in rows if row.get("id") not in (None, "") and row.get("lmd")]


def _items(value: Any) -> list[dict[str, Any]]:
    found = value.get("items") if isinstance(value, dict) else None
    return [v for v in found or [] if isinstance(v, dict)]


def packages_of(record: dict[str, Any]) -> tuple[PackageChange, ...]:
    """The packages of an expanded ``itemFulfillment`` record, each with what its carton holds."""
    contents: dict[str, list[PackageLineChange]] = {}
    for line in _items(record.get("item")):
        if line.get("itemReceive") is False:
            continue
        sku = str((line.get("item") or {}).get("refName") or "") if isinstance(line.get("item"), dict) else ""
        detail = line.get("inventoryDetail") if isinstance(line.get("inventoryDetail"), dict) else {}
        for assignment in _items((detail or {}).get("inventoryAssignment")):
            carton = str(assignment.get("packCarton") or "")
            if carton:
                contents.setdefault(carton, []).append(PackageLineChange(
                    order_line=str(line.get("orderLine") or ""), sku=sku, quantity=dec(assignment.get("quantity"))))
    packages = []
    for package in _items(record.get("package")):
        carton = str(package.get("packageCartonNumber") or "")
        weight = package.get("packageWeight")
        packages.append(PackageChange(
            tracking_number=str(package.get("packageTrackingNumber") or ""), carton=carton,
            weight=dec(weight) if weight not in (None, "") else None,
            lines=tuple(contents.get(carton, ())) if carton else ()))
    return tuple(packages)


def deleted_change(row: Row, account: str) -> FulfilmentChange:
    """The change record of a row of :func:`read_deleted`: only the id and the deletion time are known."""
    return FulfilmentChange(
        account=account, ns_id=str(row["id"]), tran_id=str(row.get("name") or ""), sales_order_id="",
        bc_order_id=None, ship_date=None, status="deleted", ship_method="", carrier="", tracking_numbers=(),
        lines=(), last_modified=parse_ts(row["lmd"]), modified=str(row["lmd"]), fingerprint=fingerprint(row),
    )


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
            order_line=previous[1] if previous else "",
        ))
    ship_date = None
    if row.get("trandate"):
        try:
            ship_date = date.fromisoformat(str(row["trandate"]))
        except ValueError:
            ship_date = None
    tracking = tuple(dict.fromkeys(details.tracking.get(fid, [])))
    return FulfilmentChange(
        account=account, ns_id=fid, tran_id=str(row.get("tranid") or ""),
        sales_order_id=str(row.get("so_id") or ""),
        bc_order_id=bc_order_id(row.get("so_link"), row.get("so_externalid")), ship_date=ship_date,
        status=SHIP_STATUS.get(str(row.get("status") or "C").split(":")[-1], "shipped"),
        ship_method=str(row.get("shipmethod") or ""), carrier=str(row.get("shipcarrier") or ""),
        tracking_numbers=tracking, lines=tuple(lines),
        last_modified=parse_ts(row["lmd"]), modified=str(row["lmd"]), fingerprint=fingerprint(row),
        store_hash=str(row.get("so_store") or ""), ship_method_id=str(row.get("shipmethod_id") or ""),
        packages=details.packages.get(fid) or ((PackageChange(tracking_number=tracking[0]),) if tracking else ()),
    )
