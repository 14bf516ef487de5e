"""The BigCommerce side of the inventory flow: the SKU map and the coalescing, batching writer.

The writer takes target quantities per SKU from the aggregation agent, keeps one pending value per
SKU (latest wins) and writes them with absolute adjustments of up to 2,000 items, low stock in
``Lane.HIGH`` first, one request at a time, all through the store's rate-limit governor. It holds at
most ``max_pending`` SKUs: beyond that ``put`` waits, so the agent stops reading and the lag stays in
Kafka. A write that fails is retried; a SKU whose writes keep failing becomes a ``stock_sync_failed``
exception for operations (resolved by itself on a later success).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.governor import Lane
from connectors.bigcommerce.models import InventoryAdjustment
from connectors.http import ConnectorError, PermanentError
from state import exceptions as exceptions_store
from state import inventory as inventory_store
from state.inventory import BcItemRef
from streams.inventory.marks import StockMarks
from streams.inventory.model import Coalescer, Pending, Targets, flush_due, plan_batches
from streams.inventory.settings import InventorySettings

log = logging.getLogger(__name__)

WRITES = Counter("o2c_inventory_writes", "Absolute adjustment requests sent to BigCommerce, by lane and outcome",
                 ["lane", "outcome"])
ITEMS_WRITTEN = Counter("o2c_inventory_items_written", "Adjustment items BigCommerce accepted", ["lane"])
PENDING = Gauge("o2c_inventory_pending_skus", "SKUs waiting in the writer (coalesced, latest wins)")
UNMAPPED = Counter("o2c_inventory_unmapped", "Changes for SKUs BigCommerce does not have (or does not track)")
FAILED_SKUS = Counter("o2c_inventory_sku_failures", "Failed writes of one SKU")
STOREFRONT_LATENCY = Histogram(
    "o2c_inventory_change_to_write_seconds", "Stock change seen by the agent → BigCommerce accepted the write.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)


class CatalogueMap:
    """BigCommerce SKU → product/variant id and tracking, read from the catalogue and kept in PostgreSQL."""

    def __init__(self, store_hash: str) -> None:
        self.store_hash = store_hash
        self.items: dict[str, BcItemRef] = {}
        self.by_variant: dict[int, str] = {}
        self.by_product: dict[int, str] = {}
        self.loaded_at = 0.0
        self._lock = asyncio.Lock()

    def _index(self, items: dict[str, BcItemRef]) -> None:
        self.items = items
        self.by_variant = {i.variant_id: s for s, i in items.items() if i.tracking == "variant" and i.variant_id}
        self.by_product = {i.product_id: s for s, i in items.items() if i.tracking == "product"}

    async def load(self, pool: asyncpg.Pool) -> None:
        self._index(await inventory_store.load_items(pool, self.store_hash))

    async def refresh(self, client: BigCommerceClient, pool: asyncpg.Pool | None) -> int:
        """Read every product with its variants; returns how many SKUs are mapped."""
        async with self._lock:
            items = await read_catalogue(client)
            self._index(items)
            self.loaded_at = time.monotonic()
            if pool is not None:
                await inventory_store.save_items(pool, self.store_hash, items.values())
            return len(items)

    def get(self, sku: str) -> BcItemRef | None:
        return self.items.get(sku)

    def sku_of(self, variant_id: int | None, product_id: int | None) -> str | None:
        if variant_id is not None and variant_id in self.by_variant:
            return self.by_variant[variant_id]
        if product_id is not None:
            return self.by_product.get(product_id)
        return None


async def read_catalogue(client: BigCommerceClient) -> dict[str, BcItemRef]:
    items: dict[str, BcItemRef] = {}
    async for product in client.list_products(include_variants=True):
        variants = product.variants or []
        if product.inventory_tracking == "product":
            for v in variants:
                items[v.sku] = BcItemRef(v.sku, product.id, v.id, "product")
            if product.sku:
                base = variants[0].id if len(variants) == 1 else product.base_variant_id
                items[product.sku] = BcItemRef(product.sku, product.id, base, "product")
        else:
            for v in variants:
                items[v.sku] = BcItemRef(v.sku, product.id, v.id, product.inventory_tracking)
    return items


def adjustment_items(entry: Pending, ref: BcItemRef) -> list[InventoryAdjustment]:
    """One item per BigCommerce location, naming the product or the variant as its tracking requires."""
    out = []
    for location, quantity in sorted(entry.quantities.items()):
        if ref.tracking == "product":
            out.append(InventoryAdjustment(location_id=location, quantity=quantity, product_id=ref.product_id))
        else:
            out.append(InventoryAdjustment(location_id=location, quantity=quantity, variant_id=ref.variant_id))
    return out


@dataclass
class WriterStats:
    requests: int = 0
    items: int = 0
    failures: dict[str, int] = field(default_factory=dict)


class InventoryWriter:
    """Coalesces and writes stock; ``run()`` is the single loop that talks to BigCommerce."""

    def __init__(self, settings: InventorySettings, client_factory: Callable[[], Awaitable[BigCommerceClient]],
                 catalogue: CatalogueMap, pool_factory: Callable[[], Awaitable[asyncpg.Pool]],
                 marks: StockMarks | None = None) -> None:
        self.settings = settings
        self.marks = marks  # since when each SKU waits, for the stock_stale alert
        self._client_factory = client_factory
        self._pool_factory = pool_factory
        self.catalogue = catalogue
        self.pending = Coalescer()
        self.stats = WriterStats()
        self.last_written: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._space = asyncio.Condition()
        self._catching_up_until = 0.0
        self._last_catalogue_miss = 0.0
        self._rate_started = time.monotonic()
        self._rate_count = 0
        self._rate = 0.0  # changes per second over the last rate period

    # ------------------------------------------------------------------ producer side (the agent)

    async def put(self, sku: str, quantities: Targets, *, high: bool, behind: bool = False,
                  changed_at: float | None = None) -> None:
        """Queue a target (latest wins); waits while the writer holds ``max_pending`` other SKUs."""
        now = time.monotonic()
        if behind:
            self._catching_up_until = now + 0.5
        if sku not in self.pending and len(self.pending) >= self.settings.max_pending:
            async with self._space:
                await self._space.wait_for(lambda: sku in self.pending or len(self.pending) < self.settings.max_pending)
        self._rate_count += 1
        self._measure_rate(time.monotonic())
        first = sku not in self.pending
        self.pending.put(sku, quantities, high=high, now=time.monotonic(), wall=changed_at or time.time())
        PENDING.set(len(self.pending))
        if high or len(self.pending) == 1:
            self._wake.set()
        if first and self.marks is not None:
            await self.marks.queued(sku, time.time())

    def _measure_rate(self, now: float) -> None:
        elapsed = now - self._rate_started
        period = max(self.settings.coalesce_window, 0.25)
        if elapsed >= period:
            self._rate = self._rate_count / elapsed
            self._rate_count, self._rate_started = 0, now

    @property
    def bursting(self) -> bool:
        """Changes arrive faster than ``burst_rate`` per second (measured over the last window)."""
        self._measure_rate(time.monotonic())
        return self._rate >= self.settings.burst_rate

    def caught_up(self) -> None:
        """The agent has nothing older than ``catchup_lag`` left: routine changes may go."""
        self._catching_up_until = 0.0
        self._wake.set()

    def is_pending(self, sku: str) -> bool:
        return sku in self.pending

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        while True:
            now = time.monotonic()
            flush, routine = flush_due(self.pending, now, window=self.settings.coalesce_window,
                                       batch_items=self.settings.batch_size,
                                       catching_up=now < self._catching_up_until, max_hold=self.settings.max_hold,
                                       bursting=self.bursting,
                                       full=len(self.pending) >= self.settings.max_pending)
            if not flush:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=min(self.settings.coalesce_window, 0.1))
                except TimeoutError:
                    pass
                continue
            entries = self.pending.take(self.settings.batch_size, now, routine=routine)
            PENDING.set(len(self.pending))
            async with self._space:
                self._space.notify_all()
            if entries:
                await self.write(entries)

    async def write(self, entries: list[Pending]) -> None:
        client = await self._client_factory()
        mapped = await self._mapped(client, entries)
        for batch in plan_batches(mapped, self.settings.batch_size):
            await self._send(client, batch)

    async def _mapped(self, client: BigCommerceClient, entries: list[Pending]) -> list[Pending]:
        missing = [e.sku for e in entries if self.catalogue.get(e.sku) is None]
        if missing and time.monotonic() - self._last_catalogue_miss > 60.0:
            self._last_catalogue_miss = time.monotonic()
            try:
                await self.catalogue.refresh(client, await self._pool_factory())
            except ConnectorError as error:
                log.warning("could not refresh the BigCommerce catalogue map", extra={"error": str(error)})
        out = []
        for entry in entries:
            ref = self.catalogue.get(entry.sku)
            if ref is None or ref.tracking == "none":
                UNMAPPED.inc()
                log.debug("stock change for a SKU BigCommerce does not track", extra={"sku": entry.sku})
                continue
            out.append(entry)
        if self.marks is not None and len(out) < len(entries):
            kept = {e.sku for e in out}
            await self.marks.settled(self._next_waits(e.sku for e in entries if e.sku not in kept), written=False)
        return out

    def _next_waits(self, skus: Iterable[str]) -> list[tuple[str, float | None]]:
        """Each SKU with the time its next wait starts: now if a newer change is already pending, else None."""
        now = time.time()
        return [(sku, now if sku in self.pending else None) for sku in skus]

    async def _send(self, client: BigCommerceClient, batch: list[Pending]) -> None:
        lane = Lane.HIGH if any(e.high for e in batch) else Lane.NORMAL
        items = [item for e in batch for item in adjustment_items(e, self._ref(e))]
        try:
            await client.adjust_inventory_absolute(items, reason="o2c: NetSuite stock", lane=lane)
        except ValidationError as error:
            WRITES.labels(lane.name.lower(), "rejected").inc()
            self.stats.requests += 1
            if len(batch) == 1:
                await self._failed(batch, str(error), retry=False)
                return
            half = len(batch) // 2  # find the item BigCommerce refuses without dropping the others
            await self._send(client, batch[:half])
            await self._send(client, batch[half:])
            return
        except PermanentError as error:
            WRITES.labels(lane.name.lower(), "failed").inc()
            await self._failed(batch, str(error), retry=True)
            return
        except (ConnectorError, OSError) as error:
            WRITES.labels(lane.name.lower(), "retry").inc()
            await self._failed(batch, str(error), retry=True)
            return
        self.stats.requests += 1
        self.stats.items += len(items)
        WRITES.labels(lane.name.lower(), "ok").inc()
        ITEMS_WRITTEN.labels(lane.name.lower()).inc(len(items))
        now_wall, now = time.time(), time.monotonic()
        recovered = []
        for entry in batch:
            STOREFRONT_LATENCY.observe(max(0.0, now_wall - entry.changed_at))
            self.last_written[entry.sku] = now
            if self.stats.failures.pop(entry.sku, 0) >= self.settings.max_failures:
                recovered.append(entry.sku)
        if self.marks is not None:
            await self.marks.settled(self._next_waits(e.sku for e in batch))
        if recovered:
            pool = await self._pool_factory()
            for sku in recovered:
                await exceptions_store.auto_resolve(pool, object_type="inventory", bc_id=sku)

    def _ref(self, entry: Pending) -> BcItemRef:
        ref = self.catalogue.get(entry.sku)
        assert ref is not None
        return ref

    async def _failed(self, batch: Iterable[Pending], reason: str, *, retry: bool) -> None:
        now = time.monotonic()
        pool = None
        for entry in batch:
            FAILED_SKUS.inc()
            count = self.stats.failures.get(entry.sku, 0) + 1
            self.stats.failures[entry.sku] = count
            if count == self.settings.max_failures:
                pool = pool or await self._pool_factory()
                await exceptions_store.record(pool, exceptions_store.NewException(
                    kind="stock_sync_failed", object_type="inventory", owner="operations", severity="error",
                    bc_id=entry.sku,
                    message=(f"o2c could not set the stock of SKU {entry.sku} in BigCommerce after {count} attempts "
                             f"(last error: {reason}). Check the product or variant in BigCommerce (deleted, "
                             "tracking changed, location disabled); o2c keeps retrying and closes this "
                             "exception by itself once a write succeeds."),
                    payload={"sku": entry.sku, "quantities": {str(k): v for k, v in entry.quantities.items()},
                             "error": reason},
                ))
            if retry or count < self.settings.max_failures:
                delay = self.settings.retry_delay * min(2 ** min(count - 1, 6), 60)
                self.pending.put_back(entry, not_before=now + delay)
        log.warning("stock write failed", extra={"error": reason, "skus": [e.sku for e in batch][:20]})
        self._wake.set()
