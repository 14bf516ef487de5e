"""Run the Stripe sandbox: in-process for tests (:func:`start_sandbox`) or as a process (:func:`main`).

``python -m connectors.payments.stripe.sandbox --port 8703 --api-key sk_test_sandbox --webhook-secret
whsec_sandbox``; point :class:`~connectors.payments.stripe.StripeSettings` ``api_base`` at its URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from .app import SANDBOX, SandboxSettings, create_app
from .hooks import WebhookDispatcher
from .store import StripeStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8703


@dataclass
class StripeSandbox:
    """A running sandbox: ``url`` is the ``api_base`` to give the client (and the admin API's base)."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def store(self) -> StripeStore:
        return self.app[SANDBOX].store

    @property
    def hooks(self) -> WebhookDispatcher:
        return self.app[SANDBOX].hooks

    @property
    def settings(self) -> SandboxSettings:
        return self.app[SANDBOX].settings

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(host: str = DEFAULT_HOST, port: int = 0,
                        settings: SandboxSettings | None = None) -> StripeSandbox:
    """Start on ``host:port`` (0 = a free port); returns once it accepts connections."""
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    await web.SockSite(runner, sock).start()
    return StripeSandbox(url=f"http://{host}:{sock.getsockname()[1]}", app=app, runner=runner)


async def run(host: str, port: int, settings: SandboxSettings) -> None:
    server = await start_sandbox(host, port, settings)
    print(f"Stripe sandbox listening on {server.url}/v1/ (admin {server.url}/__sandbox/)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def parse_args(argv: Sequence[str] | None) -> tuple[str, int, SandboxSettings]:
    p = argparse.ArgumentParser(prog="o2c sandbox stripe", description="Local Stripe payouts API sandbox")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--api-key", default="sk_test_sandbox", help="the accepted secret key")
    p.add_argument("--webhook-secret", default="whsec_sandbox", help="signing secret of the webhook endpoints")
    p.add_argument("--currency", default="usd", help="the account's settlement currency")
    p.add_argument("--api-version", default="2024-06-20")
    p.add_argument("--requests-per-second", type=float, default=25.0, help="0 = unlimited (Stripe test mode: 25)")
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    return args.host, args.port, SandboxSettings(
        api_key=args.api_key, webhook_secret=args.webhook_secret, account_currency=args.currency,
        api_version=args.api_version, requests_per_second=args.requests_per_second, seed=args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    host, port, settings = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(host, port, settings))
    return 0
