"""The SKU map: BigCommerce SKU ↔ NetSuite item, fed by ``ns.items``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from state.db import Executor


@dataclass(frozen=True)
class MappedItem:
    sku: str
    ns_id: str
    item_type: str
    parent_sku: str | None
    sellable: bool
    is_inactive: bool
    last_modified: datetime


async def upsert(conn: Executor, item: MappedItem) -> bool:
    """Store ``item`` unless a newer version is already stored; True if the row changed."""
    result: str = await conn.execute(
        """INSERT INTO sku_map (sku, ns_id, item_type, parent_sku, sellable, is_inactive, last_modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (sku) DO UPDATE SET ns_id = EXCLUDED.ns_id, item_type = EXCLUDED.item_type,
               parent_sku = EXCLUDED.parent_sku, sellable = EXCLUDED.sellable, is_inactive = EXCLUDED.is_inactive,
               last_modified = EXCLUDED.last_modified, updated_at = now()
           WHERE sku_map.last_modified <= EXCLUDED.last_modified""",
        item.sku, item.ns_id, item.item_type, item.parent_sku, item.sellable, item.is_inactive, item.last_modified,
    )
    return result.endswith(" 1")


async def resolve(conn: Executor, skus: Iterable[str]) -> dict[str, str]:
    """SKU → NetSuite internal id for the active items among ``skus``."""
    rows = await conn.fetch(
        "SELECT sku, ns_id FROM sku_map WHERE sku = ANY($1::text[]) AND NOT is_inactive", list(set(skus))
    )
    return {r["sku"]: r["ns_id"] for r in rows}


async def remember(conn: Executor, sku: str, ns_id: str, item_type: str) -> None:
    """Record an item found directly in NetSuite (the special lines: discount, tax, rounding)."""
    await conn.execute(
        """INSERT INTO sku_map (sku, ns_id, item_type, sellable, is_inactive, last_modified)
           VALUES ($1, $2, $3, false, false, now()) ON CONFLICT (sku) DO NOTHING""",
        sku, ns_id, item_type,
    )


async def forget(conn: Executor, skus: Iterable[str]) -> None:
    """Drop remembered special items (found directly in NetSuite) so they are looked up again."""
    await conn.execute("DELETE FROM sku_map WHERE sku = ANY($1::text[]) AND NOT sellable", list(skus))
