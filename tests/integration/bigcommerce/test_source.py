"""The change source against the sandbox over HTTP, real PostgreSQL and a real Kafka broker (no worker)."""

from __future__ import annotations

import uuid

import asyncpg

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from connectors.bigcommerce.models import WebhookUpdate
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.source import BigCommerceSource, WebhookJob
from state import cursors
from streams.contract import BcOrderEvent
from streams.ingest.bigcommerce_sink import EventSink

from .conftest import KafkaPublisher
from .helpers import paid_order


def settings_for(sandbox: SandboxServer, **extra: object) -> BigCommerceSettings:
    return BigCommerceSettings(api_base=sandbox.url, store_hash=sandbox.config.store_hash, webhook_secret="s",
                               poll_overlap=30, poll_initial_lookback=3600, **extra)  # type: ignore[arg-type]


def source(sandbox: SandboxServer, client: BigCommerceClient, pool: asyncpg.Pool, publisher: KafkaPublisher,
           **extra: object) -> BigCommerceSource:
    sink = EventSink(pool, sandbox.config.store_hash, publisher)
    return BigCommerceSource(settings_for(sandbox, **extra), client, pool, sink)


async def test_webhook_hash_is_deduped_across_a_restart(sandbox, client, pool, publisher) -> None:
    order = await paid_order(client)
    job = WebhookJob(hash=uuid.uuid4().hex, scope="store/order/created", order_id=order.id)
    await source(sandbox, client, pool, publisher).handle(job)
    assert [e.key for e in publisher.sent] == [str(order.id)]

    await source(sandbox, client, pool, publisher).handle(job)  # a new process, the same delivery
    assert len(publisher.sent) == 1
    row = await pool.fetchrow("SELECT scope, resource_id FROM bc_webhook_receipts WHERE hash = $1", job.hash)
    assert (row["scope"], row["resource_id"]) == ("store/order/created", str(order.id))


async def test_poller_publishes_each_version_once_and_keeps_the_watermark(sandbox, client, pool, publisher) -> None:
    src = source(sandbox, client, pool, publisher)
    orders = [await paid_order(client) for _ in range(3)]
    first = await src.poll()
    assert (first.published, first.failed) == (3, 0)
    assert {e.key for e in publisher.sent} == {str(o.id) for o in orders}

    again = await src.poll()  # the overlap re-reads them; versions kept at the watermark are skipped
    assert again.published == 0 and again.listed == 3

    await client.update_order_status(orders[0].id, 9)
    third = await src.poll()
    assert third.published == 1
    latest = publisher.sent[-1]
    assert isinstance(latest, BcOrderEvent) and latest.payload.status_id == 9

    cursor = await cursors.load(pool, f"bigcommerce:{sandbox.config.store_hash}:orders")
    assert cursor is not None and cursor.watermark == latest.payload.date_modified
    assert any(k.startswith(f"{orders[0].id}@") for k in cursor.seen_ids)


async def test_poller_pages_by_date_and_skips_what_webhooks_published(sandbox, client, pool, publisher) -> None:
    src = source(sandbox, client, pool, publisher)
    src.poller.page_limit = 2
    orders = [await paid_order(client, quantities=(1,)) for _ in range(5)]
    await src.hydrator.hydrate_order(orders[0].id)  # as if a webhook did it
    result = await src.poll()
    assert result.published == 4
    assert sorted(int(e.key) for e in publisher.sent) == sorted(o.id for o in orders)


async def test_refund_found_by_the_poller(sandbox, client, pool, publisher) -> None:
    from connectors.bigcommerce.models import RefundItem, RefundPayment

    order = await paid_order(client)
    line = (await client.order_products(order.id))[0]
    items = [RefundItem(item_type="PRODUCT", item_id=line.id, quantity=1)]
    quote = await client.create_refund_quote(order.id, items)
    await client.create_refund(order.id, items, [RefundPayment(provider_id="testgateway",
                                                                amount=quote.total_refund_amount)])
    await source(sandbox, client, pool, publisher).poll()
    refunds = [e for e in publisher.sent if e.TOPIC == "bc.refunds"]
    assert len(refunds) == 1 and refunds[0].key == str(order.id)
    await source(sandbox, client, pool, publisher).hydrator.sync_refunds(order.id)
    assert len([e for e in publisher.sent if e.TOPIC == "bc.refunds"]) == 1


async def test_hooks_are_created_once_and_reactivated(sandbox, client, pool, publisher) -> None:
    src = source(sandbox, client, pool, publisher, webhook_destination="http://127.0.0.1:9/webhooks/bigcommerce")
    first = await src.check_hooks()
    assert len(first["created"]) == 4
    assert not any((await src.check_hooks()).values())
    hooks = await client.list_webhooks()
    assert all(h.headers == {"X-O2C-Webhook-Secret": "s"} for h in hooks)
    await client.update_webhook(hooks[0].id, WebhookUpdate(is_active=False))
    again = await src.check_hooks()
    assert again["reactivated"] == [hooks[0].scope]
    assert (await client.get_webhook(hooks[0].id)).is_active


async def test_a_backlog_of_deliveries_is_read_a_page_at_a_time(sandbox, client, pool, publisher, admin) -> None:
    src = source(sandbox, client, pool, publisher)
    orders = [await paid_order(client) for _ in range(6)]
    jobs = [WebhookJob(hash=uuid.uuid4().hex, scope="store/order/created", order_id=o.id) for o in orders]
    jobs.append(WebhookJob(hash=jobs[0].hash, scope="store/order/created", order_id=orders[0].id))  # duplicate
    jobs.append(WebhookJob(hash=uuid.uuid4().hex, scope="store/order/updated", order_id=orders[1].id))
    await admin.post("/__sandbox/state/stats/reset")
    await src.handle_many(jobs)
    by_endpoint = (await admin.get("/__sandbox/state/stats")).json()["by_endpoint"]
    assert sorted(int(e.key) for e in publisher.sent) == sorted(o.id for o in orders)  # one event per version
    reads = sum(n for endpoint, n in by_endpoint.items() if "products" in endpoint or "shipping_addresses" in endpoint
                or endpoint.rstrip("}").endswith("orders/{order_id"))
    assert reads == 0, by_endpoint  # no per-order reads of the order, its products or its addresses
    assert sum(n for endpoint, n in by_endpoint.items() if endpoint.endswith("/orders")) == 1

    # the same versions hydrated one by one give the same events
    batched = {e.key: e for e in publisher.sent}
    await pool.execute("DELETE FROM bc_published WHERE resource_id = ANY($1::bigint[])", [o.id for o in orders])
    publisher.sent.clear()
    for order in orders:
        await src.hydrator.hydrate_order(order.id)
    assert {e.key: (e.event_id, e.payload) for e in publisher.sent} == {
        k: (e.event_id, e.payload) for k, e in batched.items()}
