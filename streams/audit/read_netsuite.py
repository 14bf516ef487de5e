"""The NetSuite side of each check: SuiteQL through the worker's client, one query at a time (the audit
holds at most one of the account's concurrency slots, FIFO behind nothing it should overtake).

Items, stock and prices are read with the NetSuite change source's own queries
(``connectors.netsuite.source``), so the audit sees exactly what the flows are fed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source import fulfilments as ns_fulfilments
from connectors.netsuite.source import items as ns_items
from connectors.netsuite.source import prices as ns_prices
from connectors.netsuite.source import stock as ns_stock
from connectors.netsuite.source.fulfilments import SHIP_STATUS
from connectors.netsuite.source.rows import (
    TS_FORMAT,
    Row,
    bc_order_id,
    chunks,
    dec,
    flag,
    format_ts,
    ident,
    quoted_list,
    read,
)
from streams.audit.customers import NsCustomer
from streams.audit.items import NsItem
from streams.audit.orders import SalesOrder
from streams.audit.shipments import Fulfilment
from streams.contract.netsuite import NsItemPricing, NsPriceRow
from streams.inventory.model import LocationFigure, SkuStock

BEGINNING = datetime(1970, 1, 2, tzinfo=UTC)


async def sales_orders(client: NetSuiteClient, settings: NetSuiteSettings, store_hash: str,
                       since: datetime) -> list[SalesOrder]:
    """Sales orders with an externalId ``BC-SO-<store>-…`` created since ``since``."""
    link = ident(settings.order_link_field)
    rows = await read(
        client,
        f"SELECT t.id, t.tranid, t.externalid, t.foreigntotal, t.{link} link FROM transaction t "
        f"WHERE t.type = 'SalesOrd' AND t.externalid LIKE ? AND t.createddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
        "ORDER BY t.id",
        [f"BC-SO-{store_hash}-%", format_ts(since)],
    )
    out = []
    for row in rows:
        order_id = bc_order_id(row.get("link"), row.get("externalid"))
        if order_id is not None and str(row.get("externalid") or "").startswith(f"BC-SO-{store_hash}-"):
            out.append(SalesOrder(str(row["id"]), str(row.get("tranid") or ""), str(row["externalid"]), order_id,
                                  dec(row.get("foreigntotal")).quantize(Decimal("0.01"))))
    return out


async def customers(client: NetSuiteClient) -> list[NsCustomer]:
    rows = await read(client, "SELECT c.id, c.entityid, c.email, c.isinactive FROM customer c "
                              "WHERE c.email IS NOT NULL ORDER BY c.id")
    return [NsCustomer(str(r["id"]), str(r.get("email") or ""), str(r.get("entityid") or ""),
                       flag(r.get("isinactive"))) for r in rows]


async def item_rows(client: NetSuiteClient, settings: NetSuiteSettings) -> list[Row]:
    """Every item of the published types (the items poller's query, from the beginning)."""
    return await ns_items.read_items(client, settings, format_ts(BEGINNING))


def items(rows: Iterable[Row]) -> list[NsItem]:
    return [NsItem(str(r["id"]), str(r.get("itemid") or ""), str(r.get("displayname") or ""),
                   matrix_parent=str(r.get("matrixtype") or "").upper() == "PARENT",
                   inactive=flag(r.get("isinactive")), online=flag(r.get("isonline", "T"))) for r in rows]


def buffers(rows: Iterable[Row], settings: NetSuiteSettings) -> dict[str, Decimal | None]:
    """SKU → the item's safety buffer field (None: not set)."""
    field = ident(settings.buffer_field) if settings.buffer_field else None
    return {str(r.get("itemid") or ""): (dec(r[field]) if field and r.get(field) not in (None, "") else None)
            for r in rows}


async def stock(client: NetSuiteClient, settings: NetSuiteSettings) -> tuple[dict[str, SkuStock], dict[str, str]]:
    """Per SKU, every location's figures as the stock poller reads them now; and SKU → item id."""
    read_at = await client.server_time()
    snapshot = await ns_stock.read_stock(client, settings)
    stocks: dict[str, SkuStock] = {}
    item_ids: dict[str, str] = {}
    for reading in snapshot.values():
        f = reading.figures
        stocks.setdefault(f.sku, SkuStock()).apply(f.location_id, LocationFigure(f.available, f.on_hand,
                                                                                 f.committed, read_at))
        item_ids[f.sku] = f.item_id
    return stocks, item_ids


async def fulfilments_since(client: NetSuiteClient, settings: NetSuiteSettings, store_hash: str,
                            since: datetime) -> list[Fulfilment]:
    """Fulfilments modified since ``since`` of sales orders of this store."""
    rows = await ns_fulfilments.read_headers(client, settings, format_ts(since))
    out: dict[str, Fulfilment] = {}
    for r in rows:
        mine = r.get("so_store") == store_hash or str(r.get("so_externalid") or "").startswith(f"BC-SO-{store_hash}-")
        order_id = bc_order_id(r.get("so_link"), r.get("so_externalid"))
        if mine and order_id is not None:
            out[str(r["id"])] = Fulfilment(str(r["id"]), str(r.get("tranid") or ""),
                                           SHIP_STATUS.get(str(r.get("status") or ""), str(r.get("status") or "")),
                                           order_id, str(r.get("trandate") or ""))
    return list(out.values())


async def credited_refunds(client: NetSuiteClient, store_hash: str, since: datetime) -> set[int]:
    """BigCommerce refund ids with a credit memo (``BC-CM-…``) or customer refund (``BC-RF-…``) created since."""
    cm, rf = f"BC-CM-{store_hash}-", f"BC-RF-{store_hash}-"
    rows = await read(
        client,
        "SELECT t.externalid FROM transaction t WHERE t.type IN ('CustCred', 'CustRfnd') "
        f"AND t.createddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') AND (t.externalid LIKE ? OR t.externalid LIKE ?)",
        [format_ts(since), cm + "%", rf + "%"],
    )
    out: set[int] = set()
    for row in rows:
        eid = str(row.get("externalid") or "")
        ref = eid[len(cm):] if eid.startswith(cm) else eid[len(rf):].rsplit("-", 1)[0] if eid.startswith(rf) else ""
        if ref.isdigit():
            out.add(int(ref))
        elif ref.startswith("V") and ref[1:].isdigit():
            out.add(-int(ref[1:]))
    return out


async def journal_entries(client: NetSuiteClient, external_ids: Sequence[str]) -> set[str]:
    """Which of these journal entry externalIds NetSuite has."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(external_ids))):
        rows = await read(client, "SELECT t.externalid FROM transaction t WHERE t.type = 'Journal' "
                                  f"AND t.externalid IN ({quoted_list(chunk)})")
        found.update(str(r.get("externalid")) for r in rows)
    return found


async def pricing(client: NetSuiteClient, settings: NetSuiteSettings) -> list[NsItemPricing]:
    """Every priced item's whole price table (the prices poller's queries, from the beginning)."""
    priced = await ns_prices.read_priced_items(client, settings, format_ts(BEGINNING))
    skus = {str(i["id"]): str(i.get("itemid") or "") for i in priced}
    tables = ns_prices.price_tables(await ns_prices.read_pricing(client, list(skus)))
    now = datetime.now(UTC)
    return [NsItemPricing(sku=skus[item], ns_item_id=item, last_modified=now, prices=tuple(
        NsPriceRow(price_level_id=f.price_level_id, price_level_name=f.price_level_name, currency=f.currency,
                   min_quantity=f.min_quantity, price=f.price) for f in table))
        for item, table in tables.items() if item in skus]
