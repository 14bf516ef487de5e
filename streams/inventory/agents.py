"""Inventory: NetSuite stock across locations → one buffered number per SKU in BigCommerce, in seconds.

With ``O2C_INVENTORY_ENABLED=true`` the worker runs (all keyed by SKU, so co-partitioned):

- ``aggregate_stock`` on ``ns.inventory``: every location's figure in the ``inventory-stock`` table (a
  figure older than the stored one for its location is ignored); the target per BigCommerce location
  (``streams.inventory.model.targets``) is compared with the ``inventory-published`` table and only a
  change is handed to the writer;
- ``track_buffers`` on ``ns.items``: the item's ``safety_buffer`` in the ``inventory-buffers`` table;
- ``hold_order_stock`` on ``bc.orders`` (keyed by order id): quantities the storefront sold that
  NetSuite does not show yet (``inventory_holds`` in PostgreSQL), then a nudge per SKU on an internal
  topic so ``apply_nudges`` recomputes the SKU on the partition that owns it;
- the writer loop (``streams.inventory.writer``), the catalogue map refresh, and resyncs (scheduled and
  once after start-up, ``streams.inventory.resync``).

Tables are changelog-backed: a restarted worker carries on where it stopped, and the start-up resync
repairs writes that were acknowledged in Kafka but not yet sent when a worker died.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter

from connectors.http import ConnectorError
from connectors.locks import KeyedLock
from state import inventory as inventory_store
from streams.contract import BcOrderEvent, NsItemEvent, NsStockEvent
from streams.contract.topics import TopicSpec
from streams.inventory.holds import held_quantities
from streams.inventory.marks import StockMarks
from streams.inventory.model import LocationFigure, SkuStock, Targets, decode_targets, encode_targets, is_low, targets
from streams.inventory.resync import ResyncReport, aggregation_config, compare_and_push, compute_targets
from streams.inventory.settings import get_inventory_settings
from streams.inventory.writer import CatalogueMap, InventoryWriter
from streams.platform import clients, supervised
from streams.platform.app import app, settings, topic
from streams.platform.blocking import run_coroutine_in_thread
from streams.platform.guarded import Decoder, Delivered, RawEvent, guarded_agent
from streams.platform.runtime import database
from streams.platform.topic_admin import ensure_topics

log = logging.getLogger(__name__)

inventory_settings = get_inventory_settings()
config = aggregation_config(inventory_settings)

AGGREGATED = Counter("o2c_inventory_events", "Stock events through the aggregation agent, by outcome "
                     "(applied, stale)", ["outcome"])
EMITTED = Counter("o2c_inventory_changes", "Published quantity changes handed to the BigCommerce writer")


catalogue = CatalogueMap(clients.bigcommerce_settings().store_hash)
writer = InventoryWriter(inventory_settings, clients.bigcommerce_client, catalogue, database.acquire_pool,
                         StockMarks(catalogue.store_hash, database.acquire_pool))
held_skus: set[str] = set()
#: One recompute per SKU at a time: the stock, buffer and nudge agents run concurrently, and a recompute
#: that read the stock before another's await must not publish its older target after the newer one.
sku_locks = KeyedLock()

stock_topic = topic(NsStockEvent.TOPIC)
items_topic = topic(NsItemEvent.TOPIC)
orders_topic = topic(BcOrderEvent.TOPIC)
nudge_topic = app.topic(f"{settings.app_id}-inventory-nudges", partitions=settings.topic_partitions,
                        internal=True, key_type=bytes, value_type=bytes)
stock_table = app.Table("inventory-stock", partitions=settings.topic_partitions, key_type=bytes, value_type=bytes)
buffers_table = app.Table("inventory-buffers", partitions=settings.topic_partitions, key_type=bytes,
                          value_type=bytes)
published_table = app.Table("inventory-published", partitions=settings.topic_partitions, key_type=bytes,
                            value_type=bytes)


def _buffer(key: bytes) -> Decimal | None:
    raw = buffers_table.get(key)
    return Decimal(raw.decode()) if raw else None


async def _held(sku: str, stock: SkuStock, *, force: bool = False) -> Decimal:
    if not inventory_settings.holds_enabled or not (force or sku in held_skus):
        return Decimal(0)
    pool = await database.acquire_pool()
    found = await inventory_store.held(pool, {sku: stock.as_of}, grace=inventory_settings.hold_grace,
                                       ttl=inventory_settings.hold_ttl,
                                       unsynced_ttl=inventory_settings.hold_unsynced_ttl)
    return found.get(sku, Decimal(0))


async def recompute(sku: str, *, behind: bool = False, force_holds: bool = False,
                    changed_at: float | None = None) -> Targets | None:
    """Target of one SKU from the stored stock; a change is written to the published table and handed to the
    writer. Serialised per SKU, and the stock is read inside the lock, so the last target published is
    always computed from the latest figures."""
    key = sku.encode()
    async with sku_locks.hold(sku):
        stock = SkuStock.decode(stock_table.get(key))
        if not any(loc in config.locations for loc in stock.locations):
            return None  # nothing known yet at a location sold online: nothing to publish
        held = await _held(sku, stock, force=force_holds)
        target = targets(stock, config, buffer=config.buffer_for(sku, _buffer(key)), held=held)
        if decode_targets(published_table.get(key)) == target:
            return None
        published_table[key] = encode_targets(target)
        EMITTED.inc()
        await writer.put(sku, target, high=is_low(target, config.low_stock_threshold), behind=behind,
                         changed_at=changed_at)
        return target


def _behind(message: Any, occurred_at: datetime) -> bool:
    """Catching up: the event is older than ``catchup_lag``, or a full batch of events waits behind it."""
    now = time.time()
    if now - occurred_at.timestamp() > inventory_settings.catchup_lag:
        return True
    if message.timestamp and now - message.timestamp > inventory_settings.catchup_lag:
        return True
    try:
        return bool(app.consumer.highwater(message.tp) - message.offset > inventory_settings.batch_size)
    except (AttributeError, KeyError, TypeError):
        return False


async def resync(trigger: str) -> ResyncReport:
    """Compare every SKU this worker holds with BigCommerce and push the differences through the writer."""
    client = await clients.bigcommerce_client()
    pool = await database.acquire_pool()
    if not catalogue.items:
        await catalogue.refresh(client, pool)
    stocks = {k.decode(): SkuStock.decode(v) for k, v in list(stock_table.items())}
    buffers = {k.decode(): (Decimal(v.decode()) if v else None) for k, v in list(buffers_table.items())}
    wanted = await compute_targets(stocks, buffers, inventory_settings, pool)

    async def push(fixes: list[tuple[str, Targets]]) -> None:
        for sku, target in fixes:
            await writer.put(sku, target, high=is_low(target, config.low_stock_threshold))

    def busy(sku: str) -> bool:
        written = writer.last_written.get(sku)
        return writer.is_pending(sku) or (written is not None and time.monotonic() - written < 5.0)

    report = await compare_and_push(client, catalogue, wanted, trigger=trigger, push=push, busy=busy, pool=pool)
    if writer.marks is not None:  # what matches BigCommerce waits for nothing (e.g. marks a killed worker left)
        drifted = {d["sku"] for d in report.drifted}
        await writer.marks.settled([(sku, None) for sku in wanted if sku not in drifted and not busy(sku)])
    log.info(report.render(limit=10), extra={"checked": report.checked, "drifted": len(report.drifted),
                                             "trigger": trigger})
    return report


INTERNAL_TOPICS = (
    TopicSpec(nudge_topic.get_topic_name(), "SKU", "Recompute a SKU after its order holds changed.", "no"),
    *(TopicSpec(f"{settings.app_id}-{t.name}-changelog", "SKU", f"Changelog of the {t.name} table.", "no",
                compacted=True) for t in (stock_table, buffers_table, published_table)),
)


def create_internal_topics() -> list[str]:
    """Create the flow's internal topics before the worker subscribes.

    A consumer only learns of a topic created after it subscribed at its next metadata refresh (five
    minutes), and until then an agent writing a table whose changelog it cannot see crashes and
    restarts (docs/architecture.md, decision 1). ``streams.worker`` creates the public topics the same way.
    """
    return run_coroutine_in_thread(ensure_topics(settings.bootstrap, INTERNAL_TOPICS,
                                                 partitions=settings.topic_partitions,
                                                 replication=settings.topic_replication))


async def aggregate(delivered: Delivered[NsStockEvent]) -> None:
    """One location's figure into the stock table; a changed target goes to the writer."""
    figure = delivered.event.payload
    key = figure.sku.encode()
    stock = SkuStock.decode(stock_table.get(key))
    sent = delivered.message.timestamp
    behind = _behind(delivered.message, delivered.event.occurred_at)
    if not stock.apply(figure.location_id, LocationFigure(figure.available, figure.on_hand, figure.committed,
                                                          figure.last_modified)):
        AGGREGATED.labels("stale").inc()
        return
    AGGREGATED.labels("applied").inc()
    stock_table[key] = stock.encode()
    if not behind:
        writer.caught_up()
    await recompute(figure.sku, behind=behind, changed_at=sent or None)


