"""HTTP helpers shared by the sandbox's route modules: keys, bodies, paging, responses."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..formats import loads
from . import render
from .config import SandboxConfig
from .faults import OrderFaults, PriceRecordFaults, RowFaults
from .quota import WindowQuota
from .state import ApiError, Store
from .webhooks import WebhookDispatcher

STORE = web.AppKey("store", Store)
CONFIG = web.AppKey("config", SandboxConfig)
QUOTA = web.AppKey("quota", WindowQuota)
HOOKS = web.AppKey("hooks", WebhookDispatcher)
RNG = web.AppKey("rng", random.Random)
FAULTS = web.AppKey("faults", OrderFaults)
ROW_FAULTS = web.AppKey("row_faults", RowFaults)
PRICE_FAULTS = web.AppKey("price_faults", PriceRecordFaults)

V2_DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def store(request: web.Request) -> Store:
    return request.app[STORE]


def int_param(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, f"The filter '{name}' is invalid.") from exc


def int_list(request: web.Request, name: str) -> set[int] | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return {int(v) for v in raw.split(",") if v.strip()}
    except ValueError as exc:
        raise ApiError(400, f"The filter '{name}' is invalid.") from exc


def str_list(request: web.Request, name: str) -> set[str] | None:
    raw = request.query.get(name)
    return None if raw is None else {v.strip() for v in raw.split(",") if v.strip()}


async def body(request: web.Request) -> Any:
    if not request.content_type.startswith("application/json"):
        raise ApiError(415, "The request must have Content-Type application/json.")
    raw = await request.read()
    try:
        return loads(raw) if raw else None
    except ValueError as exc:
        raise ApiError(400, "The request body is not valid JSON.") from exc


def v2_json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(text=render.dumps(render.v2(payload)), status=status, content_type="application/json")


def v2_page(
    request: web.Request,
    rows: list[dict[str, Any]],
    view: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> web.Response:
    """A V2 collection page: bare array, or 204 with no body when empty. ``view`` renders each row of
    the page served (and only those)."""
    page = int_param(request, "page", 1) or 1
    limit = int_param(request, "limit", V2_DEFAULT_LIMIT) or V2_DEFAULT_LIMIT
    if limit > MAX_LIMIT:
        raise ApiError(413, f"The maximum limit is {MAX_LIMIT}.")
    chunk = rows[(page - 1) * limit : page * limit]
    if not chunk:
        return web.Response(status=204)
    return v2_json([view(row) for row in chunk] if view is not None else chunk)


def v3_json(data: Any, status: int = 200, meta: dict[str, Any] | None = None) -> web.Response:
    return web.Response(
        text=render.dumps({"data": render.v3(data), "meta": meta or {}}),
        status=status,
        content_type="application/json",
    )


def v3_page(
    request: web.Request, rows: list[dict[str, Any]], *, default_limit: int = 50, max_limit: int = MAX_LIMIT
) -> web.Response:
    """A V3 collection page with ``meta.pagination``."""
    page = max(1, int_param(request, "page", 1) or 1)
    limit = int_param(request, "limit", default_limit) or default_limit
    if limit > max_limit:
        limit = max_limit
    total = len(rows)
    total_pages = max(1, -(-total // limit))
    chunk = rows[(page - 1) * limit : page * limit]
    links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    meta = {
        "pagination": {
            "total": total,
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    return v3_json(chunk, meta=meta)


Row = dict[str, Any]


def encode_cursor(key: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode()


def decode_cursor(raw: str) -> tuple[Any, ...]:
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error) as exc:
        raise ApiError(400, "The cursor is invalid.") from exc
    if not isinstance(value, list):
        raise ApiError(400, "The cursor is invalid.")
    return tuple(value)


def v3_cursor_page(
    request: web.Request,
    rows: list[Row],
    *,
    key: Callable[[Row], tuple[Any, ...]],
    view: Callable[[Row], Row] | None = None,
    default_limit: int = 50,
    max_limit: int = MAX_LIMIT,
) -> web.Response:
    """A V3 collection page of ``rows`` (sorted by ``key``) with both kinds of paging, as the price
    lists and customers APIs do: ``after``/``before`` cursors → only ``meta.cursor_pagination``; ``page`` →
    only ``meta.pagination``; neither (or just ``limit``) → both. ``view`` renders the rows served."""
    after, before = request.query.get("after"), request.query.get("before")
    if after and before:
        raise ApiError(422, "The 'before' and 'after' parameters cannot be used together.")
    if (after or before) and "page" in request.query:
        raise ApiError(422, "The 'page' parameter cannot be used with a cursor.")
    limit = min(max(1, int_param(request, "limit", default_limit) or default_limit), max_limit)
    if after or before:
        try:
            start = bisect.bisect_right(rows, decode_cursor(after), key=key) if after else 0
            end = bisect.bisect_left(rows, decode_cursor(before), key=key) if before else len(rows)
        except TypeError as exc:
            raise ApiError(400, "The cursor is invalid.") from exc
        if before:
            start = max(0, end - limit)
        end = min(end, start + limit)
    else:
        page = max(1, int_param(request, "page", 1) or 1)
        start = min((page - 1) * limit, len(rows))
        end = min(start + limit, len(rows))
    chunk = rows[start:end]
    meta: dict[str, Any] = {}
    if not (after or before):
        page = start // limit + 1
        total_pages = max(1, -(-len(rows) // limit))
        links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
        if page > 1:
            links["previous"] = f"?page={page - 1}&limit={limit}"
        if page < total_pages:
            links["next"] = f"?page={page + 1}&limit={limit}"
        meta["pagination"] = {"total": len(rows), "count": len(chunk), "per_page": limit, "current_page": page,
                              "total_pages": total_pages, "links": links}
    if "page" not in request.query:
        cursor: dict[str, Any] = {"count": len(chunk), "per_page": limit, "links": {}}
        if chunk:
            cursor["start_cursor"], cursor["end_cursor"] = encode_cursor(key(chunk[0])), encode_cursor(key(chunk[-1]))
            cursor["links"]["current"] = f"?limit={limit}&after={encode_cursor(key(rows[start - 1]))}" if start else (
                f"?limit={limit}")
            if end < len(rows):
                cursor["links"]["next"] = f"?limit={limit}&after={cursor['end_cursor']}"
            if start > 0:
                cursor["links"]["previous"] = f"?limit={limit}&before={cursor['start_cursor']}"
        meta["cursor_pagination"] = cursor
    return v3_json([view(r) for r in chunk] if view is not None else chunk, meta=meta)


def error_response(version: str, err: ApiError) -> web.Response:
    if version == "v2":
        return web.Response(
            text=render.dumps([{"status": err.status, "message": err.title}]),
            status=err.status,
            content_type="application/json",
        )
    payload: dict[str, Any] = {
        "status": err.status,
        "title": err.title,
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    }
    if err.errors:
        payload["errors"] = err.errors
    return web.Response(text=render.dumps(payload), status=err.status, content_type="application/json")
