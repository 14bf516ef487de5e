"""The BigCommerce change source in a real worker: sandbox over HTTP, real Kafka and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
from aiokafka import ConsumerRecord

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import RefundItem, RefundPayment, WebhookUpdate
from connectors.bigcommerce.sandbox import SandboxServer
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, BcRefundEvent
from streams.contract.codec import decode
from tests.integration.bigcommerce.helpers import paid_order
from tests.support.kafka import read
from tests.support.worker import WorkerProcess

from .conftest import SECRET, eventually

StartWorker = Callable[..., Awaitable[WorkerProcess]]


def of_store(store_hash: str) -> Callable[[ConsumerRecord[Any, Any]], bool]:
    def match(record: ConsumerRecord[Any, Any]) -> bool:
        # the topic is shared: other tests' records (malformed orders among them, some without a payload, some
        # not even JSON objects) are not this store's
        try:
            value = orjson.loads(record.value)
        except orjson.JSONDecodeError:
            return False
        payload = value.get("payload") if isinstance(value, dict) else None
        return isinstance(payload, dict) and payload.get("store_hash") == store_hash

    return match


async def orders_on_topic(kafka: KafkaBroker, store_hash: str, count: int, timeout: float = 90.0) -> list[BcOrderEvent]:
    records = await read(kafka.bootstrap, BcOrderEvent.TOPIC, match=of_store(store_hash), count=count,
                         timeout=timeout)
    return [decode(BcOrderEvent, r.value) for r in records]


def delivery(sandbox: SandboxServer, order_id: int, hash_: str, scope: str = "store/order/created") -> bytes:
    return orjson.dumps({"scope": scope, "store_id": sandbox.config.store_id,
                         "data": {"type": "order", "id": order_id}, "hash": hash_, "created_at": 1700000000,
                         "producer": f"stores/{sandbox.config.store_hash}"})


async def test_webhook_without_the_secret_is_rejected_and_publishes_nothing(
    kafka: KafkaBroker, sandbox: SandboxServer, client: BigCommerceClient, source_worker: StartWorker
) -> None:
    worker = await source_worker(hooks=False, O2C_BC_POLL_INTERVAL="3600")
    rejected = await paid_order(client)
    accepted = await paid_order(client)
    url = f"{worker.webhook_url}/webhooks/bigcommerce"
    async with httpx.AsyncClient() as http:
        missing = await http.post(url, content=delivery(sandbox, rejected.id, "a" * 40))
        wrong = await http.post(url, content=delivery(sandbox, rejected.id, "b" * 40),
                                headers={"X-O2C-Webhook-Secret": SECRET + "x"})
        good = await http.post(url, content=delivery(sandbox, accepted.id, "c" * 40),
                               headers={"X-O2C-Webhook-Secret": SECRET})
        junk = await http.post(url, content=b"{not json", headers={"X-O2C-Webhook-Secret": SECRET})
    assert (missing.status_code, wrong.status_code, good.status_code, junk.status_code) == (401, 401, 200, 400)

    events = await orders_on_topic(kafka, sandbox.config.store_hash, 1)
    assert [e.payload.order_id for e in events] == [accepted.id]
    # once the accepted one is through, nothing else from this store is there (the poller is idle)
    later = await orders_on_topic(kafka, sandbox.config.store_hash, 2, timeout=8.0)
    assert [e.payload.order_id for e in later] == [accepted.id]


async def test_duplicated_webhooks_give_one_event_per_order_version_and_refunds_reach_bc_refunds(
    kafka: KafkaBroker, sandbox: SandboxServer, client: BigCommerceClient, source_worker: StartWorker
) -> None:
    sandbox.config.update({"webhook_duplicate_rate": 1.0, "webhook_jitter_ms": 50})
    await source_worker()
    await eventually(lambda: _true(len(sandbox.store.hooks) == 4))

    orders = [await paid_order(client) for _ in range(3)]
    shipped = orders[0]
    await client.update_order_status(shipped.id, 9)
    line = (await client.order_products(orders[1].id))[0]
    items = [RefundItem(item_type="PRODUCT", item_id=line.id, quantity=1)]
    quote = await client.create_refund_quote(orders[1].id, items)
    refund = await client.create_refund(
        orders[1].id, items, [RefundPayment(provider_id="testgateway", amount=quote.total_refund_amount)]
    )

    refunds = await read(kafka.bootstrap, BcRefundEvent.TOPIC, match=of_store(sandbox.config.store_hash), count=1)
    got = decode(BcRefundEvent, refunds[0].value)
    assert (got.key, got.payload.refund_id, got.payload.total_amount) == (
        str(orders[1].id), refund.id, quote.total_refund_amount)

    async def final_states_published() -> bool:
        events = await orders_on_topic(kafka, sandbox.config.store_hash, 99, timeout=2.0)
        latest = {e.payload.order_id: e.payload.status_id for e in events}
        return latest.get(shipped.id) == 9 and latest.get(orders[1].id) == 14 and orders[2].id in latest

    await eventually(final_states_published)
    assert all(d["ok"] for d in sandbox.webhooks.deliveries if not d["lost"])
    hashes = Counter(d["hash"] for d in sandbox.webhooks.deliveries if d["ok"])
    assert max(hashes.values()) >= 2  # the sandbox really delivered duplicates

    events = await orders_on_topic(kafka, sandbox.config.store_hash, 99, timeout=8.0)
    per_id = Counter(e.event_id for e in events)
    assert set(per_id.values()) == {1}, per_id
    versions = Counter((e.payload.order_id, e.payload.date_modified, e.payload.status_id) for e in events)
    assert set(versions.values()) == {1}, versions
    assert {e.payload.order_id for e in events} == {o.id for o in orders}


async def test_webhook_outage_then_poller_catches_up_with_no_order_lost(
    kafka: KafkaBroker, sandbox: SandboxServer, client: BigCommerceClient, source_worker: StartWorker
) -> None:
    sandbox.config.update({"webhook_loss_rate": 1.0})
    await source_worker()
    await eventually(lambda: _true(len(sandbox.store.hooks) == 4))

    created = {(await paid_order(client, quantities=(1 + i % 3,))).id for i in range(12)}

    events = await orders_on_topic(kafka, sandbox.config.store_hash, len(created))
    assert {e.payload.order_id for e in events} == created
    assert all(d["lost"] for d in sandbox.webhooks.deliveries)  # nothing came by webhook
    for event in events:
        assert event.payload.lines and event.payload.total_inc_tax > 0
        assert event.key == str(event.payload.order_id)


async def test_deactivated_hook_is_reactivated(
    sandbox: SandboxServer, client: BigCommerceClient, source_worker: StartWorker
) -> None:
    await source_worker(O2C_BC_POLL_INTERVAL="3600")
    await eventually(lambda: _true(len(sandbox.store.hooks) == 4))
    hook = next(iter(sandbox.store.hooks.values()))
    assert hook["headers"] == {"X-O2C-Webhook-Secret": SECRET}
    await client.update_webhook(hook["id"], WebhookUpdate(is_active=False))

    await eventually(lambda: _true(bool(sandbox.store.hooks[hook["id"]]["is_active"])))
    assert len(sandbox.store.hooks) == 4


async def _true(value: bool) -> bool:
    return value
