"""The NetSuite change source in the worker: poll timers and the push page (``O2C_NS_SOURCE_ENABLED``).

When the source is disabled (the default) this module registers nothing and never touches the
network. When enabled:

- the worker's shared NetSuite client (:func:`streams.platform.clients.netsuite`) is added to the app,
  and a service opens a small PostgreSQL pool of its own when the worker starts (the pollers'
  session advisory locks; the worker's pool is stateless, see :class:`NetSuiteSourceService`);
- one timer per poller (items, stock, fulfilments, prices, customers; leader only) hands each change to
  :func:`streams.ingest.netsuite_events.publishing`, which publishes its event through
  ``streams.platform.publish.publish`` (the watermark moves only once the broker has it);
- ``POST /webhooks/netsuite`` (the worker's webhook server) takes a signed notice from the user-event script
  (``docs/suitescript/o2c_push_ue.js``) and starts the matching polls at once, answering 202 without
  waiting for them. The timers still run: NetSuite's outbound calls are lossy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web
from mode import Service

from connectors.netsuite.changes import ItemPricingChange
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.push import SIGNATURE_HEADER, TIMESTAMP_HEADER, PushRejected, verify
from connectors.netsuite.source import KINDS, NetSuiteSource
from state import exceptions
from state.db import create_pool
from streams.ingest.netsuite_events import publishing, unfit_price_exception
from streams.platform import clients, supervised, webhooks
from streams.platform.app import app, settings
from streams.platform.publish import publish

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/netsuite"
ns_settings = clients.netsuite_settings()


class NetSuiteSourceService(Service):
    """Owns the source and its PostgreSQL pool for the life of the worker; the client is the worker's.

    The pool is the source's own, not the worker's (``streams.platform.runtime.database``): each poll
    holds a session advisory lock on one connection for as long as it runs, NetSuite's answers
    included. The worker's pool is stateless (a released connection is not reset), so a lock whose
    unlock was interrupted would stay on a connection the agents then share, and polls holding
    connections for seconds would take them from the agents.
    """

    def __init__(self, ns: NetSuiteSettings, dsn: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ns = ns
        self._dsn = dsn
        self._ready = asyncio.Event()
        self._building = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None
        self._source: NetSuiteSource | None = None

    async def on_start(self) -> None:
        self._pool = await create_pool(self._dsn, min_size=1, max_size=len(KINDS) + 2)
        self._ready.set()
        log.info("netsuite source started", extra={"account": self._ns.account_id, "url": self._ns.service_url})

    async def source(self) -> NetSuiteSource:
        """The source, built on first use once the pool and the worker's NetSuite client are open."""
        await self._ready.wait()
        async with self._building:
            if self._source is None:
                assert self._pool is not None
                client = await clients.netsuite_client()
                pool = self._pool

                async def unfit(change: ItemPricingChange, reason: str) -> None:
                    await exceptions.record(pool, unfit_price_exception(change, reason))

                self._source = NetSuiteSource(client, pool, publishing(publish, unfit), self._ns)
            return self._source

    async def on_stop(self) -> None:
        self._ready.clear()
        if self._source is not None:
            await self._source.close()
        if self._pool is not None:
            await self._pool.close()
        self._source = self._pool = None


def _register(ns: NetSuiteSettings) -> NetSuiteSourceService:
    clients.netsuite()  # first, so the client starts before this service and stops after it
    service = NetSuiteSourceService(ns, settings.dsn)
    app.add_dependency(service)
    intervals = {"items": ns.items_poll_seconds, "stock": ns.stock_poll_seconds,
                 "fulfilments": ns.fulfilments_poll_seconds, "prices": ns.prices_poll_seconds,
                 "customers": ns.customers_poll_seconds}

    def poller(kind: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            source = await service.source()
            await source.poll_safely(kind)

        return run

    for kind in KINDS:
        if intervals[kind] > 0:
            supervised.timer(app, intervals[kind], on_leader=True, name=f"netsuite_poll_{kind}")(poller(kind))

    async def first_polls() -> None:
        """Poll every kind once as soon as the worker is up (a timer first fires one interval later)."""
        source = await service.source()
        for kind in KINDS:
            if intervals[kind] > 0:
                await source.poll_safely(kind, trigger="start")

    supervised.once(app, name="netsuite_first_polls")(first_polls)

    @webhooks.route(WEBHOOK_PATH)
    async def netsuite_push(request: web.Request) -> web.Response:
        """A user-event script's notice: verify it, then poll that record type now."""
        body = await request.read()
        try:
            notice = verify(secret=ns.push_secret.get_secret_value(), body=body,
                            timestamp=request.headers.get(TIMESTAMP_HEADER),
                            signature=request.headers.get(SIGNATURE_HEADER),
                            now=time.time(), tolerance=ns.push_tolerance_seconds)
        except PushRejected as rejected:
            log.warning("netsuite push refused: %s", rejected.reason)
            return web.json_response({"error": rejected.reason}, status=rejected.status)
        source = await service.source()
        kinds = source.request_for_record_type(notice.record_type)
        return web.json_response({"accepted": True, "polls": list(kinds)}, status=202)

    return service


service: NetSuiteSourceService | None = _register(ns_settings) if ns_settings.source_enabled else None
