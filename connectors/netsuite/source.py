"""NetSuite change source: SuiteQL pollers that publish items, stock, fulfilments and prices.

NetSuite has no webhooks, so every change is found by polling (a user-event script's push only
asks for an earlier poll, see :mod:`.push`). Each poller:

- reads the **server's clock** (``/system/v1/serverTime``) before it queries, so the watermark never
  depends on o2c's clock;
- re-reads an **overlap window** (``overlap_seconds`` before the watermark) to catch transactions that
  committed late, and skips rows already published (dedupe on ``id|lastmodifieddate``, the ids kept
  in the cursor);
- advances its **watermark in PostgreSQL** (``state.cursors``) only after ``publish`` returned.

Stock is not visible on ``lastmodifieddate`` (NetSuite does not touch an item when its quantities
change), so the stock poller reads a snapshot of ``aggregateitemlocation`` and publishes only the
rows whose figures differ from the last ones published (kept in ``ns_stock_published``). Prices are
found through the item's ``lastmodifieddate`` and diffed the same way (``ns_price_published``).

Event ids are deterministic (``streams.contract.event_id``), so a re-publish after a crash between
publish and bookkeeping carries the same id and consumers drop it. Polls of one kind never overlap:
an asyncio lock inside the process and a PostgreSQL advisory lock across workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg
from prometheus_client import Counter

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from state import cursors
from streams.contract import (
    NsFulfilment,
    NsFulfilmentEvent,
    NsItem,
    NsItemEvent,
    NsItemPrice,
    NsPriceEvent,
    NsStock,
    NsStockEvent,
    Publisher,
    event_id,
)
from streams.contract.netsuite import NsFulfilmentLine

log = logging.getLogger(__name__)

Row = dict[str, Any]

KINDS = ("items", "stock", "fulfilments", "prices")
TS_FORMAT = "YYYY-MM-DD HH24:MI:SS"
_PY_TS_FORMAT = "%Y-%m-%d %H:%M:%S"
IN_CHUNK = 900  # SuiteQL allows at most 1,000 values in an IN list
ITEM_TYPE_NAMES = {
    "InvtPart": "inventoryItem",
    "NonInvtPart": "nonInventoryResaleItem",
    "Kit": "kitItem",
    "Assembly": "assemblyItem",
    "Service": "serviceItem",
    "Discount": "discountItem",
    "OthCharge": "otherChargeItem",
}
SHIP_STATUS = {"A": "picked", "B": "packed", "C": "shipped"}
SO_EXTERNAL_ID = re.compile(r"^BC-SO-.+-(\d+)$", re.IGNORECASE)
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

#: Which pollers a pushed record type wakes up.
PUSH_KINDS: dict[str, tuple[str, ...]] = {
    "inventoryitem": ("items", "stock", "prices"),
    "noninventoryitem": ("items", "prices"),
    "noninventoryresaleitem": ("items", "prices"),
    "noninventorysaleitem": ("items", "prices"),
    "kititem": ("items", "prices"),
    "assemblyitem": ("items", "stock", "prices"),
    "item": ("items", "stock", "prices"),
    "pricelevel": ("prices",),
    "itemfulfillment": ("fulfilments", "stock"),
    "salesorder": ("stock",),
    "itemreceipt": ("stock",),
    "inventoryadjustment": ("stock",),
    "inventorytransfer": ("stock",),
    "transferorder": ("stock",),
}

EVENTS = Counter("o2c_netsuite_source_events_total", "Events published by the NetSuite change source", ["kind"])
POLL_ERRORS = Counter("o2c_netsuite_source_poll_errors_total", "NetSuite polls that failed", ["kind"])
POLLS = Counter("o2c_netsuite_source_polls_total", "NetSuite polls run", ["kind", "trigger"])


# -- parsing helpers ---------------------------------------------------------------------------------


def parse_ts(text: str) -> datetime:
    """A ``TO_CHAR(…, 'YYYY-MM-DD HH24:MI:SS')`` value (UTC) as an aware datetime."""
    return datetime.strptime(text, _PY_TS_FORMAT).replace(tzinfo=UTC)


def format_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_PY_TS_FORMAT)


def dec(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A SuiteQL number (a string, or absent when null) as ``Decimal``."""
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def norm(value: Decimal) -> str:
    """A canonical text for a quantity or price (``5.000`` and ``5`` are the same figure)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def flag(value: Any) -> bool:
    return str(value or "F").upper() in ("T", "TRUE")


def bc_order_id(link: Any, external_id: Any) -> int | None:
    """The BigCommerce order id from the sales order's link field, else its ``BC-SO-<store>-<id>`` externalId."""
    if link not in (None, ""):
        try:
            return int(str(link).strip())
        except ValueError:
            pass
    match = SO_EXTERNAL_ID.match(str(external_id or ""))
    return int(match.group(1)) if match else None


