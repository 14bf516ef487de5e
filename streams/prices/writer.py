"""The price list writer: dirty records → BigCommerce batch upserts and deletions, within the store's limits.

``drain()`` runs ``O2C_PRICES_WRITERS`` loops (BigCommerce allows 2 batch upserts in flight per store; the
governor's ``pricelist_records_upsert`` cap enforces it too), each leasing up to 1,000 dirty records of
one level from PostgreSQL, writing them in one request in the governor's NORMAL lane (below orders and
low stock), and recording the version written. So:

- coalescing is per (list, SKU, currency), latest wins: the table holds one row per record;
- a batch BigCommerce rejects (422) is split in halves until the bad record is alone; it becomes a
  ``price_sync_failed`` exception (operations) and the rest is written;
- a list deleted in BigCommerce (404) is found or created again and all its records are written again;
- a failure for now (429 after the governor's retries, 5xx, network) gives the batch back; the next
  drain tries again; a batch leased by a worker that died is taken back by the next leader's writer.
  Nothing is lost: a record is dirty until BigCommerce has it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from prometheus_client import Counter, Gauge

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.errors import PriceRecordsRejected
from connectors.bigcommerce.governor import Lane
from connectors.bigcommerce.models import PriceRecordUpsert
from connectors.http import ConnectorError, NotFoundError, one_line
from state import exceptions as exceptions_store
from state import prices as store
from state.prices import Leased
from streams.prices.lists import PriceListDirectory
from streams.prices.settings import PricesSettings

log = logging.getLogger(__name__)

WRITTEN = Counter("o2c_price_records_written", "Price list records written to BigCommerce, by outcome "
                  "(upserted, deleted, rejected)", ["outcome"])
REQUESTS = Counter("o2c_price_requests", "BigCommerce price list record requests, by kind (upsert, delete)",
                   ["kind"])
DIRTY = Gauge("o2c_price_records_dirty", "Price list records waiting to be written (at the last drain)")


def dedupe_key(record: Leased) -> str:
    return f"price_sync_failed:{record.level_key}:{record.sku}:{record.currency}"


@dataclass
class DrainStats:
    upserted: int = 0
    deleted: int = 0
    rejected: int = 0
    requests: int = 0
    failed_for_now: list[str] = field(default_factory=list)


class PriceWriter:
    """Writes every dirty record of one store; safe to run in several processes (records are leased).

    ``take_over``: this is the store's writer (the leader worker's): at its first drain it takes back the
    leases other writers left, e.g. a worker killed mid-push, instead of waiting for them to run out.
    """

    def __init__(self, settings: PricesSettings, directory: PriceListDirectory,
                 client: Callable[[], Awaitable[BigCommerceClient]],
                 pool: Callable[[], Awaitable[asyncpg.Pool]], *, take_over: bool = False) -> None:
        self.settings = settings
        self.directory = directory
        self.store_hash = directory.store_hash
        self._client = client
        self._pool = pool
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._take_over = take_over
        self._leasing = asyncio.Lock()
        self.stats = DrainStats()

    async def drain(self) -> DrainStats:
        """Write until nothing is dirty (or only what failed for now); returns this drain's figures."""
        self.stats = DrainStats()
        pool = await self._pool()
        if self._take_over:
            if taken := await store.release_others(pool, self.store_hash, self.owner):
                log.info("price records leased by an earlier writer taken back", extra={"records": taken})
            self._take_over = False
        await asyncio.gather(*(self._loop(pool) for _ in range(self.settings.writers)))
        DIRTY.set(await store.dirty_count(pool, self.store_hash))
        return self.stats

    async def _loop(self, pool: asyncpg.Pool) -> None:
        client = await self._client()
        while True:
            async with self._leasing:  # two loops leasing at once would split one list's batch between them
                batch = await store.lease_dirty(pool, self.store_hash, limit=self.settings.batch_size,
                                                owner=self.owner, paused=sorted(self.directory.missing),
                                                settle_seconds=self.settings.settle,
                                                max_wait_seconds=self.settings.max_wait)
            if not batch:
                return
            try:
                await self._write(client, pool, batch)
            except ConnectorError as error:  # for now: give the batch back; the next drain tries again
                await store.release(pool, self.store_hash, batch)
                self.stats.failed_for_now.append(one_line(error))
                log.warning("price records not written for now; trying again at the next drain",
                            extra={"records": len(batch), "price_level": batch[0].level_key, "error": one_line(error)})
                await asyncio.sleep(self.settings.retry_delay)
                return

    async def _write(self, client: BigCommerceClient, pool: asyncpg.Pool, batch: Sequence[Leased]) -> None:
        key = batch[0].level_key
        list_id = await self.directory.list_id(client, pool, key)
        if list_id is None:  # cannot be had (creating is off): the level waits, its exception says why
            await store.release(pool, self.store_hash, batch)
            return
        try:
            await self._send(client, pool, list_id, batch)
        except NotFoundError:
            log.warning("price list gone from BigCommerce; having it again", extra={"price_level": key,
                                                                                    "price_list": list_id})
            await self.directory.list_gone(client, pool, key)
            await store.release(pool, self.store_hash, batch)

    async def _send(self, client: BigCommerceClient, pool: asyncpg.Pool, list_id: int,
                    batch: Sequence[Leased]) -> None:
        if batch[0].price is None:
            for currency in sorted({r.currency for r in batch}):
                skus = [r.sku for r in batch if r.currency == currency]
                self.stats.requests += 1
                REQUESTS.labels("delete").inc()
                await client.delete_price_records(list_id, skus=skus, currency=currency, lane=Lane.NORMAL)
            await store.mark_written(pool, self.store_hash, batch)
            self.stats.deleted += len(batch)
            WRITTEN.labels("deleted").inc(len(batch))
            return
        await self._upsert(client, pool, list_id, batch)

    async def _upsert(self, client: BigCommerceClient, pool: asyncpg.Pool, list_id: int,
                      batch: Sequence[Leased]) -> None:
        """One batch upsert; a rejected batch is halved until the bad record stands alone."""
        try:
            self.stats.requests += 1
            REQUESTS.labels("upsert").inc()
            await client.upsert_price_records(list_id, [upsert_body(r) for r in batch], lane=Lane.NORMAL)
        except PriceRecordsRejected as error:
            if len(batch) == 1:
                await self._rejected(pool, list_id, batch[0], error)
                return
            middle = len(batch) // 2
            await self._upsert(client, pool, list_id, batch[:middle])
            await self._upsert(client, pool, list_id, batch[middle:])
            return
        await store.mark_written(pool, self.store_hash, batch)
        self.stats.upserted += len(batch)
        WRITTEN.labels("upserted").inc(len(batch))
        await exceptions_store.auto_resolve_keys(pool, [dedupe_key(r) for r in batch])

    async def _rejected(self, pool: asyncpg.Pool, list_id: int, record: Leased,
                        error: PriceRecordsRejected) -> None:
        await store.mark_rejected(pool, self.store_hash, record)
        self.stats.rejected += 1
        WRITTEN.labels("rejected").inc()
        level = self.directory.level(record.level_key)
        exception_id = await exceptions_store.record(pool, exceptions_store.NewException(
            kind="price_sync_failed", object_type="price_record", owner="operations", bc_id=record.sku,
            dedupe_key=dedupe_key(record),
            message=f"BigCommerce refused the {level.list_name} price of {record.sku} in {record.currency.upper()} "
                    f"({record.price}): {one_line(error)}. Customers of that price list pay the catalogue price for "
                    "it until this is fixed: check that the SKU exists in BigCommerce and the price is valid, then "
                    "retry.",
            payload={"price_list_id": list_id, "level": record.level_key, "sku": record.sku,
                     "currency": record.currency, "price": str(record.price), "tiers": record.tiers,
                     "errors": getattr(error, "item_errors", None)}))
        await exceptions_store.retry_outcome(pool, exception_id, resolved=False,  # an operator's retry, refused again
                                             note=f"The retry wrote it again and BigCommerce refused it: "
                                                  f"{one_line(error)}")


def upsert_body(record: Leased) -> PriceRecordUpsert:
    return PriceRecordUpsert.model_validate({"sku": record.sku, "currency": record.currency, "price": record.price,
                                             "bulk_pricing_tiers": record.tiers})
