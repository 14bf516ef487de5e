"""The fulfilment flow's Faust wiring (``O2C_FULFILMENTS_ENABLED=true``).

- ``ship_fulfilments`` on ``ns.fulfilments`` (keyed by BigCommerce order id): each fulfilment version →
  ``streams.fulfilments.writer`` (shipments, their rows, exceptions, capture);
- ``record_order_lines`` on ``bc.orders``: each snapshot's order products and their shipping addresses into
  ``fulfilment_order_lines`` (so a shipment needs no extra BigCommerce read to fill ``order_address_id``);
- ``retry_fulfilment_exceptions``: an operator's retry of ``fulfilment_unmatched``, ``tracking_invalid`` or
  ``shipment_rejected`` reads the item fulfilment again from NetSuite (not the stored event), ships it from
  what it holds now (handling is idempotent) and settles the exception: resolved when that worked (the event
  then also goes on ``ns.fulfilments`` for billing), ``open`` with the new reason if it failed again, ``open``
  with a note if the fulfilment no longer exists.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.http import PermanentError, one_line
from connectors.netsuite.source.fulfilments import read_fulfilment
from state import exceptions as exceptions_store
from state import fulfilments as store
from streams.contract import BcOrderEvent, NsFulfilmentEvent
from streams.contract.codec import encode
from streams.fulfilments.settings import get_fulfilment_settings
from streams.fulfilments.writer import PROBLEM_KINDS, FulfilmentWriter
from streams.ingest.netsuite_events import fulfilment_event
from streams.platform import clients, retries, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, Delivered, guarded_agent
from streams.platform.publish import publish
from streams.platform.runtime import database

log = logging.getLogger(__name__)

fulfilment_settings = get_fulfilment_settings()
writer = FulfilmentWriter(fulfilment_settings, clients.bigcommerce_client, database.acquire_pool,
                          clients.bigcommerce_settings().store_hash)
fulfilments_topic = topic(NsFulfilmentEvent.TOPIC)


def _raw(message: Any) -> dict[str, Any]:
    key = message.key.decode("utf-8", errors="replace") if message.key else None
    value = message.value.decode("utf-8", errors="replace") if isinstance(message.value, bytes) else None
    return {"topic": message.topic, "key": key, "partition": message.partition, "offset": message.offset,
            "value": value}


async def ship(delivered: Delivered[NsFulfilmentEvent]) -> None:
    f = delivered.event.payload
    outcome = await writer.handle(f, raw=_raw(delivered.message))
    log.info(f"fulfilment {f.tran_id or f.ns_id} ({f.status}): {outcome}",
             extra={"ns_id": f.ns_id, "bc_order_id": f.bc_order_id, "outcome": outcome})


async def record_order_lines(event: BcOrderEvent) -> None:
    order = event.payload
    pool = await database.acquire_pool()
    await store.save_order_lines(pool, order.store_hash, order.order_id, [
        store.OrderLineRow(line.order_product_id, line.order_address_id, line.quantity, line.sku)
        for line in order.lines if line.order_address_id])


async def retry_exceptions() -> None:
    """Operators' retries: the item fulfilment is read again from NetSuite and shipped from what it holds now."""
    pool = await database.acquire_pool()
    await retries.each_retrying(pool, PROBLEM_KINDS, lambda exc: _retry(pool, exc), what="fulfilment")


async def _retry(pool: Any, exc: exceptions_store.StoredException) -> None:
    ns_id = exc.ns_id or ""
    ns = clients.netsuite_settings()
    try:
        change = await read_fulfilment(await clients.netsuite_client(), ns, ns_id, ns.account_id) if ns_id else None
    except PermanentError as error:
        await retries.failed(pool, exc.id, f"The retry could not read NetSuite item fulfilment {ns_id}: "
                                           f"{one_line(error)}")
        return
    if change is None:
        await retries.source_gone(pool, exc.id, f"NetSuite item fulfilment {ns_id or '(no id stored)'}")
        return
    event = fulfilment_event(change)
    outcome = await writer.handle(event.payload, raw=_event_raw(event))
    if await retries.settle(pool, exc, f"item fulfilment {ns_id} read again from NetSuite: {outcome}") != "open":
        await publish(event)  # billing (money-in) sees the fulfilment as NetSuite holds it now too


def _event_raw(event: NsFulfilmentEvent) -> dict[str, Any]:
    """What a problem keeps of the re-read fulfilment (as ``_raw`` keeps a consumed message)."""
    return {"topic": NsFulfilmentEvent.TOPIC, "key": event.key, "partition": None, "offset": None,
            "value": encode(event).decode()}


if fulfilment_settings.enabled:
    clients.bigcommerce()
    clients.netsuite()
    guarded_agent(app, fulfilments_topic, Decoder.delivered(NsFulfilmentEvent), name="ship_fulfilments",
                  concurrency=fulfilment_settings.concurrency)(ship)
    guarded_agent(app, topic(BcOrderEvent.TOPIC), Decoder.model(BcOrderEvent),
                  name="record_order_lines")(record_order_lines)
    supervised.timer(app, 5.0, name="retry_fulfilment_exceptions", on_leader=True)(retry_exceptions)
