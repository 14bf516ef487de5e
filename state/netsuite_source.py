"""What the NetSuite change source last handed on (tables of ``state/migrations/002_netsuite_source.sql``).

- ``ns_stock_published``: figures per item and location, with a version counter, so a snapshot read
  hands on only the figures that changed;
- ``ns_price_published``: the price per item, price level, currency and quantity break, likewise.

Each comparison is one set-based query over the whole snapshot; a row is recorded after its change
was handed on, so a crash in between hands it on again (with the same event id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from state.db import Executor


@dataclass(frozen=True, slots=True)
class StockFigures:
    item_id: str
    location_id: str
    sku: str
    on_hand: Decimal
    committed: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True)
class PriceFigure:
    item_id: str
    price_level_id: str
    currency: str
    min_quantity: Decimal
    price: Decimal
    price_level_name: str

    @property
    def marker(self) -> tuple[str, str, str, Decimal]:
        """(item, level, currency, quantity break): what a price is kept under."""
        return self.item_id, self.price_level_id, self.currency, self.min_quantity


async def changed_stock(conn: Executor, account: str, rows: Sequence[StockFigures]) -> list[tuple[str, str, int]]:
    """(item, location, version to hand on) for the rows whose figures differ from the last recorded,
    ordered by item and location; a row never recorded gets version 1."""
    if not rows:
        return []
    found = await conn.fetch(
        """SELECT s.item_id, s.location_id, COALESCE(p.version, 0) + 1 AS version
             FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[])
                  AS s(item_id, location_id, on_hand, committed, available)
             LEFT JOIN ns_stock_published p
                    ON p.account = $1 AND p.item_id = s.item_id AND p.location_id = s.location_id
            WHERE p.item_id IS NULL
               OR (p.on_hand, p.committed, p.available) IS DISTINCT FROM (s.on_hand, s.committed, s.available)
            ORDER BY s.item_id, s.location_id""",
        account, [r.item_id for r in rows], [r.location_id for r in rows],
        [r.on_hand for r in rows], [r.committed for r in rows], [r.available for r in rows],
    )
    return [(str(r["item_id"]), str(r["location_id"]), int(r["version"])) for r in found]


async def record_stock(conn: Executor, account: str, rows: Sequence[tuple[StockFigures, int]]) -> None:
    """Remember figures as handed on, each with its version."""
    if not rows:
        return
    await conn.executemany(
        """INSERT INTO ns_stock_published (account, item_id, location_id, sku, on_hand, committed, available,
                                           version, published_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
           ON CONFLICT (account, item_id, location_id) DO UPDATE SET
               sku = EXCLUDED.sku, on_hand = EXCLUDED.on_hand, committed = EXCLUDED.committed,
               available = EXCLUDED.available, version = EXCLUDED.version, published_at = now()""",
        [(account, s.item_id, s.location_id, s.sku, s.on_hand, s.committed, s.available, version)
         for s, version in rows],
    )


async def changed_prices(conn: Executor, account: str, rows: Sequence[PriceFigure]
                         ) -> set[tuple[str, str, str, Decimal]]:
    """Markers (:attr:`PriceFigure.marker`) of the rows whose price or level name differ from the last recorded."""
    if not rows:
        return set()
    found = await conn.fetch(
        """SELECT s.item_id, s.level_id, s.currency, s.min_quantity
             FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::text[])
                  AS s(item_id, level_id, currency, min_quantity, price, level_name)
             LEFT JOIN ns_price_published p
                    ON p.account = $1 AND p.item_id = s.item_id AND p.price_level_id = s.level_id
                   AND p.currency = s.currency AND p.min_quantity = s.min_quantity
            WHERE p.item_id IS NULL OR (p.price, p.price_level_name) IS DISTINCT FROM (s.price, s.level_name)""",
        account, [r.item_id for r in rows], [r.price_level_id for r in rows], [r.currency for r in rows],
        [r.min_quantity for r in rows], [r.price for r in rows], [r.price_level_name for r in rows],
    )
    return {(str(r["item_id"]), str(r["level_id"]), str(r["currency"]), Decimal(r["min_quantity"])) for r in found}


async def record_prices(conn: Executor, account: str, rows: Sequence[PriceFigure]) -> None:
    """Remember prices as handed on."""
    if not rows:
        return
    await conn.executemany(
        """INSERT INTO ns_price_published (account, item_id, price_level_id, currency, min_quantity, price,
                                           price_level_name, published_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT (account, item_id, price_level_id, currency, min_quantity) DO UPDATE SET
               price = EXCLUDED.price, price_level_name = EXCLUDED.price_level_name, published_at = now()""",
        [(account, p.item_id, p.price_level_id, p.currency, p.min_quantity, p.price, p.price_level_name)
         for p in rows],
    )
