"""The BigCommerce change source wired into the worker (``connectors/bigcommerce/source/``).

With ``O2C_BC_SOURCE_ENABLED=true`` this registers, on the worker's Faust app:

- the worker's shared BigCommerce client (``streams.platform.clients.bigcommerce``);
- ``POST /webhooks/bigcommerce`` on the worker's webhook server (``streams.platform.webhooks``): the receiver
  (answers at once);
- a task that, once PostgreSQL and the client are up, makes sure the hooks exist and runs the
  hydrators on the webhook queue until the worker stops;
- a leader-only timer for the catch-up poller (``O2C_BC_POLL_INTERVAL``; it also re-reads orders an
  operator asked to retry) and one for the hook check (``O2C_BC_HOOK_CHECK_INTERVAL``).

The source hands its reads to :class:`~streams.ingest.bigcommerce_sink.EventSink`, which publishes
through :func:`streams.platform.publish.publish` (the broker has acknowledged when it returns) and keeps
the ``order_unreadable`` exceptions. Disabled (the default), nothing is registered and nothing calls
BigCommerce.
"""

from __future__ import annotations

import logging

from aiohttp import web

from connectors.bigcommerce.source import BigCommerceSource, make_receiver
from streams.ingest.bigcommerce_sink import EventSink
from streams.platform import clients, supervised, webhooks
from streams.platform.app import app
from streams.platform.publish import publish
from streams.platform.runtime import database

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/bigcommerce"

bc_settings = clients.bigcommerce_settings()
#: Deliveries are queued here from the moment the webhook server is up; the hydrators drain it.
receiver = make_receiver(bc_settings)


class _Running:
    """The source once the worker has started it (None before, and after the worker stopped)."""

    source: BigCommerceSource | None = None


running = _Running()


async def run_source() -> None:
    """Ensure the hooks, then hydrate webhook deliveries until cancelled."""
    pool = await database.acquire_pool()
    client = await clients.bigcommerce_client()
    sink = EventSink(pool, bc_settings.store_hash, publish)
    source = BigCommerceSource(bc_settings, client, pool, sink, receiver=receiver)
    running.source = source
    log.info("BigCommerce source started", extra={
        "store": bc_settings.store_hash, "api_base": bc_settings.api_base,
        "webhook_destination": bc_settings.webhook_destination or None,
        "poll_interval": bc_settings.poll_interval})
    try:
        await source.check_hooks()
        await source.run_hydrators()
    finally:
        running.source = None


async def poll_orders() -> None:
    if running.source is not None:
        result = await running.source.poll()
        if result.published or result.failed or result.given_up or result.retried or result.retry_failed:
            log.info("BigCommerce catch-up poll", extra={
                "listed": result.listed, "published": result.published, "failed": result.failed,
                "given_up": result.given_up, "held": result.held, "retried": result.retried,
                "retry_failed": result.retry_failed,
                "watermark": result.watermark.isoformat() if result.watermark else None})


async def check_hooks() -> None:
    if running.source is not None:
        actions = await running.source.check_hooks()
        if actions.get("reactivated"):
            await running.source.poll()  # what the hooks missed while deactivated


async def receive_webhook(request: web.Request) -> web.Response:
    """``POST /webhooks/bigcommerce``: authenticate, queue, answer at once (even before the hydrators run)."""
    body = await request.read()
    answer = receiver.receive(request.headers, body)
    return web.json_response(answer.body, status=answer.status)


if bc_settings.source_enabled:
    clients.bigcommerce()  # the worker's client: opened with the worker, closed when it stops
    webhooks.route(WEBHOOK_PATH)(receive_webhook)
    supervised.task(app, name="bigcommerce.source")(run_source)
    supervised.timer(app, bc_settings.poll_interval, on_leader=True, name="bigcommerce.poll_orders")(poll_orders)
    supervised.timer(app, bc_settings.hook_check_interval, on_leader=True,
                     name="bigcommerce.check_hooks")(check_hooks)
