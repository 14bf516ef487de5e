"""Webhook delivery to a real aiohttp receiver on a free port."""

import asyncio

import pytest
from aiohttp import web

from connectors.bigcommerce.models import WebhookCreate, WebhookPayload

from .conftest import eventually
from .helpers import paid_order


@pytest.fixture
async def receiver():
    got: list[tuple[dict, dict]] = []
    app = web.Application()

    async def hook(request):
        got.append((dict(request.headers), await request.json()))
        return web.Response(status=200)

    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hooks", got
    await runner.cleanup()


async def test_order_events_delivered_with_custom_headers(client, receiver):
    url, got = receiver
    await client.create_webhook(WebhookCreate(scope="store/order/*", destination=url, headers={"X-O2C-Secret": "shh"}))
    order = await paid_order(client)
    await client.update_order_status(order.id, 9)

    async def arrived():
        return {"store/order/created", "store/order/statusUpdated", "store/order/updated"} <= {
            body["scope"] for _, body in got
        }

    await eventually(arrived)
    for headers, body in got:
        assert headers["X-O2C-Secret"] == "shh"
        payload = WebhookPayload.model_validate(body)
        assert payload.producer == "stores/o2cdemo" and len(payload.hash) == 40
        assert payload.data["id"] == order.id
    status = next(b for _, b in got if b["scope"] == "store/order/statusUpdated")
    assert status["data"]["status"] == {"previous_status_id": 11, "new_status_id": 9}


async def test_duplicates_share_a_hash(client, admin, receiver):
    url, got = receiver
    await admin.post("/__sandbox/config", json={"webhook_duplicate_rate": 1.0, "webhook_jitter_ms": 20})
    await client.create_webhook(WebhookCreate(scope="store/order/created", destination=url))
    await paid_order(client)
    await eventually(lambda: asyncio.sleep(0, result=len(got) >= 2))
    assert got[0][1]["hash"] == got[1][1]["hash"]


async def test_hook_deactivated_after_repeated_failures(client, sandbox):
    hook = await client.create_webhook(
        WebhookCreate(scope="store/order/created", destination="http://127.0.0.1:9/nobody")
    )
    await paid_order(client)

    async def deactivated():
        return not (await client.get_webhook(hook.id)).is_active

    await eventually(deactivated, attempts=300)
    attempts = [d for d in sandbox.webhooks.deliveries if d["hook_id"] == hook.id]
    assert len(attempts) == 1 + len(sandbox.config.webhook_retry_delays_s)
    assert not any(d["ok"] for d in attempts)
