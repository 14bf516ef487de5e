"""Write-back: each NetSuite sales order's document number on its BigCommerce order, in batches.

With ``O2C_ORDERS_ENABLED`` and ``O2C_ORDERS_WRITEBACK_ENABLED`` the worker runs:

- ``collect_synced_orders`` on ``sync.results``: every ``synced`` order of this worker's BigCommerce store
  (``O2C_BC_STORE_HASH``; the result's externalId names the store) is queued in PostgreSQL
  (``order_writebacks``). A replayed result finds its row and queues nothing, so it is never written twice.
- ``write_back`` (one loop per worker): every ``writeback_interval`` seconds, or as soon as
  ``writeback_batch_size`` orders were queued, it claims a batch of due rows under a lease, reads their
  document numbers (``tranid``) in ONE SuiteQL query and writes them in ONE batch request
  (``POST /v3/orders/metafields``: namespace ``o2c``, key ``netsuite_sales_order``) through the store's
  rate-limit governor in its lowest lane, behind low-stock updates and order reads.

Idempotent: a metafield that already exists (a crash between the write and its record, or another writer)
comes back in the 422 partial-success answer; o2c then finds it by namespace and key and keeps it, or
updates it in one batch ``PUT`` when its value differs — never a second metafield. Failures are retried
with a growing delay and never dropped; a row still failing after ``MAX_ATTEMPTS`` raises a
``writeback_failed`` exception for engineering (closed by itself once the write succeeds). Memory stays
bounded: the queue lives in PostgreSQL and a batch is at most ``writeback_batch_size`` rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable

import asyncpg
from prometheus_client import Counter, Gauge

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.governor import Lane
from connectors.bigcommerce.models import (
    Metafield,
    MetafieldBatchError,
    OrderMetafieldCreate,
    OrderMetafieldUpdate,
)
from connectors.http import ConnectorError
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.operations import document_numbers
from state import exceptions as exceptions_store
from state import writeback as writeback_store
from state.writeback import Retry, Writeback, Written
from streams.contract import SyncResultEvent
from streams.orders.mapping import external_id_for_order
from streams.orders.runtime import order_settings
from streams.orders.settings import OrderSettings
from streams.platform import clients
from streams.platform.runtime import database

log = logging.getLogger(__name__)

NAMESPACE = "o2c"
KEY = "netsuite_sales_order"
#: Behind everything else when the quota is tight: low stock and orders (HIGH), routine stock (NORMAL).
LANE = Lane.LOW
#: Seconds a claimed batch is hidden from other claims (a worker that dies mid-batch frees it after this).
LEASE = 300.0
RETRY_CAP = 900.0
MAX_ATTEMPTS = 8
#: Up to this many unexplained refusals are looked up order by order; more scan the namespace newest first.
PER_ORDER_LOOKUPS = 3
SCAN_LIMIT = 5000

REQUESTS = Counter("o2c_writeback_requests", "Write-back requests by system and outcome", ["system", "outcome"])
WRITTEN = Counter("o2c_writeback_written", "Order metafields written (created, updated or found in place)",
                  ["how"])
QUEUED = Counter("o2c_writeback_queued", "Synced orders queued for the write-back")
RETRIES = Counter("o2c_writeback_retries", "Write-backs scheduled again after a failure")
LAST_BATCH = Gauge("o2c_writeback_last_batch_size", "Orders in the last write-back batch")


def description(tran_id: str, ns_id: str) -> str:
    return f"NetSuite sales order {tran_id} (internal id {ns_id}), written by o2c"


def _errors_text(errors: Iterable[MetafieldBatchError], fallback: str) -> str:
    titles = sorted({e.title for e in errors if e.title})
    return "; ".join(titles)[:1000] or fallback


@dataclasses.dataclass
class _Outcome:
    written: list[Written] = dataclasses.field(default_factory=list)
    retries: list[Retry] = dataclasses.field(default_factory=list)


class MetafieldWriter:
    """Claims queued write-backs in batches and writes them; ``run()`` is the loop, ``flush()`` one pass."""

    def __init__(self, settings: OrderSettings, store_hash: str,
                 bigcommerce: Callable[[], Awaitable[BigCommerceClient]],
                 netsuite: Callable[[], Awaitable[NetSuiteClient]],
                 pool: Callable[[], Awaitable[asyncpg.Pool]]) -> None:
        self.settings = settings
        self.store_hash = store_hash
        self._bigcommerce = bigcommerce
        self._netsuite = netsuite
        self._pool = pool
        self._queued = 0
        self._full = asyncio.Event()

    @property
    def batch_size(self) -> int:
        return min(1000, max(1, self.settings.writeback_batch_size))  # SuiteQL takes 1,000 values in an IN list

    def queued(self) -> None:
        """One more order was queued; a full batch wakes the loop before the interval is over."""
        QUEUED.inc()
        self._queued += 1
        if self._queued >= self.batch_size:
            self._full.set()

    async def run(self) -> None:
        while True:
            partial = False
            try:
                await asyncio.wait_for(self._full.wait(), timeout=max(0.1, self.settings.writeback_interval))
            except TimeoutError:
                partial = True  # the interval is over: a partial batch goes too
            self._full.clear()
            self._queued = 0
            try:
                await self.flush(partial=partial)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the loop must outlive any one batch; its rows come back after the lease
                log.exception("write-back pass failed; the batch is retried after its lease",
                              extra={"error": str(error)})

    async def flush(self, *, partial: bool = True) -> int:
        """Write the due rows in batches (only full ones unless ``partial``); returns how many were handled."""
        handled = 0
        while True:
            pool = await self._pool()
            if not partial and await writeback_store.due(pool, self.store_hash, self.batch_size) < self.batch_size:
                return handled
            rows = await writeback_store.claim(pool, self.store_hash, self.batch_size, lease=LEASE)
            if not rows:
                return handled
            await self.write(rows)
            handled += len(rows)
            if len(rows) < self.batch_size:
                return handled

    async def write(self, rows: list[Writeback]) -> _Outcome:
        """One batch: one SuiteQL query, one batch metafield request (plus reconciliation if refused)."""
        LAST_BATCH.set(len(rows))
        outcome = _Outcome()
        try:
            numbers = await document_numbers(await self._netsuite(), [r.ns_id for r in rows])
            REQUESTS.labels("netsuite", "ok").inc()
        except (ConnectorError, OSError) as error:
            REQUESTS.labels("netsuite", "failed").inc()
            outcome.retries += [Retry(r.order_id, r.ns_id, f"NetSuite: {error}", r.metafield_id) for r in rows]
            await self._record(outcome, rows)
            return outcome
        ready = []
        for r in rows:
            if r.ns_id in numbers:
                ready.append(r)
            else:
                outcome.retries.append(Retry(r.order_id, r.ns_id, f"NetSuite has no transaction {r.ns_id}",
                                             r.metafield_id))
        client = await self._bigcommerce()
        creates = [r for r in ready if r.metafield_id is None]
        updates = [r for r in ready if r.metafield_id is not None]
        if creates:
            await self._create(client, creates, numbers, outcome)
        if updates:
            await self._update(client, updates, numbers, outcome)
        await self._record(outcome, rows)
        return outcome

    async def _create(self, client: BigCommerceClient, rows: list[Writeback], numbers: dict[str, str],
                      outcome: _Outcome) -> None:
        items = [OrderMetafieldCreate(resource_id=r.order_id, namespace=NAMESPACE, key=KEY,
                                      value=numbers[r.ns_id], description=description(numbers[r.ns_id], r.ns_id))
                 for r in rows]
        try:
            result = await client.create_order_metafields(items, lane=LANE)
        except (ConnectorError, OSError) as error:
            REQUESTS.labels("bigcommerce", "failed").inc()
            # May have been written without an answer: the next attempt's conflicts tell.
            outcome.retries += [Retry(r.order_id, r.ns_id, f"BigCommerce: {error}") for r in rows]
            return
        REQUESTS.labels("bigcommerce", "partial" if result.partial else "ok").inc()
        made = {m.resource_id: m for m in result.data if m.namespace == NAMESPACE and m.key == KEY}
        refused = []
        for r in rows:
            found = made.get(r.order_id)
            if found is not None:
                outcome.written.append(Written(r.order_id, r.ns_id, numbers[r.ns_id], found.id))
                WRITTEN.labels("created").inc()
            else:
                refused.append(r)
        if refused:
            await self._reconcile(client, refused, numbers, _errors_text(result.errors, "refused"), outcome)

    async def _reconcile(self, client: BigCommerceClient, rows: list[Writeback], numbers: dict[str, str],
                         why: str, outcome: _Outcome) -> None:
        """Refused creates: a metafield already there is kept (same value) or updated; the rest retried."""
        try:
            existing = await self._existing(client, {r.order_id for r in rows})
        except (ConnectorError, OSError) as error:
            REQUESTS.labels("bigcommerce", "failed").inc()
            outcome.retries += [Retry(r.order_id, r.ns_id, f"BigCommerce refused ({why}); lookup failed: {error}")
                                for r in rows]
            return
        stale = []
        for r in rows:
            found = existing.get(r.order_id)
            if found is None:
                outcome.retries.append(Retry(r.order_id, r.ns_id, f"BigCommerce refused the metafield: {why}"))
            elif found.value == numbers[r.ns_id]:
                outcome.written.append(Written(r.order_id, r.ns_id, numbers[r.ns_id], found.id))
                WRITTEN.labels("found").inc()
            else:
                stale.append(dataclasses.replace(r, metafield_id=found.id))
        if stale:
            await self._update(client, stale, numbers, outcome)

    async def _existing(self, client: BigCommerceClient, order_ids: set[int]) -> dict[int, Metafield]:
        found: dict[int, Metafield] = {}
        if len(order_ids) <= PER_ORDER_LOOKUPS:
            for order_id in sorted(order_ids):
                REQUESTS.labels("bigcommerce", "lookup").inc()
                for m in await client.order_metafields(order_id, namespace=NAMESPACE, key=KEY, lane=LANE):
                    found[m.resource_id] = m
            return found
        scanned = 0
        listing = client.list_order_metafields(namespace=NAMESPACE, key=KEY, direction="desc", lane=LANE)
        async with contextlib.aclosing(listing) as rows:
            async for m in rows:
                scanned += 1
                if m.resource_id in order_ids:
                    found[m.resource_id] = m
                if len(found) == len(order_ids) or scanned >= SCAN_LIMIT:
                    break
        REQUESTS.labels("bigcommerce", "lookup").inc()
        return found

    async def _update(self, client: BigCommerceClient, rows: list[Writeback], numbers: dict[str, str],
                      outcome: _Outcome) -> None:
        items = [OrderMetafieldUpdate(id=r.metafield_id, namespace=NAMESPACE, key=KEY, value=numbers[r.ns_id],
                                      description=description(numbers[r.ns_id], r.ns_id))
                 for r in rows if r.metafield_id is not None]
        try:
            result = await client.update_order_metafields(items, lane=LANE)
        except (ConnectorError, OSError) as error:
            REQUESTS.labels("bigcommerce", "failed").inc()
            outcome.retries += [Retry(r.order_id, r.ns_id, f"BigCommerce: {error}", r.metafield_id) for r in rows]
            return
        REQUESTS.labels("bigcommerce", "partial" if result.partial else "ok").inc()
        updated = {m.id for m in result.data}
        why = _errors_text(result.errors, "refused")
        for r in rows:
            if r.metafield_id in updated:
                assert r.metafield_id is not None
                outcome.written.append(Written(r.order_id, r.ns_id, numbers[r.ns_id], r.metafield_id))
                WRITTEN.labels("updated").inc()
            else:  # gone or refused: create it next time (a conflict then finds the right one)
                outcome.retries.append(Retry(r.order_id, r.ns_id, f"BigCommerce refused the update: {why}"))

    async def _record(self, outcome: _Outcome, rows: list[Writeback]) -> None:
        pool = await self._pool()
        before = {r.order_id: r.attempts for r in rows}
        log.info("write-back batch", extra={"orders": len(rows), "written": len(outcome.written),
                                            "retry": len(outcome.retries)})
        if outcome.written:
            await writeback_store.mark_written(pool, self.store_hash, outcome.written)
            for w in outcome.written:
                if before.get(w.order_id, 0) >= MAX_ATTEMPTS:
                    await exceptions_store.auto_resolve(pool, object_type="order_writeback", bc_id=str(w.order_id))
        if not outcome.retries:
            return
        RETRIES.inc(len(outcome.retries))
        attempts = await writeback_store.retry_later(pool, self.store_hash, outcome.retries,
                                                     base=max(1.0, self.settings.writeback_interval), cap=RETRY_CAP)
        log.warning("write-back will be retried", extra={"orders": [r.order_id for r in outcome.retries][:20],
                                                         "error": outcome.retries[0].error})
        for retry in outcome.retries:
            if attempts.get(retry.order_id) == MAX_ATTEMPTS:
                await exceptions_store.record(pool, exceptions_store.NewException(
                    kind="writeback_failed", object_type="order_writeback", owner="engineering", severity="warning",
                    bc_id=str(retry.order_id), ns_id=retry.ns_id,
                    message=(f"o2c could not write NetSuite's document number to BigCommerce order "
                             f"{retry.order_id} after {MAX_ATTEMPTS} attempts (last error: {retry.error}). The "
                             "sales order itself is fine. o2c keeps retrying and closes this exception by itself "
                             "once the metafield is written; check the API account's order scopes and the order."),
                    payload={"store_hash": self.store_hash, "order_id": retry.order_id, "ns_id": retry.ns_id,
                             "error": retry.error},
                ))


writer = MetafieldWriter(order_settings, clients.bigcommerce_settings().store_hash, clients.bigcommerce_client,
                         clients.netsuite_client,
                         database.acquire_pool)


async def queue_result(event: SyncResultEvent) -> bool:
    """Queue one ``sync.results`` event if it is a synced order of this store; True if newly queued."""
    result = event.payload
    if result.object_type != "order" or result.status != "synced" or not result.target_id:
        return False
    try:
        order_id = int(result.source_id)
    except ValueError:
        return False
    if result.external_id != external_id_for_order(writer.store_hash, order_id):
        return False  # another store's order
    pool = await database.acquire_pool()
    if not await writeback_store.enqueue(pool, writer.store_hash, order_id, result.target_id):
        return False
    writer.queued()
    return True
