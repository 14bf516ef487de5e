"""Webhooks V3 management: ``/v3/hooks``."""

from __future__ import annotations

from aiohttp import web

from .state import ApiError
from .web import body, store, v3_json, v3_page

V3 = "/stores/{store_hash}/v3"


def _hook_id(request: web.Request) -> int:
    try:
        return int(request.match_info["webhook_id"])
    except ValueError as exc:
        raise ApiError(404, "Webhook not found") from exc


async def list_hooks(request: web.Request) -> web.Response:
    rows = sorted(store(request).hooks.values(), key=lambda h: h["id"])
    if "is_active" in request.query:
        active = request.query["is_active"].lower() == "true"
        rows = [h for h in rows if h["is_active"] == active]
    for name in ("scope", "destination"):
        if name in request.query:
            rows = [h for h in rows if h[name] == request.query[name]]
    return v3_page(request, rows)


async def create_hook(request: web.Request) -> web.Response:
    return v3_json(store(request).create_hook(await body(request) or {}))


async def get_hook(request: web.Request) -> web.Response:
    return v3_json(store(request).get_hook(_hook_id(request)))


async def update_hook(request: web.Request) -> web.Response:
    return v3_json(store(request).update_hook(_hook_id(request), await body(request) or {}))


async def delete_hook(request: web.Request) -> web.Response:
    s = store(request)
    hook = s.get_hook(_hook_id(request))
    del s.hooks[hook["id"]]
    return v3_json(hook)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{V3}/hooks", list_hooks)
    r.add_post(f"{V3}/hooks", create_hook)
    r.add_get(f"{V3}/hooks/{{webhook_id}}", get_hook)
    r.add_put(f"{V3}/hooks/{{webhook_id}}", update_hook)
    r.add_delete(f"{V3}/hooks/{{webhook_id}}", delete_hook)
