"""Stock: a snapshot of ``aggregateitemlocation`` (on hand, committed, available per item and location).

NetSuite does not touch an item's ``lastmodifieddate`` when its quantities change and keeps no
per-location timestamp, so stock is read as a whole snapshot and compared with what was last handed
on (``state.netsuite_source``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connectors.netsuite.changes import StockChange
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source.rows import dec, in_list, quoted_list, read
from state.netsuite_source import StockFigures


@dataclass(frozen=True, slots=True)
class StockReading:
    figures: StockFigures
    location_name: str


async def read_stock(client: NetSuiteClient, settings: NetSuiteSettings) -> dict[tuple[str, str], StockReading]:
    """(item id, location id) → its figures, for published item types at active (or configured) locations."""
    where = [f"i.itemtype IN ({quoted_list(settings.item_types)})", "l.isinactive = 'F'"]
    if settings.stock_locations:
        where.append(f"a.location IN ({in_list(settings.stock_locations)})")
    rows = await read(
        client,
        "SELECT a.item, i.itemid sku, a.location, l.name location_name, a.quantityonhand, "
        "a.quantitycommitted, a.quantityavailable FROM aggregateitemlocation a "
        "JOIN item i ON i.id = a.item JOIN location l ON l.id = a.location "
        f"WHERE {' AND '.join(where)} ORDER BY a.item, a.location",
    )
    snapshot: dict[tuple[str, str], StockReading] = {}
    for row in rows:
        on_hand = dec(row.get("quantityonhand"))
        available = dec(row.get("quantityavailable"), on_hand)
        committed = dec(row.get("quantitycommitted"), on_hand - available)
        figures = StockFigures(item_id=str(row["item"]), location_id=str(row["location"]),
                               sku=str(row.get("sku") or ""), on_hand=on_hand, committed=committed,
                               available=available)
        snapshot[(figures.item_id, figures.location_id)] = StockReading(
            figures, str(row.get("location_name") or ""))
    return snapshot


def stock_change(reading: StockReading, *, account: str, version: int, read_at: datetime) -> StockChange:
    f = reading.figures
    return StockChange(
        account=account, item_id=f.item_id, sku=f.sku, location_id=f.location_id,
        location_name=reading.location_name, on_hand=f.on_hand, committed=f.committed, available=f.available,
        read_at=read_at, version=version,
    )
