"""Run the sandbox: in-process for tests (:func:`start_sandbox`) or as a process (:func:`main`).

Defaults: ``127.0.0.1:8701``, store hash ``o2cdemo``, token ``sandbox-token``, Standard plan
(150 requests / 30 s). The API lives at ``http://HOST:PORT/stores/<hash>/v2|v3/...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from aiohttp import web

from .app import create_app
from .config import SandboxConfig
from .faults import OrderFaults, RowFaults
from .state import Store
from .web import FAULTS, HOOKS, ROW_FAULTS, STORE
from .webhooks import WebhookDispatcher

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8701


@dataclass
class SandboxServer:
    """A running sandbox: ``url`` is the API base to give the client (``api_base``)."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def config(self) -> SandboxConfig:
        return self.store.config

    @property
    def store(self) -> Store:
        return self.app[STORE]

    @property
    def webhooks(self) -> WebhookDispatcher:
        return self.app[HOOKS]

    @property
    def faults(self) -> OrderFaults:
        """Per-order faults (also ``/__sandbox/faults/orders``)."""
        return self.app[FAULTS]

    @property
    def row_faults(self) -> RowFaults:
        """Malformed order rows (also ``/__sandbox/faults/rows``)."""
        return self.app[ROW_FAULTS]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(
    host: str = DEFAULT_HOST, port: int = 0, config: SandboxConfig | None = None, *, seed: bool = True
) -> SandboxServer:
    """Start a sandbox on ``host:port`` (port 0 = a free one) and return once it accepts connections."""
    app = create_app(config, seed=seed)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    site = web.SockSite(runner, sock)
    await site.start()
    actual = sock.getsockname()[1]
    return SandboxServer(url=f"http://{host}:{actual}", app=app, runner=runner)


async def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, config: SandboxConfig | None = None) -> None:
    """Serve until cancelled."""
    server = await start_sandbox(host, port, config)
    logging.getLogger(__name__).info("BigCommerce sandbox on %s/stores/%s", server.url, server.config.store_hash)
    print(f"BigCommerce sandbox listening on {server.url}/stores/{server.config.store_hash}/", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def parse_args(argv: Sequence[str] | None) -> tuple[str, int, SandboxConfig]:
    p = argparse.ArgumentParser(prog="o2c sandbox bigcommerce", description="Local BigCommerce API sandbox")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--store-hash", default="o2cdemo")
    p.add_argument("--token", default="sandbox-token", help="accepted X-Auth-Token")
    p.add_argument("--plan", choices=("standard", "plus", "pro"), default="standard")
    p.add_argument("--quota", type=int, default=None, help="requests per window (overrides the plan)")
    p.add_argument("--window-ms", type=int, default=30_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--styles", type=int, default=8)
    p.add_argument("--customers", type=int, default=20)
    p.add_argument("--tax-inclusive", action="store_true")
    p.add_argument("--tax-rate", default="0.08")
    p.add_argument("--latency-ms", type=float, nargs=2, metavar=("MIN", "MAX"), default=(0.0, 0.0))
    p.add_argument("--error-5xx-rate", type=float, default=0.0)
    args = p.parse_args(argv)
    config = SandboxConfig(
        store_hash=args.store_hash,
        access_token=args.token,
        plan=args.plan,
        quota=args.quota,
        window_ms=args.window_ms,
        seed=args.seed,
        styles=args.styles,
        customers=args.customers,
        tax_inclusive=args.tax_inclusive,
        tax_rate=Decimal(args.tax_rate),
        latency_ms_min=args.latency_ms[0],
        latency_ms_max=args.latency_ms[1],
        error_5xx_rate=args.error_5xx_rate,
    )
    return args.host, args.port, config


def main(argv: Sequence[str] | None = None) -> int:
    host, port, config = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(host, port, config))
    return 0
