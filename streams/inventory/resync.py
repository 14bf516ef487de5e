"""Full comparison with BigCommerce: read what the storefront shows, push only the differences, report drift.

Used by the worker (scheduled, and once after start-up to repair writes lost when a worker died) and by
``o2c inventory resync``, which rebuilds the aggregate from the tables' changelog topics so it needs no
running worker and sees every partition.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import Counter, Gauge, Histogram

from connectors.bigcommerce.client import BigCommerceClient
from state import inventory as inventory_store
from streams.inventory.model import AggregationConfig, SkuStock, Targets, drift, targets
from streams.inventory.settings import InventorySettings
from streams.inventory.writer import CatalogueMap
from streams.platform.kafka_security import client_options
from streams.platform.settings import get_settings

DRIFT_FOUND = Counter("o2c_inventory_drift_found", "SKUs whose BigCommerce stock differed from NetSuite's "
                      "buffered aggregate at a resync", ["trigger"])
DRIFT_LAST = Gauge("o2c_inventory_drift_skus", "SKUs found drifted by the last resync")
RESYNC_SECONDS = Histogram("o2c_inventory_resync_seconds", "Duration of a full comparison with BigCommerce",
                           buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900))
RESYNC_LAST = Gauge("o2c_inventory_resync_last_timestamp_seconds", "When the last resync finished (Unix time)")

FULL_READ_ABOVE = 2000  # beyond this many SKUs, read every inventory item instead of filtering by id
ID_CHUNK = 200


@dataclass
class ResyncReport:
    trigger: str
    started_at: datetime
    checked: int = 0
    unmapped: int = 0
    in_flight: int = 0
    pushed: int = 0
    drifted: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def render(self, limit: int = 50) -> str:
        lines = [f"inventory resync ({self.trigger}) at {self.started_at.isoformat(timespec='seconds')}: "
                 f"{self.checked} SKUs compared, {len(self.drifted)} drifted, {self.pushed} pushed, "
                 f"{self.unmapped} not in BigCommerce, {self.in_flight} being written, {self.seconds:.1f}s"]
        for d in self.drifted[:limit]:
            where = ", ".join(f"location {loc}: BigCommerce {have if have is not None else '-'} → {want}"
                              for loc, (have, want) in sorted(d["locations"].items()))
            lines.append(f"  {d['sku']:<24} {where}")
        if len(self.drifted) > limit:
            lines.append(f"  … and {len(self.drifted) - limit} more")
        return "\n".join(lines)


async def read_bigcommerce(
    client: BigCommerceClient, catalogue: CatalogueMap, skus: Iterable[str]
) -> dict[str, Targets]:
    """On-hand stock per BigCommerce location for ``skus`` (only those in the catalogue map)."""
    refs = [r for s in skus if (r := catalogue.get(s)) is not None and r.tracking != "none"]
    wanted = {r.sku for r in refs}
    out: dict[str, Targets] = {}

    def take(item: Any) -> None:
        sku = catalogue.sku_of(item.identity.variant_id, item.identity.product_id)
        if sku is None or sku not in wanted:
            return
        out[sku] = {loc.location_id: loc.total_inventory_onhand for loc in item.locations}

    if len(refs) > FULL_READ_ABOVE:
        async for item in client.list_inventory_items():
            take(item)
        return out
    variant_ids = [r.variant_id for r in refs if r.tracking == "variant" and r.variant_id is not None]
    product_ids = sorted({r.product_id for r in refs if r.tracking == "product"})
    for start in range(0, len(variant_ids), ID_CHUNK):
        async for item in client.list_inventory_items(variant_ids=variant_ids[start:start + ID_CHUNK]):
            take(item)
    for start in range(0, len(product_ids), ID_CHUNK):
        # a product-tracked item is read by its product id (its base variant carries the stock)
        async for item in client.list_inventory_items(product_ids=product_ids[start:start + ID_CHUNK]):
            take(item)
    return out


async def compare_and_push(
    client: BigCommerceClient,
    catalogue: CatalogueMap,
    wanted: dict[str, Targets],
    *,
    trigger: str,
    push: Callable[[list[tuple[str, Targets]]], Awaitable[None]],
    busy: Callable[[str], bool] = lambda sku: False,
    pool: asyncpg.Pool | None = None,
) -> ResyncReport:
    """Compare ``wanted`` with BigCommerce, push the differences with ``push``, record and return the report."""
    started, t0 = datetime.now(UTC), time.monotonic()
    report = ResyncReport(trigger=trigger, started_at=started)
    mapped = {s: t for s, t in wanted.items() if (r := catalogue.get(s)) is not None and r.tracking != "none"}
    report.unmapped = len(wanted) - len(mapped)
    shown = await read_bigcommerce(client, catalogue, mapped)
    fixes: list[tuple[str, Targets]] = []
    for sku, target in sorted(mapped.items()):
        if busy(sku):
            report.in_flight += 1
            continue
        report.checked += 1
        diff = drift(shown.get(sku), target)
        if diff:
            report.drifted.append({"sku": sku, "locations": diff})
            fixes.append((sku, target))
    if fixes:
        await push(fixes)
        report.pushed = len(fixes)
    report.seconds = time.monotonic() - t0
    DRIFT_FOUND.labels(trigger).inc(len(report.drifted))
    DRIFT_LAST.set(len(report.drifted))
    RESYNC_SECONDS.observe(report.seconds)
    RESYNC_LAST.set(time.time())
    if pool is not None:
        await inventory_store.save_resync(
            pool, trigger=trigger, started_at=started, checked=report.checked, drifted=len(report.drifted),
            pushed=report.pushed, unmapped=report.unmapped,
            details=[{"sku": d["sku"], "locations": {str(k): list(v) for k, v in d["locations"].items()}}
                     for d in report.drifted[:500]],
        )
    return report


def aggregation_config(settings: InventorySettings) -> AggregationConfig:
    return AggregationConfig(
        locations=frozenset(settings.locations), default_buffer=settings.default_buffer,
        sku_buffers=dict(settings.sku_buffers), location_map=dict(settings.location_map),
        default_bc_location=settings.default_bc_location, low_stock_threshold=settings.low_stock_threshold,
    )


async def compute_targets(stocks: dict[str, SkuStock], buffers: dict[str, Decimal | None], settings: InventorySettings,
                          pool: asyncpg.Pool | None) -> dict[str, Targets]:
    """The buffered aggregate of every SKU, holds included (one query for all of them)."""
    config = aggregation_config(settings)
    held: dict[str, Decimal] = {}
    if settings.holds_enabled and pool is not None:
        active = await inventory_store.active_hold_skus(pool)
        as_of = {s: stocks[s].as_of for s in active if s in stocks}
        held = await inventory_store.held(pool, as_of, grace=settings.hold_grace, ttl=settings.hold_ttl,
                                          unsynced_ttl=settings.hold_unsynced_ttl)
    return {sku: targets(stock, config, buffer=config.buffer_for(sku, buffers.get(sku)),
                         held=held.get(sku, Decimal(0)))
            for sku, stock in stocks.items() if any(loc in config.locations for loc in stock.locations)}


async def read_changelog(bootstrap: str, topic: str) -> dict[bytes, bytes]:
    """Last value per key of a compacted changelog topic (tombstones remove the key)."""
    security = client_options(get_settings())
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, **security)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            return {}
        partitions = {int(p["partition"]) for t in await admin.describe_topics([topic]) for p in t["partitions"]}
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, **security)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return {}
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        values: dict[bytes, bytes] = {}
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.key is None:
                        continue
                    if record.value is None:
                        values.pop(record.key, None)
                    else:
                        values[record.key] = record.value
                    if record.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return values
    finally:
        await consumer.stop()


async def targets_from_changelogs(bootstrap: str, app_id: str, settings: InventorySettings,
                                  pool: asyncpg.Pool | None) -> dict[str, Targets]:
    stock_raw = await read_changelog(bootstrap, f"{app_id}-inventory-stock-changelog")
    buffer_raw = await read_changelog(bootstrap, f"{app_id}-inventory-buffers-changelog")
    stocks = {k.decode(): SkuStock.decode(v) for k, v in stock_raw.items()}
    buffers = {k.decode(): (Decimal(v.decode()) if v else None) for k, v in buffer_raw.items()}
    return await compute_targets(stocks, buffers, settings, pool)
