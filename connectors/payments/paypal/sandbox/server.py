"""Run the PayPal sandbox in-process for tests (:func:`start_sandbox`) or as a process (:func:`main`).

Defaults: ``127.0.0.1:8703``, client ``sandbox-client`` / secret ``sandbox-secret``. Point
``O2C_PAYPAL_API_BASE`` at ``url``.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from .app import STATE, create_app
from .state import SandboxState

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8703


@dataclass
class SandboxServer:
    """A running sandbox: ``url`` is the ``api_base`` to give the client."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def state(self) -> SandboxState:
        return self.app[STATE]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(host: str = DEFAULT_HOST, port: int = 0, state: SandboxState | None = None) -> SandboxServer:
    """Start a sandbox on ``host:port`` (port 0 = a free one) and return once it accepts connections."""
    app = create_app(state)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    await web.SockSite(runner, sock).start()
    return SandboxServer(url=f"http://{host}:{sock.getsockname()[1]}", app=app, runner=runner)


async def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until cancelled."""
    server = await start_sandbox(host, port)
    print(f"PayPal sandbox listening on {server.url}/", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="o2c sandbox paypal", description="Local PayPal Transaction Search sandbox")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        asyncio.run(run(args.host, args.port))
    except KeyboardInterrupt:
        pass
