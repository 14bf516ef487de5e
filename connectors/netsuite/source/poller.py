"""The NetSuite change source: five SuiteQL pollers that hand every new version of an item, a stock
figure, a fulfilment, an item's price table or a customer to a callback, exactly once across restarts.

NetSuite has no webhooks, so every change is found by polling (a user-event script's push only
asks for an earlier poll, see :mod:`connectors.netsuite.push`). Each poller:

- reads the **server's clock** (``/system/v1/serverTime``) before it queries, so the watermark never
  depends on o2c's clock;
- re-reads an **overlap window** (``overlap_seconds`` before the watermark) to catch transactions that
  committed late, and skips rows already handed on (dedupe on ``id|lastmodifieddate|fingerprint``,
  the keys kept in the cursor);
- advances its **watermark in PostgreSQL** (``state.cursors``) only after the callback returned.

Stock is not visible on ``lastmodifieddate``, so the stock poller reads a snapshot and hands on only
the figures that differ from the last ones (``state.netsuite_source``). Price tables are found through
the item's ``lastmodifieddate`` and customers through their own, and both are compared the same way
(a whole table per item, rows gone included; a customer's email, price level and inactive flag).
Their first poll reads everything (they describe state that a consumer needs whole), and prices keep
their watermark under ``prices.v2`` (an account that published version 1 is read again once). A
crash between the callback and the bookkeeping hands that one change on again, identical (so its
event id is the same and consumers drop it). Polls of one kind never overlap: an asyncio lock inside
the process and a PostgreSQL advisory lock across workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter

from connectors.netsuite.changes import ChangeHandler
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.source import customers, fulfilments, items, prices, stock
from connectors.netsuite.source.rows import IN_CHUNK, Row, chunks, format_ts, parse_ts, row_key
from state import cursors
from state import netsuite_source as published
from state.netsuite_source import CustomerFigures, PriceTable, StockFigures

log = logging.getLogger(__name__)

KINDS = ("items", "stock", "fulfilments", "prices", "customers")
STOCK_RECORD_EVERY = 100  # stock rows (and customers) handed on between two writes of their bookkeeping
#: The watermark's name per kind, where it is not the kind: a new name reads everything again once.
CURSOR_NAMES = {"prices": "prices.v2"}
#: Kinds whose first poll (no watermark yet) reads from the beginning instead of ``initial_lookback_seconds``.
FULL_FIRST_POLL = frozenset({"prices", "customers"})
BEGINNING = datetime(1970, 1, 2, tzinfo=UTC)
#: An item's price table read at a lastmodifieddate at least this long before the poll began is not read
#: again at that lastmodifieddate (an edit after the poll began has a later one).
SETTLE_SECONDS = 10

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
    "customer": ("customers",),
    "itemfulfillment": ("fulfilments", "stock"),
    "salesorder": ("stock",),
    "itemreceipt": ("stock",),
    "inventoryadjustment": ("stock",),
    "inventorytransfer": ("stock",),
    "transferorder": ("stock",),
}

EVENTS = Counter("o2c_netsuite_source_events_total", "Changes the NetSuite change source handed on", ["kind"])
POLL_ERRORS = Counter("o2c_netsuite_source_poll_errors_total", "NetSuite polls that failed", ["kind"])
POLLS = Counter("o2c_netsuite_source_polls_total", "NetSuite polls run", ["kind", "trigger"])


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@dataclass
class PollResult:
    kind: str
    published: int
    skipped: int = 0


class NetSuiteSource:
    """The five pollers over one NetSuite account; ``on_change`` takes each change (and returns once it is safe).

    ``pool`` holds the cursors and the published figures, and the advisory locks: a poll keeps one
    connection (a session lock) for as long as it runs.
    """

    def __init__(
        self,
        client: NetSuiteClient,
        pool: asyncpg.Pool,
        on_change: ChangeHandler,
        settings: NetSuiteSettings | None = None,
    ) -> None:
        self.client = client
        self.pool = pool
        self.on_change = on_change
        self.settings = settings or client.settings
        self.account = self.settings.account_id
        self._locks = {kind: asyncio.Lock() for kind in KINDS}
        self._requested: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    # -- orchestration ----------------------------------------------------------------------------

    async def poll(self, kind: str, trigger: str = "timer") -> PollResult | None:
        """Run one poll of ``kind``; ``None`` if another worker is polling it right now."""
        run = {"items": self.poll_items, "stock": self.poll_stock, "fulfilments": self.poll_fulfilments,
               "prices": self.poll_prices, "customers": self.poll_customers}[kind]
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

    # -- windows and bookkeeping ------------------------------------------------------------------

    def _cursor_name(self, kind: str) -> str:
        return f"netsuite:{self.account}:{CURSOR_NAMES.get(kind, kind)}"

    async def _window(self, kind: str) -> tuple[datetime, datetime, frozenset[str]]:
        """(server time now, the watermark, keys already handed on); rows are read from watermark - overlap."""
        now = await self.client.server_time()
        cursor = await cursors.load(self.pool, self._cursor_name(kind))
        if cursor is None:
            if kind in FULL_FIRST_POLL:
                return now, BEGINNING, frozenset()
            return now, now - timedelta(seconds=self.settings.initial_lookback_seconds), frozenset()
        return now, cursor.watermark, cursor.seen_ids

    def _since(self, watermark: datetime) -> str:
        return format_ts(watermark - timedelta(seconds=self.settings.overlap_seconds))

    def _inside_overlap(self, keys: set[str], now: datetime) -> set[str]:
        """The keys whose version is recent enough to be read again by the next poll."""
        horizon = now - timedelta(seconds=self.settings.overlap_seconds)
        return {k for k in keys if parse_ts(k.split("|")[1]) >= horizon}

    async def _hand_on_new(
        self,
        kind: str,
        rows: Sequence[Row],
        hand_on: Callable[[Row], Awaitable[None]],
        now: datetime,
        seen: frozenset[str],
        watermark: datetime,
    ) -> PollResult:
        """Hand on the rows not seen yet (in order), remembering each; then move the watermark to ``now``."""
        name = self._cursor_name(kind)
        done = skipped = 0
        keys: set[str] = set(seen)
        for row in rows:
            key = row_key(row)
            if key in keys:
                skipped += 1
                continue
            await hand_on(row)
            done += 1
            keys.add(key)
            # Remember it at once (same watermark: the keys are added), so a crash now cannot hand it on again.
            await cursors.advance(self.pool, name, watermark, {key})
        await cursors.advance(self.pool, name, now, self._inside_overlap(keys, now))
        EVENTS.labels(kind).inc(done)
        return PollResult(kind, done, skipped)

    # -- the five kinds ---------------------------------------------------------------------------

    async def poll_items(self) -> PollResult:
        now, watermark, seen = await self._window("items")
        rows = await items.read_items(self.client, self.settings, self._since(watermark))
        base = await items.base_prices(self.client, [r["id"] for r in rows if row_key(r) not in seen])

        async def hand_on(row: Row) -> None:
            await self.on_change(items.item_change(row, self.settings, self.account, base.get(row["id"])))

        return await self._hand_on_new("items", rows, hand_on, now, seen, watermark)

    async def poll_stock(self) -> PollResult:
        now = await self.client.server_time()
        snapshot = await stock.read_stock(self.client, self.settings)
        changed = await published.changed_stock(self.pool, self.account, [r.figures for r in snapshot.values()])
        pending: list[tuple[StockFigures, int]] = []
        for item_id, location_id, version in changed:
            reading = snapshot[(item_id, location_id)]
            await self.on_change(stock.stock_change(reading, account=self.account, version=version, read_at=now))
            pending.append((reading.figures, version))
            if len(pending) >= STOCK_RECORD_EVERY:
                await published.record_stock(self.pool, self.account, pending)
                pending = []
        await published.record_stock(self.pool, self.account, pending)
        EVENTS.labels("stock").inc(len(changed))
        return PollResult("stock", len(changed), len(snapshot) - len(changed))

    async def poll_fulfilments(self) -> PollResult:
        now, watermark, seen = await self._window("fulfilments")
        since = self._since(watermark)
        headers = await fulfilments.read_headers(self.client, self.settings, since)
        deleted = await fulfilments.read_deleted(self.client, since)
        details = await fulfilments.read_details(self.client, self.settings,
                                                 [h for h in headers if row_key(h) not in seen])

        async def hand_on(row: Row) -> None:
            if row.get("deleted"):
                await self.on_change(fulfilments.deleted_change(row, self.account))
            else:
                await self.on_change(fulfilments.fulfilment_change(row, details, self.account))

        rows = sorted([*headers, *deleted], key=lambda r: str(r["lmd"]))  # stable: headers first within a second
        return await self._hand_on_new("fulfilments", rows, hand_on, now, seen, watermark)

    async def poll_prices(self) -> PollResult:
        """Hand on the whole price table of each item modified since the watermark whose table differs from
        the one last handed on (rows added, changed or gone; an empty table only after a non-empty one)."""
        # Tables are compared with what was last handed on. The cursor keeps only the items read at a
        # lastmodifieddate SETTLE_SECONDS before a poll began: any later edit has a later lastmodifieddate,
        # so those are skipped until they change, and a price edited in the same second as a poll is still
        # read again by the next one.
        now, watermark, seen = await self._window("prices")
        in_window = await prices.read_priced_items(self.client, self.settings, self._since(watermark))
        priced = [item for item in in_window if row_key(item) not in seen]
        settled_before = now - timedelta(seconds=SETTLE_SECONDS)
        handed = 0
        for chunk in chunks(priced, IN_CHUNK):
            ids = [str(item["id"]) for item in chunk]
            tables = prices.price_tables(await prices.read_pricing(self.client, ids))
            before = await published.published_prices(self.pool, self.account, ids)
            pending: dict[str, PriceTable] = {}
            for item in chunk:
                item_id = str(item["id"])
                table, last = tables.get(item_id, []), before.get(item_id, PriceTable(0))
                if item_id in pending or not prices.differs(table, last.rows):
                    continue
                await self.on_change(prices.pricing_change(item, table, self.account, last.version + 1))
                pending[item_id] = PriceTable(last.version + 1, tuple(table))
            await published.record_prices(self.pool, self.account, pending)
            handed += len(pending)
        settled = {row_key(item) for item in in_window if parse_ts(item["lmd"]) < settled_before}
        await cursors.advance(self.pool, self._cursor_name("prices"), now, self._inside_overlap(settled, now))
        EVENTS.labels("prices").inc(handed)
        return PollResult("prices", handed, len(in_window) - handed)

    async def poll_customers(self) -> PollResult:
        """Hand on each customer modified since the watermark whose email, price level or inactive flag differ
        from the last handed on (every customer once, the first time)."""
        now, watermark, _ = await self._window("customers")
        rows = await customers.read_customers(self.client, self._since(watermark))
        changed = await published.changed_customers(self.pool, self.account, [customers.figures(r) for r in rows])
        pending: list[tuple[CustomerFigures, int]] = []
        handed = 0
        for row in rows:
            version = changed.get(str(row["id"]))
            if version is None:
                continue
            await self.on_change(customers.customer_change(row, self.account, version))
            pending.append((customers.figures(row), version))
            handed += 1
            if len(pending) >= STOCK_RECORD_EVERY:
                await published.record_customers(self.pool, self.account, pending)
                pending = []
        await published.record_customers(self.pool, self.account, pending)
        await cursors.advance(self.pool, self._cursor_name("customers"), now, set())
        EVENTS.labels("customers").inc(handed)
        return PollResult("customers", handed, len(rows) - handed)
