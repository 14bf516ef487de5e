"""The catch-up poller: orders changed since the watermark, read again so that a lost webhook loses nothing.

``GET /v2/orders?min_date_modified=<watermark − overlap>&sort=date_modified:asc``, keyset-paged on
``date_modified``. Versions kept in the cursor (``order@version`` within the overlap) are skipped
without a call, versions already delivered after one PostgreSQL query per page; the rest are read
with their lines a page per request and hydrated ``concurrency`` at a time.

The watermark never passes an order that still has to be read: an order whose hydration failed, but
not yet ``limit`` times, holds it (the rest of its page still goes through; later pages wait for the
next poll), so it is read again next poll. Once given up the order no longer holds anything, and a
version already given up is skipped without being read. Every poll first re-hydrates the orders an
operator asked to retry.

The list is read row by row (``list_order_rows``): a row the models refuse does not fail its page. It
comes as an :class:`~..models.UnreadableRow` and is treated like any listed order whose batched read
did not deliver it: read on its own, and if that fails too, counted as a failed hydration of the row's
version (:func:`~..versions.row_version`: its ``date_modified`` + a fingerprint of the raw row), held,
and given up at the limit like any other. It stands for the watermark at its ``date_modified`` (when
that does not read, at the latest date it cannot be before: its ``date_created`` or the row above it).
A row without even a readable order id is logged and counted by the client and left out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from connectors.http import NotFoundError
from state import bigcommerce_source as receipts
from state import cursors
from state.bigcommerce_source import HydrationFailure

from .. import metrics
from ..client import V2_MAX_LIMIT, BigCommerceClient
from ..models import Order, OrderWithLines, UnreadableRow
from ..versions import order_modified, order_version, row_version, version_time
from .failures import HydrationFailed, given_up
from .hydrator import Hydrator

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _key_time(key: str) -> datetime:
    return version_time(key.partition("@")[2])


@dataclass
class PollResult:
    listed: int = 0
    published: int = 0
    skipped: int = 0
    #: hydrations that failed in this poll (counted or not)
    failed: int = 0
    #: order versions passed over as unreadable (given up now or earlier)
    given_up: int = 0
    #: orders the watermark waits for (read again next poll)
    held: int = 0
    #: listed rows that failed validation (read on their own)
    unreadable_rows: int = 0
    #: operator retries that went through / that failed again
    retried: int = 0
    retry_failed: int = 0
    watermark: datetime | None = None


@dataclass(frozen=True)
class Listed:
    """One row of a listed page: an order, or a row that failed validation (``unreadable``)."""

    order_id: int
    version: str
    #: its place for the watermark: ``date_modified`` (see :func:`listed` for a row without one)
    at: datetime
    unreadable: UnreadableRow | None = None

    @property
    def key(self) -> str:
        """``<order id>@<version>``, as kept in the cursor's ``seen_ids``."""
        return f"{self.order_id}@{self.version}"


def listed(rows: Sequence[Order | UnreadableRow], since: datetime) -> list[Listed]:
    """The page's rows with their versions and places. The list is sorted by ``date_modified``, so a row
    whose ``date_modified`` does not read is placed at the latest date it cannot be before: its
    ``date_created``, or the row above it (``since`` for the first), whichever is later."""
    out: list[Listed] = []
    previous = since
    for row in rows:
        if isinstance(row, UnreadableRow):
            at = row.modified or max(previous, row.created or previous)
            out.append(Listed(row.order_id, row_version(row), at, row))
        else:
            at = order_modified(row)
            out.append(Listed(row.id, order_version(row), at))
        previous = at
    return out


@dataclass
class _Window:
    """The poll's view of the watermark: where it started, what was passed, what holds it back."""

    start: datetime
    overlap: timedelta
    #: versions done with; those kept from earlier polls may lie above ``start`` (passed while held)
    seen: set[str] = field(default_factory=set)
    top: datetime = field(init=False)
    held: datetime | None = None

    def __post_init__(self) -> None:
        self.top = max([self.start, *(_key_time(k) for k in self.seen)])

    def add(self, row: Listed) -> None:
        """The row's version is done with (delivered, skipped or given up)."""
        self.seen.add(row.key)
        self.top = max(self.top, row.at)

    def hold(self, row: Listed) -> None:
        """The order must be read again: the watermark stays at or below the row's place."""
        self.held = row.at if self.held is None else min(self.held, row.at)

    @property
    def watermark(self) -> datetime:
        return self.top if self.held is None else max(self.start, min(self.top, self.held))

    def kept(self) -> set[str]:
        floor = self.watermark - self.overlap
        return {k for k in self.seen if _key_time(k) >= floor}


#: What ``_one`` answers for a version given up earlier.
_GIVEN_UP = "given_up"


