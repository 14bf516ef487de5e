"""The fulfilment flow's Faust wiring (``O2C_FULFILMENTS_ENABLED=true``).

- ``ship_fulfilments`` on ``ns.fulfilments`` (keyed by BigCommerce order id): each fulfilment version →
  ``streams.fulfilments.writer`` (shipments, their rows, exceptions, capture);
- ``record_order_lines`` on ``bc.orders``: each snapshot's order products and their shipping addresses into
  ``fulfilment_order_lines`` (so a shipment needs no extra BigCommerce read to fill ``order_address_id``);
- ``retry_fulfilment_exceptions``: an operator's retry of ``fulfilment_unmatched``, ``tracking_invalid`` or
  ``shipment_rejected`` puts the stored event back on ``ns.fulfilments`` (handling is idempotent).
"""

from __future__ import annotations

import logging
from typing import Any

from state import exceptions as exceptions_store
from state import fulfilments as store
from streams.contract import BcOrderEvent, NsFulfilmentEvent
from streams.fulfilments.settings import get_fulfilment_settings
from streams.fulfilments.writer import PROBLEM_KINDS, FulfilmentWriter
from streams.platform import clients, supervised
from streams.platform.app import app, topic
from streams.platform.guarded import Decoder, Delivered, guarded_agent
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
    pool = await database.acquire_pool()
    for exc in await exceptions_store.retrying(pool, list(PROBLEM_KINDS)):
        payload = exc.payload or {}
        if payload.get("topic") != NsFulfilmentEvent.TOPIC or payload.get("value") is None:
            await exceptions_store.mark_retried(pool, exc.id, "nothing to replay: the event was not stored")
            continue
        key = payload.get("key")
        await (await fulfilments_topic.send(key=key.encode() if key else None, value=payload["value"].encode()))
        await exceptions_store.mark_retried(pool, exc.id, f"replayed onto {NsFulfilmentEvent.TOPIC}")


if fulfilment_settings.enabled:
    clients.bigcommerce()
    guarded_agent(app, fulfilments_topic, Decoder.delivered(NsFulfilmentEvent), name="ship_fulfilments",
                  concurrency=fulfilment_settings.concurrency)(ship)
    guarded_agent(app, topic(BcOrderEvent.TOPIC), Decoder.model(BcOrderEvent),
                  name="record_order_lines")(record_order_lines)
    supervised.timer(app, 5.0, name="retry_fulfilment_exceptions", on_leader=True)(retry_exceptions)
