"""BigCommerce sends ``null`` for text nobody filled in (a billing ``company``); o2c reads it as ``""``.

The sandbox keeps a ``null`` it was given, as BigCommerce does, so this goes through the real HTTP client
and the change source end to end (real PostgreSQL and broker).
"""

from __future__ import annotations

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.bigcommerce.source import BigCommerceSource
from streams.contract import BcOrderEvent
from streams.ingest.bigcommerce_sink import EventSink

from .helpers import address, paid_order


async def test_null_address_text_reads_as_empty(client, admin) -> None:
    billing = {**address(), "company": None, "street_2": None, "phone": None}
    order = await paid_order(client, billing_address=billing,
                             shipping_addresses=[{**address(), "company": None, "shipping_method": "Flat Rate"}])
    raw = (await admin.get(f"/stores/{client.settings.store_hash}/v2/orders/{order.id}")).json()
    assert raw["billing_address"]["company"] is None and raw["billing_address"]["phone"] is None  # as BigCommerce

    assert order.billing_address.company == "" and order.billing_address.street_2 == ""
    read = await client.get_order_with_lines(order.id)
    assert read.order.billing_address.company == "" and read.shipping_addresses[0].company == ""
    listed = [o for o in await client.list_orders_page() if o.id == order.id]
    assert listed and listed[0].billing_address.company == ""
    addresses = await client.order_shipping_addresses(order.id)
    assert addresses[0].company == "" and addresses[0].email == "buyer@example.com"


async def test_an_order_with_a_null_company_is_published(sandbox, client, pool, publisher) -> None:
    order = await paid_order(client, billing_address={**address(), "company": None})
    settings = BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash, webhook_secret="s",
                                   poll_initial_lookback=3600)
    src = BigCommerceSource(settings, client, pool, EventSink(pool, sandbox.config.store_hash, publisher))
    result = await src.poll()
    assert (result.published, result.failed) == (1, 0)
    event = publisher.sent[0]
    assert isinstance(event, BcOrderEvent) and event.payload.order_id == order.id
    assert event.payload.billing_address.company == "" and event.payload.email == "buyer@example.com"
