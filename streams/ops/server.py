"""The ops page's aiohttp application: routes, the metrics scraper in the background, start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from state.db import create_pool
from streams.ops.auth import load_users
from streams.ops.metrics_scrape import Scraper
from streams.ops.ratelimit import SignInLimiter
from streams.ops.sessions import SessionCodec
from streams.ops.settings import OpsSettings
from streams.ops.views import activity, audit, exceptions, home, payouts, signin
from streams.ops.web import HERE, OPS, Ops, sessions_middleware, templates

log = logging.getLogger("o2c.ops")


def build_app(settings: OpsSettings, pool: asyncpg.Pool, *, scrape: bool = True) -> web.Application:
    """The application over an open pool; ``scrape``: read the workers' metrics in the background."""
    users = load_users(settings) if settings.auth == "password" else {}
    if settings.auth == "password" and not users:
        log.warning("no ops page users configured (O2C_OPS_USERS_FILE or O2C_OPS_USERS): nobody can sign in")
    app = web.Application(middlewares=[sessions_middleware], client_max_size=64 * 1024)
    app[OPS] = Ops(settings=settings, pool=pool, users=users, templates=templates(),
                   codec=SessionCodec(settings.session_secret.get_secret_value(), max_age=settings.session_max_age),
                   limiter=SignInLimiter(per_user=settings.signin_max_failures,
                                         per_address=4 * settings.signin_max_failures, window=settings.signin_window),
                   scraper=Scraper(settings.metrics_urls))
    r = app.router
    r.add_get("/", home.home)
    r.add_get("/healthz", home.healthz)
    r.add_get("/signin", signin.signin_form)
    r.add_post("/signin", signin.signin)
    r.add_post("/signout", signin.signout)
    r.add_get("/exceptions", exceptions.list_exceptions)
    r.add_get(r"/exceptions/{id:\d{1,18}}", exceptions.show_exception)
    r.add_post(r"/exceptions/{id:\d{1,18}}/retry", exceptions.retry)
    r.add_post(r"/exceptions/{id:\d{1,18}}/resolve", exceptions.resolve)
    r.add_get("/audit", audit.runs)
    r.add_get(r"/audit/{id:\d{1,18}}", audit.run)
    r.add_get(r"/audit/{id:\d{1,18}}.csv", audit.run_csv)
    r.add_get("/payouts", payouts.list_payouts)
    r.add_get("/activity", activity.activity)
    r.add_static("/static", HERE / "static")
    if scrape:
        app.cleanup_ctx.append(_scraping)
    return app


async def _scraping(app: web.Application) -> AsyncIterator[None]:
    ops = app[OPS]
    task = asyncio.create_task(ops.scraper.run(ops.settings.scrape_interval), name="ops-metrics-scraper")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def serve(settings: OpsSettings, dsn: str) -> None:
    """Run the page until cancelled (Ctrl-C / SIGTERM)."""
    pool = await create_pool(dsn, min_size=1, max_size=4, stateless=True)
    runner = web.AppRunner(build_app(settings, pool), access_log=None)
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        log.info("ops page listening", extra={"url": f"http://{settings.host}:{settings.port}/",
                                              "auth": settings.auth})
        print(f"ops page on http://{settings.host}:{settings.port}/ (sign-in: {settings.auth})", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await pool.close()
