"""B2B prices: NetSuite price levels → BigCommerce price lists, customers' price level → customer group.

With ``O2C_PRICES_ENABLED=true`` the worker runs:

- ``plan_price_records`` on ``ns.prices`` (one event per item with its whole price table): the records it
  should have in each configured level's price list and each store currency (``streams.prices.records``)
  are stored in PostgreSQL (``state.prices``); what changed becomes dirty, and a price NetSuite holds that
  cannot be sold is a ``price_invalid`` exception (finance);
- ``place_customers`` on ``ns.customers``: the customer's BigCommerce group from their price level
  (``streams.prices.customers``), looked up by email and moved with one request when it differs;
- on the leader: the price lists, groups and assignments (before the first write), the writer
  (``streams.prices.writer``, every ``O2C_PRICES_INTERVAL`` seconds until nothing is dirty), scheduled
  resyncs, operators' retries.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter

from connectors.http import PermanentError
from state import exceptions as exceptions_store
from state import prices as store
from streams.contract import NsCustomerEvent, NsPriceEvent
from streams.platform import clients, retries, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, guarded_agent
from streams.platform.runtime import database
from streams.prices.customers import placement
from streams.prices.lists import PriceListDirectory
from streams.prices.records import wanted_records
from streams.prices.resync import resync
from streams.prices.settings import get_prices_settings
from streams.prices.writer import PriceWriter

log = logging.getLogger(__name__)

prices_settings = get_prices_settings()
directory = PriceListDirectory(prices_settings, clients.bigcommerce_settings().store_hash)
writer = PriceWriter(prices_settings, directory, clients.bigcommerce_client, database.acquire_pool, take_over=True)

CUSTOMERS = Counter("o2c_price_customers", "NetSuite customers placed in BigCommerce customer groups, by outcome "
                    "(moved, unchanged, unmatched, left)", ["outcome"])
RETRIED_KINDS = ("price_sync_failed", "price_list_missing", "price_assignment_failed")


def invalid_key(level_key: str, sku: str, currency: str) -> str:
    return f"price_invalid:{level_key}:{sku}:{currency}"


async def plan_records(event: NsPriceEvent) -> None:
    """An item's price table → its records as they should be, per level and currency."""
    item = event.payload
    wanted = wanted_records(item, directory.levels, prices_settings.currencies,
                            bc_currency=prices_settings.bc_currency, allow_zero=prices_settings.allow_zero)
    pool = await database.acquire_pool()
    stored = await store.store_wanted(pool, directory.store_hash, item.sku, [
        store.RecordRow(w.level_key, w.currency, w.price, [t.as_json() for t in w.tiers], w.problem)
        for w in wanted], item.last_modified)
    if stored is None:
        return  # an older version of the item than the one stored: it changes nothing, raises nothing
    fine = [invalid_key(w.level_key, w.sku, w.currency) for w in wanted if w.problem is None]
    await exceptions_store.auto_resolve_keys(pool, fine)
    for w in (w for w in wanted if w.problem):
        level = directory.level(w.level_key)
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind="price_invalid", object_type="price_record", owner="finance", bc_id=w.sku, ns_id=item.ns_item_id,
            dedupe_key=invalid_key(w.level_key, w.sku, w.currency),
            message=f"{w.problem}. The {level.list_name} price of {w.sku} in {w.currency.upper()} is not changed in "
                    "BigCommerce until NetSuite's price is fixed.",
            payload={"level": w.level_key, "sku": w.sku, "currency": w.currency,
                     "prices": [row.model_dump(mode="json") for row in item.prices]}))


async def place_customer(event: NsCustomerEvent) -> None:
    """A NetSuite customer's price level → their BigCommerce customer group."""
    customer = event.payload
    client = await clients.bigcommerce_client()
    pool = await database.acquire_pool()
    groups = await directory.groups(client)
    found = (await client.customers_by_email([customer.email]))[:1] if customer.email.strip() else []
    current = found[0].customer_group_id if found else 0
    where = placement(customer, current, groups)
    if not found and where.group_id is not None:
        outcome = "unmatched"
    elif where.group_id is None or where.group_id == current:
        outcome = "left" if where.group_id is None else "unchanged"
    else:
        await client.set_customer_groups([(found[0].id, where.group_id)])
        outcome = "moved"
        log.info(f"customer {customer.email} moved to group {where.group_id} ({where.reason})",
                 extra={"ns_customer_id": customer.ns_customer_id, "bc_customer_id": found[0].id})
    CUSTOMERS.labels(outcome).inc()
    await store.save_customer(pool, directory.store_hash, ns_customer_id=customer.ns_customer_id,
                              email=customer.email, level_key=where.level_key, group_id=where.group_id,
                              bc_customer_id=found[0].id if found else None, status=outcome,
                              source_modified=customer.last_modified)


async def set_up_lists() -> None:
    await directory.ensure_all(await clients.bigcommerce_client(), await database.acquire_pool())


async def write_records() -> None:
    """On the leader, every ``O2C_PRICES_INTERVAL`` seconds: write until nothing is dirty (one drain at a time)."""
    while True:
        if app.is_leader():
            await supervised.run_once("price_writer", drain)
        await asyncio.sleep(prices_settings.interval)


async def drain() -> None:
    if not directory.ready:  # at start, and until BigCommerce could be reached
        await set_up_lists()
    stats = await writer.drain()
    if stats.upserted or stats.deleted or stats.rejected:
        log.info("price records written", extra={"upserted": stats.upserted, "deleted": stats.deleted,
                                                 "rejected": stats.rejected, "requests": stats.requests})


async def scheduled_resync() -> None:
    await resync(await clients.bigcommerce_client(), await database.acquire_pool(), directory, trigger="scheduled")


async def retry_exceptions() -> None:
    """Operators' retries: a rejected record is written again from the stored state (NetSuite's price as last
    read), and stays ``retrying`` until the writer's answer (written: resolved; refused: ``open`` again); a
    missing list or assignment is checked again against BigCommerce now and settled at once."""
    pool = await database.acquire_pool()
    client = await clients.bigcommerce_client()
    for exc in await exceptions_store.retrying(pool, list(RETRIED_KINDS)):
        payload = exc.payload or {}
        level = str(payload.get("level", ""))
        if exc.kind == "price_sync_failed":
            # idempotent: only a record still marked rejected is queued again; the writer settles the exception
            await store.retry_rejected(pool, directory.store_hash, level, str(payload.get("sku")),
                                       str(payload.get("currency")))
            continue
        try:
            await directory.ensure_all(client, pool)
        except PermanentError as error:
            note = f"tried again: {error}"
        else:
            note = "price lists, groups and assignments checked again"
        await retries.settle(pool, exc, note)


if prices_settings.enabled:
    clients.bigcommerce()
    guarded_agent(app, topic(NsPriceEvent.TOPIC), Decoder.model(NsPriceEvent), name="plan_price_records",
                  concurrency=prices_settings.concurrency)(plan_records)
    guarded_agent(app, topic(NsCustomerEvent.TOPIC), Decoder.model(NsCustomerEvent),
                  name="place_customers")(place_customer)
    supervised.task(app, name="price_writer")(write_records)
    supervised.timer(app, 5.0, name="retry_price_exceptions", on_leader=True)(retry_exceptions)
    if prices_settings.resync_interval > 0:
        supervised.timer(app, prices_settings.resync_interval, name="prices_resync",
                         on_leader=True)(scheduled_resync)
