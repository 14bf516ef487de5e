"""Prices: the items modified since a point in time, then their ``pricing`` rows (level, currency, break)."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.netsuite.changes import PriceChange
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


def price_figure(row: Row) -> PriceFigure:
    """A ``pricing`` row as compared with the last price handed on (a missing price reads as 0)."""
    return PriceFigure(
        item_id=str(row["item"]), price_level_id=str(row["pricelevel"]), currency=str(row.get("currency") or ""),
        min_quantity=dec(row.get("quantity")), price=dec(row.get("unitprice")),
        price_level_name=str(row.get("levelname") or ""),
    )


def price_change(figure: PriceFigure, item: Row, account: str) -> PriceChange:
    """The change record of a price of ``item`` (a row of :func:`read_priced_items`)."""
    return PriceChange(
        account=account, item_id=figure.item_id, sku=str(item.get("itemid") or ""),
        price_level_id=figure.price_level_id, price_level_name=figure.price_level_name, currency=figure.currency,
        min_quantity=figure.min_quantity, price=figure.price, last_modified=parse_ts(item["lmd"]),
        modified=str(item["lmd"]),
    )