async def track_buffer(event: NsItemEvent) -> None:
    item = event.payload
    key = item.sku.encode()
    value = str(item.safety_buffer).encode() if item.safety_buffer is not None else b""
    if (buffers_table.get(key) or b"") != value:
        buffers_table[key] = value
        if key in stock_table:
            await recompute(item.sku)


async def apply_nudge(nudge: RawEvent) -> None:
    sku = bytes(nudge.key or b"").decode()
    held_skus.add(sku)
    await recompute(sku, force_holds=True)


async def hold_order(event: BcOrderEvent) -> None:
    """Quantities the storefront sold that NetSuite does not show yet; each changed SKU is nudged."""
    order = event.payload
    pool = await database.acquire_pool()
    changed = await inventory_store.set_order_holds(
        pool, store_hash=order.store_hash, order_id=order.order_id, status=order.status_id,
        modified=order.date_modified, lines=held_quantities(order, inventory_settings.hold_release_statuses))
    for sku in changed:
        await nudge_topic.send(key=sku.encode(), value=b"")


async def refresh_held_skus() -> None:
    pool = await database.acquire_pool()
    current = await inventory_store.active_hold_skus(pool)
    held_skus.clear()
    held_skus.update(current)


async def run_writer() -> None:
    pool = await database.acquire_pool()
    await catalogue.load(pool)
    client = await clients.bigcommerce_client()
    try:
        count = await catalogue.refresh(client, pool)
        log.info("BigCommerce catalogue map loaded", extra={"skus": count})
    except ConnectorError as error:
        log.warning("BigCommerce catalogue not read; using the stored map", extra={"error": str(error)})
    await writer.run()


