"""``/``: every flow's health at a glance, the outside systems, open exceptions per team; ``/healthz``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web

from state import exceptions as exceptions_store
from state import ops_health
from streams.ops import figures
from streams.ops.health import FLOWS, flow_health, systems_health, worst
from streams.ops.web import cached, ops_of, render

HOME_CACHE_SECONDS = 10.0


async def _database_figures(pool: asyncpg.Pool) -> tuple[dict[str, ops_health.FlowRow], dict[str, int], datetime]:
    async with pool.acquire() as conn:
        return (await ops_health.flow_rows(conn), await exceptions_store.open_by_owner(conn),
                await ops_health.database_now(conn))


async def home(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    rows, owners, now = await cached(ops, "home", HOME_CACHE_SECONDS, lambda: _database_figures(ops.pool))
    scrapes = ops.scraper.scrapes()
    cards = [flow_health(flow, figures.flow_figures(flow.key, rows[flow.key], scrapes), now) for flow in FLOWS]
    systems = systems_health(figures.systems(scrapes, len(ops.scraper.targets)))
    overall = worst([c.status for c in cards] + [systems.status])
    context: dict[str, Any] = {"cards": cards, "systems": systems, "owners": owners, "db_now": now,
                               "overall": overall}
    return render(request, "home.html", title="Home", **context)


async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})