def _ident(name: str) -> str:
    """A column name taken from settings, checked before it goes into SQL text."""
    lowered = name.strip().lower()
    if not _IDENT.match(lowered):
        raise ValueError(f"not a SuiteQL column name: {name!r}")
    return lowered


def _in_list(ids: Iterable[str]) -> str:
    values = []
    for value in ids:
        if not str(value).isdigit():
            raise ValueError(f"not an internal id: {value!r}")
        values.append(str(value))
    return ", ".join(values)


def _quoted_list(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _fingerprint(row: Row) -> str:
    """A short, stable hash of a SuiteQL row's values."""
    text = "\x1f".join(f"{k}={row[k]}" for k in sorted(row))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@dataclass
class PollResult:
    kind: str
    published: int
    skipped: int = 0


class NetSuiteSource:
    """The four pollers over one NetSuite account; ``publish`` puts an event on its topic."""

    def __init__(
        self,
        client: NetSuiteClient,
        pool: asyncpg.Pool,
        publish: Publisher,
        settings: NetSuiteSettings | None = None,
    ) -> None:
        self.client = client
        self.pool = pool
        self.publish = publish
        self.settings = settings or client.settings
        self.account = self.settings.account_id
        self.source = f"netsuite:{self.account}"
        self._locks = {kind: asyncio.Lock() for kind in KINDS}
        self._requested: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    # -- orchestration ----------------------------------------------------------------------------

    async def poll(self, kind: str, trigger: str = "timer") -> PollResult | None:
        """Run one poll of ``kind``; ``None`` if another worker is polling it right now."""
        run = {"items": self.poll_items, "stock": self.poll_stock,
               "fulfilments": self.poll_fulfilments, "prices": self.poll_prices}[kind]
        async with self._locks[kind], self._advisory(kind) as acquired:
            if not acquired:
                return None
            POLLS.labels(kind, trigger).inc()
            result = await run()
        if result.published:
            log.info("netsuite %s: published %d", kind, result.published,
                     extra={"kind": kind, "published": result.published, "skipped": result.skipped})
        return result

    async def poll_safely(self, kind: str, trigger: str = "timer") -> PollResult | None:
        """``poll``, with failures logged and counted instead of raised (timers and push use this)."""
        try:
            return await self.poll(kind, trigger)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            POLL_ERRORS.labels(kind).inc()
            log.warning("netsuite %s poll failed: %s", kind, exc, extra={"kind": kind, "error": repr(exc)})
            return None

    def request_poll(self, kind: str) -> None:
        """Poll ``kind`` soon, in the background (a push). Coalesces: at most one more run is queued."""
        running = self._requested.get(kind)
        if running is not None and not running.done():
            self._again.add(kind)
            return

        async def runner() -> None:
            while True:
                self._again.discard(kind)
                await self.poll_safely(kind, "push")
                if kind not in self._again:
                    return

        self._requested[kind] = asyncio.get_running_loop().create_task(runner(), name=f"netsuite-push-{kind}")

    def request_for_record_type(self, record_type: str) -> tuple[str, ...]:
        kinds = PUSH_KINDS.get(record_type.lower().replace("_", ""), ())
        for kind in kinds:
            self.request_poll(kind)
        return kinds

    async def close(self) -> None:
        tasks = [t for t in self._requested.values() if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @asynccontextmanager
    async def _advisory(self, kind: str) -> AsyncIterator[bool]:
        key = _lock_key(f"netsuite-source:{self.account}:{kind}")
        async with self.pool.acquire() as conn:
            acquired = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            try:
                yield acquired
            finally:
                if acquired:
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)

    async def _rows(self, query: str, params: Sequence[Any] | None = None) -> list[Row]:
        return [row async for row in self.client.suiteql(query, params)]

    def _cursor_name(self, kind: str) -> str:
        return f"netsuite:{self.account}:{kind}"

    async def _window(self, kind: str) -> tuple[datetime, datetime, frozenset[str]]:
        """(server time now, the watermark, keys already published); rows are read from watermark - overlap."""
        now = await self.client.server_time()
        cursor = await cursors.load(self.pool, self._cursor_name(kind))
        if cursor is None:
            return now, now - timedelta(seconds=self.settings.initial_lookback_seconds), frozenset()
        return now, cursor.watermark, cursor.seen_ids

    def _since(self, watermark: datetime) -> str:
        return format_ts(watermark - timedelta(seconds=self.settings.overlap_seconds))

    @staticmethod
    def _row_key(row: Row) -> str:
        """``id|lastmodified|fingerprint``: NetSuite's modification time has one-second resolution, so the
        fingerprint of the row's content tells two versions written within the same second apart."""
        return f"{row['id']}|{row['lmd']}|{_fingerprint(row)}"

    async def _changed(
        self,
        kind: str,
        rows: Sequence[Row],
        publish_row: Callable[[Row], Awaitable[int]],
        now: datetime,
        seen: frozenset[str],
        watermark: datetime,
    ) -> PollResult:
        """Publish rows not seen yet (in order), remembering each; then move the watermark to ``now``."""
        name = self._cursor_name(kind)
        published = skipped = 0
        keys: set[str] = set(seen)
        for row in rows:
            key = self._row_key(row)
            if key in keys:
                skipped += 1
                continue
            published += await publish_row(row)
            keys.add(key)
            # Remember it at once (same watermark: the ids are added), so a crash now cannot publish it again.
            await cursors.advance(self.pool, name, watermark, {key})
        horizon = now - timedelta(seconds=self.settings.overlap_seconds)
        keep = {k for k in keys if parse_ts(k.split("|")[1]) >= horizon}
        await cursors.advance(self.pool, name, now, keep)
        EVENTS.labels(kind).inc(published)
        return PollResult(kind, published, skipped)

    # -- items ------------------------------------------------------------------------------------

    def _item_columns(self) -> str:
        extra = [f"i.{_ident(f)}" for f in self.settings.matrix_options]
        if self.settings.buffer_field:
            extra.append(f"i.{_ident(self.settings.buffer_field)}")
        return ", ".join(
            ["i.id", "i.itemid", "i.displayname", "i.itemtype", "i.parent", "i.matrixtype", "i.isinactive",
             "i.isonline", "p.itemid parent_sku", *extra,
             f"TO_CHAR(i.lastmodifieddate, '{TS_FORMAT}') lmd"]
        )

    async def poll_items(self) -> PollResult:
        now, watermark, seen = await self._window("items")
        rows = await self._rows(
            f"SELECT {self._item_columns()} FROM item i LEFT JOIN item p ON p.id = i.parent "
            f"WHERE i.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
            f"AND i.itemtype IN ({_quoted_list(self.settings.item_types)}) "
            "ORDER BY i.lastmodifieddate, i.id",
            [self._since(watermark)],
        )
        prices = await self._base_prices([r["id"] for r in rows if self._row_key(r) not in seen])

        async def publish_row(row: Row) -> int:
            await self.publish(self.item_event(row, prices.get(row["id"])))
            return 1

        return await self._changed("items", rows, publish_row, now, seen, watermark)

    async def _base_prices(self, item_ids: Sequence[str]) -> dict[str, Decimal]:
        found: dict[str, tuple[Decimal, Decimal]] = {}
        for chunk in _chunks(list(dict.fromkeys(item_ids))):
            for row in await self._rows(
                f"SELECT item, unitprice, quantity FROM pricing WHERE pricelevel = 1 AND item IN ({_in_list(chunk)})"
            ):
                if row.get("unitprice") is None:
                    continue
                quantity = dec(row.get("quantity"))
                current = found.get(row["item"])
                if current is None or quantity < current[1]:
                    found[row["item"]] = (dec(row["unitprice"]), quantity)
        return {item: price for item, (price, _) in found.items()}

    def item_event(self, row: Row, base_price: Decimal | None = None) -> NsItemEvent:
        matrix = str(row.get("matrixtype") or "").upper()
        options = tuple(
            (label, str(row[_ident(field)]))
            for field, label in self.settings.matrix_options.items()
            if row.get(_ident(field)) not in (None, "")
        )
        buffer = None
        if self.settings.buffer_field and row.get(_ident(self.settings.buffer_field)) not in (None, ""):
            buffer = dec(row[_ident(self.settings.buffer_field)])
        inactive = flag(row.get("isinactive"))
        last_modified = parse_ts(row["lmd"])
        item = NsItem(
            ns_id=str(row["id"]),
            sku=str(row.get("itemid") or ""),
            display_name=str(row.get("displayname") or ""),
            item_type=ITEM_TYPE_NAMES.get(str(row.get("itemtype")), str(row.get("itemtype") or "")),
            is_matrix_parent=matrix == "PARENT",
            parent_ns_id=row.get("parent"),
            parent_sku=row.get("parent_sku"),
            options=options,
            is_inactive=inactive,
            sellable=matrix != "PARENT" and not inactive and flag(row.get("isonline", "T")),
            safety_buffer=buffer,
            base_price=base_price,
            last_modified=last_modified,
        )
        return NsItemEvent.build(
            item, key=item.sku, source=self.source, occurred_at=last_modified,
            event_id=event_id(self.account, "item", item.ns_id, row["lmd"], _fingerprint(row)),
        )

    # -- stock ------------------------------------------------------------------------------------

    async def poll_stock(self) -> PollResult:
        now = await self.client.server_time()
        where = [f"i.itemtype IN ({_quoted_list(self.settings.item_types)})", "l.isinactive = 'F'"]
        if self.settings.stock_locations:
            where.append(f"a.location IN ({_in_list(self.settings.stock_locations)})")
        rows = await self._rows(
            "SELECT a.item, i.itemid sku, a.location, l.name location_name, a.quantityonhand, "
            "a.quantitycommitted, a.quantityavailable FROM aggregateitemlocation a "
            "JOIN item i ON i.id = a.item JOIN location l ON l.id = a.location "
            f"WHERE {' AND '.join(where)} ORDER BY a.item, a.location"
        )
        snapshot: dict[tuple[str, str], Row] = {}
        for row in rows:
            on_hand = dec(row.get("quantityonhand"))
            available = dec(row.get("quantityavailable"), on_hand)
            committed = dec(row.get("quantitycommitted"), on_hand - available)
            snapshot[(str(row["item"]), str(row["location"]))] = {
                "item": str(row["item"]), "location": str(row["location"]), "sku": str(row.get("sku") or ""),
                "location_name": str(row.get("location_name") or ""),
                "on_hand": on_hand, "committed": committed, "available": available,
            }
        changed = await self._stock_changes(list(snapshot.values()))
        published = 0
        pending: list[tuple[Any, ...]] = []
        for change in changed:
            row = snapshot[(change["item_id"], change["location_id"])]
            figures = "/".join(norm(row[k]) for k in ("on_hand", "committed", "available"))
            stock = NsStock(
                sku=row["sku"], ns_item_id=row["item"], location_id=row["location"],
                location_name=row["location_name"], on_hand=row["on_hand"], committed=row["committed"],
                available=row["available"], last_modified=now,
            )
            event = NsStockEvent.build(
                stock, key=stock.sku, source=self.source, occurred_at=now,
                event_id=event_id(self.account, "stock", f"{row['item']}@{row['location']}",
                                  change["version"], figures),
            )
            await self.publish(event)
            published += 1
            pending.append((self.account, row["item"], row["location"], row["sku"], row["on_hand"],
                            row["committed"], row["available"], change["version"]))
            if len(pending) >= 100:
                await self._record_stock(pending)
                pending = []
        if pending:
            await self._record_stock(pending)
        EVENTS.labels("stock").inc(published)
        return PollResult("stock", published, len(snapshot) - published)

    async def _stock_changes(self, rows: list[Row]) -> list[asyncpg.Record]:
        """The snapshot rows whose figures differ from the last published (set-based, in PostgreSQL)."""
        if not rows:
            return []
        result: list[asyncpg.Record] = await self.pool.fetch(
            """SELECT s.item_id, s.location_id, COALESCE(p.version, 0) + 1 AS version
                 FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[])
                      AS s(item_id, location_id, on_hand, committed, available)
                 LEFT JOIN ns_stock_published p
                        ON p.account = $1 AND p.item_id = s.item_id AND p.location_id = s.location_id
                WHERE p.item_id IS NULL
                   OR (p.on_hand, p.committed, p.available) IS DISTINCT FROM (s.on_hand, s.committed, s.available)
                ORDER BY s.item_id, s.location_id""",
            self.account, [r["item"] for r in rows], [r["location"] for r in rows],
            [r["on_hand"] for r in rows], [r["committed"] for r in rows], [r["available"] for r in rows],
        )
        return result

    async def _record_stock(self, rows: list[tuple[Any, ...]]) -> None:
        await self.pool.executemany(
            """INSERT INTO ns_stock_published (account, item_id, location_id, sku, on_hand, committed, available,
                                               version, published_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
               ON CONFLICT (account, item_id, location_id) DO UPDATE SET
                   sku = EXCLUDED.sku, on_hand = EXCLUDED.on_hand, committed = EXCLUDED.committed,
                   available = EXCLUDED.available, version = EXCLUDED.version, published_at = now()""",
            rows,
        )

    # -- fulfilments ------------------------------------------------------------------------------

    async def poll_fulfilments(self) -> PollResult:
        now, watermark, seen = await self._window("fulfilments")
        link = _ident(self.settings.order_link_field)
        headers = await self._rows(
            "SELECT f.id, f.tranid, f.status, BUILTIN.DF(f.shipmethod) shipmethod, f.shipcarrier, "
            f"TO_CHAR(f.trandate, 'YYYY-MM-DD') trandate, TO_CHAR(f.lastmodifieddate, '{TS_FORMAT}') lmd, "
            f"fl.createdfrom so_id, so.externalid so_externalid, so.{link} so_link "
            "FROM transaction f JOIN transactionline fl ON fl.transaction = f.id AND fl.mainline = 'T' "
            "LEFT JOIN transaction so ON so.id = fl.createdfrom "
            f"WHERE f.type = 'ItemShip' AND f.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
            "ORDER BY f.lastmodifieddate, f.id",
            [self._since(watermark)],
        )
        fresh = [h for h in headers if self._row_key(h) not in seen]
        details = await self._fulfilment_details([h["id"] for h in fresh], [h["so_id"] for h in fresh
                                                                             if h.get("so_id")])

        async def publish_row(row: Row) -> int:
            await self.publish(self.fulfilment_event(row, *details))
            return 1

        return await self._changed("fulfilments", headers, publish_row, now, seen, watermark)

    async def _fulfilment_details(
        self, ids: Sequence[str], so_ids: Sequence[str]
    ) -> tuple[dict[str, list[Row]], dict[str, list[str]], dict[tuple[str, str], tuple[str, str]], dict[
        tuple[str, str], str]]:
        lines: dict[str, list[Row]] = {}
        tracking: dict[str, list[str]] = {}
        links: dict[tuple[str, str], tuple[str, str]] = {}
        order_lines: dict[tuple[str, str], str] = {}
        line_link = _ident(self.settings.order_line_link_field)
        for chunk in _chunks(list(dict.fromkeys(ids))):
            in_ids = _in_list(chunk)
            for row in await self._rows(
                "SELECT tl.transaction, tl.id, tl.item, i.itemid sku, ABS(tl.quantity) quantity "
                "FROM transactionline tl JOIN item i ON i.id = tl.item "
                f"WHERE tl.transaction IN ({in_ids}) AND tl.mainline = 'F' AND tl.taxline = 'F' "
                "ORDER BY tl.transaction, tl.linesequencenumber"
            ):
                lines.setdefault(row["transaction"], []).append(row)
            for row in await self._rows(
                "SELECT m.transaction, t.trackingnumber FROM trackingnumbermap m "
                f"JOIN trackingnumber t ON t.id = m.trackingnumber WHERE m.transaction IN ({in_ids}) "
                "ORDER BY m.transaction, t.id"
            ):
                if row.get("trackingnumber"):
                    tracking.setdefault(row["transaction"], []).append(str(row["trackingnumber"]))
            for row in await self._rows(
                "SELECT nextdoc, nextline, previousdoc, previousline FROM previoustransactionlinelink "
                f"WHERE nextdoc IN ({in_ids})"
            ):
                links[(str(row["nextdoc"]), str(row.get("nextline")))] = (
                    str(row["previousdoc"]), str(row.get("previousline")))
        for chunk in _chunks(list(dict.fromkeys(so_ids))):
            for row in await self._rows(
                f"SELECT tl.transaction, tl.id, tl.{line_link} link FROM transactionline tl "
                f"WHERE tl.transaction IN ({_in_list(chunk)}) AND tl.mainline = 'F'"
            ):
                if row.get("link") not in (None, ""):
                    order_lines[(str(row["transaction"]), str(row["id"]))] = str(row["link"])
        return lines, tracking, links, order_lines

    def fulfilment_event(
        self,
        row: Row,
        lines: dict[str, list[Row]],
        tracking: dict[str, list[str]],
        links: dict[tuple[str, str], tuple[str, str]],
        order_lines: dict[tuple[str, str], str],
    ) -> NsFulfilmentEvent:
        fid = str(row["id"])
        out_lines = []
        for line in lines.get(fid, []):
            previous = links.get((fid, str(line.get("id"))))
            product = order_lines.get(previous) if previous else None
            out_lines.append(NsFulfilmentLine(
                sku=str(line.get("sku") or ""), ns_item_id=str(line.get("item") or ""),
                quantity=dec(line.get("quantity")),
                bc_order_product_id=int(product) if product and product.isdigit() else None,
            ))
        order = bc_order_id(row.get("so_link"), row.get("so_externalid"))
        ship_date = None
        if row.get("trandate"):
            try:
                ship_date = date.fromisoformat(str(row["trandate"]))
            except ValueError:
                ship_date = None
        last_modified = parse_ts(row["lmd"])
        fulfilment = NsFulfilment(
            ns_id=fid, tran_id=str(row.get("tranid") or ""), sales_order_ns_id=str(row.get("so_id") or ""),
            bc_order_id=order, ship_date=ship_date,
            status=SHIP_STATUS.get(str(row.get("status") or "C").split(":")[-1], "shipped"),
            ship_method=str(row.get("shipmethod") or ""), carrier=str(row.get("shipcarrier") or ""),
            tracking_numbers=tuple(dict.fromkeys(tracking.get(fid, []))), lines=tuple(out_lines),
            last_modified=last_modified,
        )
        return NsFulfilmentEvent.build(
            fulfilment, key=str(order) if order is not None else str(row.get("so_id") or fid),
            source=self.source, occurred_at=last_modified,
            event_id=event_id(self.account, "fulfilment", fid, row["lmd"], _fingerprint(row)),
        )

    # -- prices -----------------------------------------------------------------------------------

    async def poll_prices(self) -> PollResult:
        now, watermark, seen = await self._window("prices")
        items = await self._rows(
            f"SELECT i.id, i.itemid, TO_CHAR(i.lastmodifieddate, '{TS_FORMAT}') lmd FROM item i "
            f"WHERE i.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') "
            f"AND i.itemtype IN ({_quoted_list(self.settings.item_types)}) "
            "AND (i.matrixtype IS NULL OR i.matrixtype <> 'PARENT') ORDER BY i.lastmodifieddate, i.id",
            [self._since(watermark)],
        )
        # Prices are compared with what was last published (``ns_price_published``), so every item in the
        # window is re-read: a price edited in the same second as an earlier poll is still caught.
        del seen
        fresh = {r["id"]: r for r in items}
        prices: list[Row] = []
        for chunk in _chunks(list(fresh)):
            prices.extend(await self._rows(
                "SELECT p.item, p.pricelevel, pl.name levelname, c.symbol currency, p.quantity, p.unitprice "
                "FROM pricing p JOIN pricelevel pl ON pl.id = p.pricelevel LEFT JOIN currency c ON c.id = p.currency "
                f"WHERE p.item IN ({_in_list(chunk)}) ORDER BY p.item, p.pricelevel, p.quantity"
            ))
        changed = await self._price_changes(prices)
        published = 0
        pending: list[tuple[Any, ...]] = []
        for row in prices:
            marker = (str(row["item"]), str(row["pricelevel"]), str(row.get("currency") or ""),
                      dec(row.get("quantity")))
            if marker not in changed or row.get("unitprice") is None:
                continue
            item = fresh[row["item"]]
            last_modified = parse_ts(item["lmd"])
            price = NsItemPrice(
                sku=str(item.get("itemid") or ""), ns_item_id=marker[0], price_level_id=marker[1],
                price_level_name=str(row.get("levelname") or ""), currency=marker[2], min_quantity=marker[3],
                price=dec(row["unitprice"]), last_modified=last_modified,
            )
            await self.publish(NsPriceEvent.build(
                price, key=price.sku, source=self.source, occurred_at=last_modified,
                event_id=event_id(self.account, "price", f"{marker[0]}:{marker[1]}:{marker[2]}:{norm(marker[3])}",
                                  item["lmd"], norm(price.price)),
            ))
            published += 1
            pending.append((self.account, *marker[:3], marker[3], price.price, price.price_level_name))
        if pending:
            await self.pool.executemany(
                """INSERT INTO ns_price_published (account, item_id, price_level_id, currency, min_quantity, price,
                                                   price_level_name, published_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, now())
                   ON CONFLICT (account, item_id, price_level_id, currency, min_quantity) DO UPDATE SET
                       price = EXCLUDED.price, price_level_name = EXCLUDED.price_level_name, published_at = now()""",
                pending,
            )
        horizon = now - timedelta(seconds=self.settings.overlap_seconds)
        keep = {self._row_key(r) for r in items if parse_ts(r["lmd"]) >= horizon}
        await cursors.advance(self.pool, self._cursor_name("prices"), now, keep)
        EVENTS.labels("prices").inc(published)
        return PollResult("prices", published, len(prices) - published)

    async def _price_changes(self, rows: list[Row]) -> set[tuple[str, str, str, Decimal]]:
        if not rows:
            return set()
        found = await self.pool.fetch(
            """SELECT s.item_id, s.level_id, s.currency, s.min_quantity
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::text[])
                      AS s(item_id, level_id, currency, min_quantity, price, level_name)
                 LEFT JOIN ns_price_published p
                        ON p.account = $1 AND p.item_id = s.item_id AND p.price_level_id = s.level_id
                       AND p.currency = s.currency AND p.min_quantity = s.min_quantity
                WHERE p.item_id IS NULL OR (p.price, p.price_level_name) IS DISTINCT FROM (s.price, s.level_name)""",
            self.account,
            [str(r["item"]) for r in rows], [str(r["pricelevel"]) for r in rows],
            [str(r.get("currency") or "") for r in rows], [dec(r.get("quantity")) for r in rows],
            [dec(r.get("unitprice")) for r in rows], [str(r.get("levelname") or "") for r in rows],
        )
        return {(r["item_id"], r["level_id"], r["currency"], Decimal(r["min_quantity"])) for r in found}
