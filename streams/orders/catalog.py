"""The item master map: ``ns.items`` → the SKU map (PostgreSQL), and parked orders released on arrival.

NetSuite is the item master. Every matrix child and simple item is mapped by SKU; matrix parents are
recorded but not sellable. When an item arrives that a parked order was waiting for, the order is
re-planned at once.
"""

from __future__ import annotations

import logging

from state import catalog
from state import orders as orders_store
from streams.contract import BcOrderSnapshot, NsItemEvent
from streams.orders.planner import handle_order
from streams.platform.runtime import database

log = logging.getLogger(__name__)


async def apply_item(event: NsItemEvent) -> None:
    item = event.payload
    pool = await database.acquire_pool()
    changed = await catalog.upsert(pool, catalog.MappedItem(
        sku=item.sku, ns_id=item.ns_id, item_type=item.item_type, parent_sku=item.parent_sku,
        sellable=item.sellable and not item.is_matrix_parent, is_inactive=item.is_inactive,
        last_modified=item.last_modified,
    ))
    if changed and not item.is_inactive:
        await release_orders_waiting_for([item.sku])


async def release_orders_waiting_for(skus: list[str]) -> int:
    """Re-plan every order parked on one of ``skus``; returns how many were released."""
    pool = await database.acquire_pool()
    released = 0
    for snapshot in await orders_store.parked_needing(pool, skus):
        order = BcOrderSnapshot.model_validate(snapshot)
        outcome = await handle_order(order)
        released += outcome != "parked"
        log.info(f"parked order {order.order_id} re-planned: {outcome}", extra={"bc_order_id": order.order_id})
    return released
