"""Prices: the items modified since a point in time, then their whole price tables (``pricing`` rows: level,
currency, quantity break), compared with the tables last handed on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from connectors.netsuite.changes import ItemPricingChange, PriceRowChange
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.rows import TS_FORMAT, Row, chunks, dec, in_list, parse_ts, quoted_list, read
from state.netsuite_source import PriceFigure


async def read_priced_items(client: NetSuiteClient, settings: NetSuiteSettings, since: str) -> list[Row]:
    """Items (not matrix parents) modified at or after ``since``, oldest first: id, itemid, lmd."""
    return await read(
        client,
        f"SELECT i.id, i.itemid, TO_CHAR(i.lastmodifieddate, '{TS_FORMAT}') lmd FROM item i "
        f"WHERE i.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
        f"AND i.itemtype IN ({quoted_list(settings.item_types)}) "
        "AND (i.matrixtype IS NULL OR i.matrixtype <> 'PARENT') ORDER BY i.lastmodifieddate, i.id",
        [since],
    )


async def read_pricing(client: NetSuiteClient, item_ids: Sequence[str]) -> list[Row]:
    """Every ``pricing`` row of these items, with its level's name and currency symbol."""
    rows: list[Row] = []
    for chunk in chunks(list(item_ids)):
        rows.extend(await read(
            client,
            "SELECT p.item, p.pricelevel, pl.name levelname, c.symbol currency, p.quantity, p.unitprice "
            "FROM pricing p JOIN pricelevel pl ON pl.id = p.pricelevel LEFT JOIN currency c ON c.id = p.currency "
            f"WHERE p.item IN ({in_list(chunk)}) ORDER BY p.item, p.pricelevel, p.quantity",
        ))
    return rows


def price_tables(rows: Iterable[Row]) -> dict[str, list[PriceFigure]]:
    """Item id → its priced rows, one per level, currency and quantity break, ordered by them. A row with
    no price (a null ``unitprice``) is not priced and left out."""
    tables: dict[str, dict[tuple[str, str, str, Decimal], PriceFigure]] = {}
    for row in rows:
        if row.get("unitprice") in (None, ""):
            continue
        figure = PriceFigure(
            item_id=str(row["item"]), price_level_id=str(row["pricelevel"]), currency=str(row.get("currency") or ""),
            min_quantity=dec(row.get("quantity")), price=dec(row["unitprice"]),
            price_level_name=str(row.get("levelname") or ""),
        )
        tables.setdefault(figure.item_id, {})[figure.marker] = figure
    return {item: sorted(table.values(), key=_order) for item, table in tables.items()}


def _order(figure: PriceFigure) -> tuple[int, str, str, Decimal]:
    level = figure.price_level_id
    return (int(level) if level.lstrip("-").isdigit() else 0), level, figure.currency, figure.min_quantity


def differs(table: Sequence[PriceFigure], published: Sequence[PriceFigure]) -> bool:
    """Whether an item's table differs from the one last handed on: a row added or gone, or a price or level
    name changed (prices compared as numbers: ``9.990`` is ``9.99``)."""
    return ({f.marker: (f.price, f.price_level_name) for f in table}
            != {f.marker: (f.price, f.price_level_name) for f in published})


def pricing_change(item: Row, table: Sequence[PriceFigure], account: str, version: int) -> ItemPricingChange:
    """The change record of ``item`` (a row of :func:`read_priced_items`) with its whole price table."""
    return ItemPricingChange(
        account=account, item_id=str(item["id"]), sku=str(item.get("itemid") or ""),
        rows=tuple(PriceRowChange(price_level_id=f.price_level_id, price_level_name=f.price_level_name,
                                  currency=f.currency, min_quantity=f.min_quantity, price=f.price) for f in table),
        last_modified=parse_ts(item["lmd"]), modified=str(item["lmd"]), version=version,
    )
