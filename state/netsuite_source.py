"""What the NetSuite change source last handed on (migrations ``002_netsuite_source`` and ``012_ns_customers``).

- ``ns_stock_published``: figures per item and location, with a version counter, so a snapshot read
  hands on only the figures that changed;
- ``ns_price_published`` and ``ns_price_tables``: every row of each item's price table (level, currency,
  quantity break) and the table's version, so an item's table is handed on only when it differs, rows
  gone included;
- ``ns_customer_published``: each customer's email, price level and inactive flag, with a version, likewise.

Each comparison is one set-based query over what was read; a row is recorded after its change was
handed on, so a crash in between hands it on again (with the same event id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from state.db import Executor, transaction


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


@dataclass(frozen=True, slots=True)
class PriceTable:
    """An item's price table as last handed on, and its version (1 for the first, +1 for each change)."""

    version: int
    rows: tuple[PriceFigure, ...] = ()


async def published_prices(conn: Executor, account: str, item_ids: Sequence[str]) -> dict[str, PriceTable]:
    """Item id → its price table as last handed on (items never handed on are absent)."""
    if not item_ids:
        return {}
    versions = await conn.fetch(
        "SELECT item_id, version FROM ns_price_tables WHERE account = $1 AND item_id = ANY($2::text[])",
        account, list(item_ids),
    )
    found = await conn.fetch(
        """SELECT item_id, price_level_id, currency, min_quantity, price, price_level_name
             FROM ns_price_published WHERE account = $1 AND item_id = ANY($2::text[])""",
        account, list(item_ids),
    )
    rows: dict[str, list[PriceFigure]] = {}
    for r in found:
        rows.setdefault(r["item_id"], []).append(PriceFigure(
            item_id=r["item_id"], price_level_id=r["price_level_id"], currency=r["currency"],
            min_quantity=r["min_quantity"], price=r["price"], price_level_name=r["price_level_name"]))
    tables = {r["item_id"]: PriceTable(int(r["version"]), tuple(rows.pop(r["item_id"], ()))) for r in versions}
    for item_id, orphans in rows.items():  # rows recorded without a version (never, but read them as version 0)
        tables[item_id] = PriceTable(0, tuple(orphans))
    return tables


async def record_prices(conn: Executor, account: str, tables: Mapping[str, PriceTable]) -> None:
    """Remember these items' price tables as handed on, with their versions: each item's rows replace the ones
    recorded before (a row no longer in its table goes; an empty table leaves none)."""
    if not tables:
        return
    rows = [row for table in tables.values() for row in table.rows]
    async with transaction(conn) as tx:
        await tx.execute(
            """INSERT INTO ns_price_tables (account, item_id, version, published_at)
               SELECT $1, s.item_id, s.version, now() FROM unnest($2::text[], $3::int[]) AS s(item_id, version)
               ON CONFLICT (account, item_id) DO UPDATE SET version = EXCLUDED.version, published_at = now()""",
            account, list(tables), [t.version for t in tables.values()],
        )
        await tx.execute("DELETE FROM ns_price_published WHERE account = $1 AND item_id = ANY($2::text[])",
                         account, list(tables))
        await tx.execute(
            """INSERT INTO ns_price_published (account, item_id, price_level_id, currency, min_quantity, price,
                                               price_level_name, published_at)
               SELECT $1, s.item_id, s.level_id, s.currency, s.min_quantity, s.price, s.level_name, now()
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::text[])
                      AS s(item_id, level_id, currency, min_quantity, price, level_name)""",
            account, [r.item_id for r in rows], [r.price_level_id for r in rows], [r.currency for r in rows],
            [r.min_quantity for r in rows], [r.price for r in rows], [r.price_level_name for r in rows],
        )


@dataclass(frozen=True, slots=True)
class CustomerFigures:
    """What decides whether a customer is handed on again."""

    customer_id: str
    email: str
    price_level_id: str | None
    is_inactive: bool


async def changed_customers(conn: Executor, account: str, rows: Sequence[CustomerFigures]) -> dict[str, int]:
    """Customer id → the version to hand on, for the customers never recorded (version 1) or whose email,
    price level or inactive flag differ from the last recorded."""
    if not rows:
        return {}
    found = await conn.fetch(
        """SELECT s.customer_id, COALESCE(p.version, 0) + 1 AS version
             FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[])
                  AS s(customer_id, email, price_level_id, is_inactive)
             LEFT JOIN ns_customer_published p ON p.account = $1 AND p.customer_id = s.customer_id
            WHERE p.customer_id IS NULL
               OR (p.email, p.price_level_id, p.is_inactive)
                  IS DISTINCT FROM (s.email, s.price_level_id, s.is_inactive)""",
        account, [r.customer_id for r in rows], [r.email for r in rows], [r.price_level_id for r in rows],
        [r.is_inactive for r in rows],
    )
    return {str(r["customer_id"]): int(r["version"]) for r in found}


async def record_customers(conn: Executor, account: str, rows: Sequence[tuple[CustomerFigures, int]]) -> None:
    """Remember customers as handed on, each with its version."""
    if not rows:
        return
    await conn.execute(
        """INSERT INTO ns_customer_published (account, customer_id, email, price_level_id, is_inactive, version,
                                              published_at)
           SELECT $1, s.customer_id, s.email, s.price_level_id, s.is_inactive, s.version, now()
             FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::int[])
                  AS s(customer_id, email, price_level_id, is_inactive, version)
           ON CONFLICT (account, customer_id) DO UPDATE SET
               email = EXCLUDED.email, price_level_id = EXCLUDED.price_level_id,
               is_inactive = EXCLUDED.is_inactive, version = EXCLUDED.version, published_at = now()""",
        account, [c.customer_id for c, _ in rows], [c.email for c, _ in rows], [c.price_level_id for c, _ in rows],
        [c.is_inactive for c, _ in rows], [version for _, version in rows],
    )