class CatchUpPoller:
    """Lists orders changed since the watermark (minus the overlap) and hydrates what is new."""

    def __init__(
        self,
        client: BigCommerceClient,
        pool: asyncpg.Pool,
        hydrator: Hydrator,
        *,
        overlap: float,
        initial_lookback: float,
        concurrency: int = 4,
        page_limit: int = V2_MAX_LIMIT,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.client = client
        self.pool = pool
        self.hydrator = hydrator
        self.store_hash = client.settings.store_hash
        self.cursor_name = f"bigcommerce:{self.store_hash}:orders"
        self.overlap = timedelta(seconds=overlap)
        self.initial_lookback = timedelta(seconds=initial_lookback)
        self.concurrency = concurrency
        self.page_limit = page_limit
        self.clock = clock
        self._running = asyncio.Lock()

    async def poll_once(self) -> PollResult:
        """Operator retries, then one catch-up pass; never two at once in this process."""
        async with self._running:
            result = PollResult()
            await self._retry_requested(result)
            await self._poll(result)
            return result

    async def _retry_requested(self, result: PollResult) -> None:
        for order_id in await self.hydrator.sink.retries_requested():
            try:
                ok = await self.hydrator.retry_order(order_id)
            except Exception as exc:  # not the order's fault: the retry stays requested
                log.warning("order retry could not run; tried again next poll",
                            extra={"order_id": order_id, "error": repr(exc)})
                continue
            if ok:
                result.retried += 1
            else:
                result.retry_failed += 1

    async def _poll(self, result: PollResult) -> None:
        cursor = await cursors.load(self.pool, self.cursor_name)
        if cursor is None:
            window = _Window(self.clock() - self.initial_lookback, self.overlap)
        else:
            window = _Window(cursor.watermark, self.overlap, set(cursor.seen_ids))
        since = window.start - self.overlap
        page = 1
        while True:
            read = await self.client.list_order_rows(min_date_modified=since, page=page, limit=self.page_limit)
            rows = listed(read.rows, since)
            result.listed += len(rows)
            fresh = [r for r in rows if r.key not in window.seen]
            result.skipped += len(rows) - len(fresh)
            passed = await self._hydrate(fresh, window, result)
            await cursors.advance(self.pool, self.cursor_name, window.watermark, window.kept())
            result.watermark = window.watermark
            if not passed or read.received < self.page_limit:
                break
            # keyset paging: the next read starts at the last date seen, so changes made while
            # paging cannot shift an unread order onto a page already read
            last = (rows[-1].at if rows else since).replace(microsecond=0)
            if last > since:
                since, page = last, 1
            else:
                page += 1  # a whole page within one second: only then page by number
        metrics.POLL_LAST_SUCCESS.labels(self.store_hash).set(self.clock().timestamp())

    async def _hydrate(self, rows: list[Listed], window: _Window, result: PollResult) -> bool:
        """Hydrate a page in order, ``concurrency`` at a time; False when an order holds the watermark.

        Versions the webhooks already delivered are skipped after one query for the page, versions given
        up after one more; the rest are read with their lines a page per request (rows that failed
        validation, and orders that read did not deliver, are read on their own).
        """
        versions = {r.order_id: r.version for r in rows}
        published = await receipts.published_versions(self.pool, self.store_hash, "order", list(versions.items()))
        pending = [r.order_id for r in rows if r.order_id not in published]
        limit = self.hydrator.failures.limit
        failures = await self.hydrator.failures.of(pending)
        abandoned = {i: f for i, f in failures.items() if given_up(f, versions[i], limit)}
        for r in rows:
            if r.unreadable is not None:
                result.unreadable_rows += 1
                if r.order_id in pending and r.order_id not in abandoned:
                    log.warning("order row failed validation in the list; the order is read on its own",
                                extra={"store": self.store_hash, "order_id": r.order_id, "version": r.version,
                                       "error": r.unreadable.error})
        batch = [r.order_id for r in rows if r.unreadable is None and r.order_id in pending]
        try:
            reads = await self.hydrator.read_orders(i for i in batch if i not in abandoned)
        except Exception as exc:  # each order is then read on its own
            log.warning("batched order read failed", extra={"orders": len(batch), "error": repr(exc)})
            reads = {}
        passed = True
        for start in range(0, len(rows), self.concurrency):
            chunk = rows[start : start + self.concurrency]
            outcomes = await asyncio.gather(
                *(self._one(r, reads.get(r.order_id), published, abandoned.get(r.order_id)) for r in chunk),
                return_exceptions=True,
            )
            for row, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, NotFoundError):
                    log.warning("order vanished while polling", extra={"order_id": row.order_id})
                elif isinstance(outcome, HydrationFailed):
                    result.failed += 1
                    if not outcome.given_up:
                        result.held += 1
                        window.hold(row)
                        passed = False
                        continue
                    result.given_up += 1
                elif isinstance(outcome, BaseException):
                    result.failed += 1
                    result.held += 1
                    metrics.SOURCE_FAILURES.labels(self.store_hash, "poll").inc()
                    log.warning("poll could not deliver an order; read again next poll",
                                extra={"order_id": row.order_id, "error": repr(outcome)})
                    window.hold(row)
                    passed = False
                    continue
                elif outcome == _GIVEN_UP:
                    result.given_up += 1
                elif outcome:
                    result.published += 1
                else:
                    result.skipped += 1
                window.add(row)
        return passed

    async def _one(self, row: Listed, read: OrderWithLines | None, published: set[int],
                   abandoned: HydrationFailure | None) -> bool | str:
        if row.order_id in published:
            return False
        if abandoned is not None:
            await self.hydrator.give_up(abandoned, again=True)  # the sink keeps one exception per order
            return _GIVEN_UP
        # without ``read`` (a row that failed validation, or one the batched read missed) the order is read
        # on its own; if that fails, it is counted against ``version``, the version listed
        return await self.hydrator.hydrate_order(row.order_id, read=read, version=row.version, path="poll")
