"""An ops page on a real socket over a real PostgreSQL, for the integration and browser tests.

The server runs in the test's event loop (``build_app`` + ``TCPSite`` on port 0: the OS picks a free one),
its users are argon2-hashed for real, and its metrics come from real HTTP servers (:class:`MetricsServer`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web

from state import exceptions as exceptions_store
from state.db import create_pool
from streams.ops.auth import hash_password
from streams.ops.server import build_app
from streams.ops.settings import OpsSettings
from streams.ops.web import OPS, Ops

SECRET = "test-session-secret-0123456789abcdef"
PASSWORDS = {"ann": "ann-operator-pass", "vic": "vic-viewer-pass"}
_HASHES: dict[str, str] = {}


def users_json() -> str:
    """ann is an operator, vic a viewer (hashed once per session: argon2 is slow on purpose)."""
    if not _HASHES:
        _HASHES.update({name: hash_password(password) for name, password in PASSWORDS.items()})
    return json.dumps([{"user": "ann", "password_hash": _HASHES["ann"], "role": "operator"},
                       {"user": "vic", "password_hash": _HASHES["vic"], "role": "viewer"}])


@dataclass
class OpsServer:
    url: str
    app: web.Application
    runner: web.AppRunner
    pool: asyncpg.Pool

    @property
    def ops(self) -> Ops:
        return self.app[OPS]

    async def stop(self) -> None:
        await self.runner.cleanup()
        await self.pool.close()


async def start_ops(dsn: str, *, scrape: bool = False, **overrides: Any) -> OpsServer:
    """The ops page on 127.0.0.1 and a free port; settings overridden by ``overrides``."""
    values: dict[str, Any] = {"session_secret": SECRET, "cookie_secure": False, "users": users_json(),
                              "metrics_urls": [], "port": 0, **overrides}
    settings = OpsSettings(**values)
    pool = await create_pool(dsn, min_size=1, max_size=4, stateless=True)
    app = build_app(settings, pool, scrape=scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return OpsServer(url=f"http://{host}:{port}", app=app, runner=runner, pool=pool)


@dataclass
class MetricsServer:
    """A worker's ``/metrics`` stand-in on a real socket: serves whatever text the test sets."""

    text: str = ""
    url: str = ""
    runner: web.AppRunner | None = field(default=None, repr=False)

    async def start(self) -> MetricsServer:
        app = web.Application()

        async def metrics(_request: web.Request) -> web.Response:
            return web.Response(text=self.text, content_type="text/plain")

        app.router.add_get("/metrics", metrics)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/metrics"
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


async def seed_exception(pool: asyncpg.Pool, kind: str, owner: str, key: str, *, object_type: str = "order",
                         message: str | None = None, payload: Any = None, ns_id: str | None = None) -> int:
    return await exceptions_store.record(pool, exceptions_store.NewException(
        kind=kind, object_type=object_type, owner=owner,  # type: ignore[arg-type]
        message=message or f"{kind} on {object_type} {key}: fix it, then retry.", bc_id=key, ns_id=ns_id,
        payload=payload, dedupe_key=f"{kind}:{object_type}:{key}"))


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
