"""An operator's retry reads an order (or a refund) again from BigCommerce, as the BigCommerce source does.

The order with its products and shipping addresses (one request), its coupons and its transactions,
turned into the same ``bc.orders`` snapshot the source publishes (``streams.ingest.bigcommerce_events``),
so a retried flow (a held order, a deposit of an unmapped gateway) sees what BigCommerce holds now, not the
snapshot stored with the exception. A refund is read with its order's refunds (``GET
/v3/orders/{id}/payment_actions/refunds``, the source's read) and becomes the ``bc.refunds`` payload.
"""

from __future__ import annotations

import asyncio

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.source import OrderRead
from connectors.bigcommerce.versions import order_version
from connectors.http import NotFoundError
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcRefund
from streams.ingest.bigcommerce_events import order_read_event, refund_event


async def read_order(client: BigCommerceClient, store_hash: str, order_id: int) -> BcOrderSnapshot:
    """The order as BigCommerce holds it now; ``connectors.http.NotFoundError`` when it no longer exists."""
    read = await client.get_order_with_lines(order_id)
    coupons, transactions = await asyncio.gather(client.order_coupons(order_id),
                                                 client.list_transactions(order_id))
    event = order_read_event(OrderRead(store_hash, read.order, tuple(read.products), tuple(read.shipping_addresses),
                                       tuple(coupons), tuple(transactions), order_version(read.order)))
    return event.payload


async def read_refund(client: BigCommerceClient, store_hash: str, order_id: int, refund_id: int) -> BcRefund | None:
    """The refund as BigCommerce holds it now (the ``bc.refunds`` payload the source would publish); ``None``
    when BigCommerce no longer has it (the refund, or its order, is gone)."""
    try:
        refunds = await client.list_refunds(order_id)
    except NotFoundError:
        return None
    found = next((r for r in refunds if r.id == refund_id), None)
    return refund_event(store_hash, found).payload if found is not None else None
