"""The worker's webhook server: ``POST /webhooks/*`` on ``O2C_WEBHOOK_HOST:O2C_WEBHOOK_PORT``, nothing else.

BigCommerce, NetSuite and Stripe deliver here; the one port an ingress exposes to them. It is a small
aiohttp server apart from Faust's (``O2C_WEB_PORT``: health and metrics, for the cluster only), run as a
service of the worker: it starts with the worker, before the first partition assignment (a delivery is
queued at once, whatever the worker is doing), and stops with it. A source registers its receiver with
:func:`route`; any other path, and any method but POST, is 404.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from mode import Service

from streams.platform.app import app, settings

log = logging.getLogger(__name__)

PREFIX = "/webhooks/"
Receiver = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def post_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """404 (not 405) for any method but POST: the port tells a scanner nothing about what it serves."""
    if request.method != "POST":
        raise web.HTTPNotFound()
    return await handler(request)


class WebhookServer(Service):
    """An aiohttp server of the receivers given to :meth:`add`; started and stopped with the worker."""

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host, self.port = host, port
        self.receivers: dict[str, Receiver] = {}
        self._runner: web.AppRunner | None = None

    def add(self, path: str, receiver: Receiver) -> None:
        if not path.startswith(PREFIX) or path in self.receivers:
            raise ValueError(f"a webhook path starts with {PREFIX} and is registered once: {path}")
        self.receivers[path] = receiver

    def application(self) -> web.Application:
        application = web.Application(middlewares=[post_only])
        for path, receiver in self.receivers.items():
            application.router.add_post(path, receiver)
        return application

    async def on_start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(f"the webhook server cannot listen on {self.host}:{self.port} (O2C_WEBHOOK_HOST, "
                          f"O2C_WEBHOOK_PORT): {error.strerror or error}") from error
        log.info("webhook server listening", extra={"url": f"http://{self.host}:{self.port}",
                                                    "paths": sorted(self.receivers) or None})

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


server = WebhookServer(settings.webhook_host, settings.webhook_port)
app.add_dependency(server)


def route(path: str) -> Callable[[Receiver], Receiver]:
    """Register ``receiver`` for ``POST path`` (``/webhooks/…``) on the worker's webhook server."""

    def register(receiver: Receiver) -> Receiver:
        server.add(path, receiver)
        return receiver

    return register
