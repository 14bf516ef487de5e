"""An operator's retry reads an order again from BigCommerce, as the BigCommerce source does.

The order with its products and shipping addresses (one request), its coupons and its transactions,
turned into the same ``bc.orders`` snapshot the source publishes (``streams.ingest.bigcommerce_events``),
so a retried flow (a held order, a deposit of an unmapped gateway) sees what BigCommerce holds now, not the
snapshot stored with the exception.
"""

from __future__ import annotations

import asyncio

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.source import OrderRead
from connectors.bigcommerce.versions import order_version
from streams.contract import BcOrderSnapshot
from streams.ingest.bigcommerce_events import order_read_event


async def read_order(client: BigCommerceClient, store_hash: str, order_id: int) -> BcOrderSnapshot:
    """The order as BigCommerce holds it now; ``connectors.http.NotFoundError`` when it no longer exists."""
    read = await client.get_order_with_lines(order_id)
    coupons, transactions = await asyncio.gather(client.order_coupons(order_id),
                                                 client.list_transactions(order_id))
    event = order_read_event(OrderRead(store_hash, read.order, tuple(read.products), tuple(read.shipping_addresses),
                                       tuple(coupons), tuple(transactions), order_version(read.order)))
    return event.payload