async def refresh_catalogue() -> None:
    await catalogue.refresh(await clients.bigcommerce_client(), await database.acquire_pool())


async def resync_after_start() -> None:
    await app.tables.recovery.completed.wait()  # type: ignore[attr-defined]
    await asyncio.sleep(inventory_settings.resync_start_delay)
    await resync("start")


async def scheduled_resync() -> None:
    await resync("scheduled")


if inventory_settings.enabled:
    clients.bigcommerce()
    create_internal_topics()
    guarded_agent(app, stock_topic, Decoder.delivered(NsStockEvent), name="aggregate_stock")(aggregate)
    guarded_agent(app, items_topic, Decoder.model(NsItemEvent), name="track_buffers")(track_buffer)
    guarded_agent(app, nudge_topic, Decoder.raw(), name="apply_nudges")(apply_nudge)
    if inventory_settings.holds_enabled:
        guarded_agent(app, orders_topic, Decoder.model(BcOrderEvent), name="hold_order_stock")(hold_order)
        supervised.timer(app, 2.0, name="refresh_held_skus")(refresh_held_skus)
    supervised.task(app, name="inventory_writer")(run_writer)
    supervised.timer(app, inventory_settings.catalog_refresh_interval, name="refresh_catalogue")(refresh_catalogue)
    if inventory_settings.resync_on_start:
        supervised.once(app, name="inventory_resync_after_start")(resync_after_start)
    if inventory_settings.resync_interval > 0:
        supervised.timer(app, inventory_settings.resync_interval, name="inventory_resync")(scheduled_resync)
