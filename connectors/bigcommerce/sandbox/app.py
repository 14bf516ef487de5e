"""The sandbox aiohttp application: routing, auth, quota, faults and error rendering."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import admin, routes_catalog, routes_customers, routes_hooks, routes_metafields, routes_orders, routes_pricelists
from .config import SandboxConfig
from .faults import OrderFault, OrderFaults, PriceRecordFaults, RowFaults
from .quota import WindowQuota
from .seed import seed_store
from .state import ApiError, Store
from .web import CONFIG, FAULTS, HOOKS, PRICE_FAULTS, QUOTA, RNG, ROW_FAULTS, STORE, error_response
from .webhooks import WebhookDispatcher

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
INFLIGHT = web.AppKey("inflight", dict)
#: Documented concurrency limits per store, by route name (429 beyond; records upsert: ``SandboxConfig``).
CONCURRENCY_LIMITS = {
    "pricelist_records_list": 10,
    "pricelist_delete": 1,
    "pricelist_assignment_upsert": 25,
    "customers_update": 3,
}


def _version(path: str) -> str:
    parts = path.split("/")
    return parts[3] if len(parts) > 3 and parts[1] == "stores" else "v3"


def _with_quota(response: web.StreamResponse, headers: dict[str, str]) -> web.StreamResponse:
    for key, value in headers.items():
        response.headers[key] = value
    response.headers.setdefault("X-BC-Store-Version", "7.6.0")
    return response


def _endpoint(request: web.Request) -> str:
    """``METHOD /vN/path/{param}``: the route template the request matched, without the store prefix."""
    canonical = request.match_info.route.resource.canonical if request.match_info.route.resource else request.path
    return f"{request.method} {canonical.removeprefix('/stores/{store_hash}')}"


def _concurrency_key(request: web.Request) -> tuple[str, int] | None:
    """Endpoints with a documented concurrency limit, and that limit."""
    name = request.match_info.route.name
    config = request.app[CONFIG]
    if name == "pricelist_records_upsert":
        return "pricelist_records_upsert", config.pricelist_upsert_concurrency
    if name in CONCURRENCY_LIMITS:
        return name, CONCURRENCY_LIMITS[name]
    if name == "refund_create":
        return f"refund:{request.match_info.get('order_id')}", 1
    return None


def _order_fault(request: web.Request) -> OrderFault | None:
    """The per-order fault for a request whose path names an order (``{order_id}``), if one is set."""
    raw = request.match_info.get("order_id")
    if raw is None or not raw.isdigit():
        return None
    _, _, tail = request.path.partition(f"/orders/{raw}")
    return request.app[FAULTS].take(int(raw), request.method, tail.strip("/"))


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/__sandbox"):
        return await handler(request)
    app = request.app
    config, quota, store, rng = app[CONFIG], app[QUOTA], app[STORE], app[RNG]
    version = _version(request.path)
    store_hash = request.match_info.get("store_hash")
    if store_hash is None or store_hash != config.store_hash:
        return error_response(version, ApiError(404, "The requested resource was not found."))
    if request.headers.get("X-Auth-Token") != config.access_token:
        return error_response(version, ApiError(401, "Missing or invalid X-Auth-Token header."))
    store.stats.requests += 1
    endpoint = _endpoint(request)
    store.stats.by_endpoint[endpoint] = store.stats.by_endpoint.get(endpoint, 0) + 1
    if config.error_429_rate and config.error_429_endpoint in endpoint and rng.random() < config.error_429_rate:
        store.stats.injected_429 += 1
        store.stats.rate_limited += 1
        store.stats.by_status[429] = store.stats.by_status.get(429, 0) + 1
        return error_response(version, ApiError(429, "Too many requests: the platform is under load."))
    allowed, headers = (True, quota.exempt_headers()) if endpoint in config.quota_exempt else quota.take()
    if not allowed:
        store.stats.rate_limited += 1
        store.stats.by_status[429] = store.stats.by_status.get(429, 0) + 1
        limited = error_response(version, ApiError(429, "Too many requests: the store's API quota is exhausted."))
        if config.rate_limit_headers_on_429:
            _with_quota(limited, headers)
            limited.headers["X-Retry-After"] = str(max(1, -(-int(headers["X-Rate-Limit-Time-Reset-Ms"]) // 1000)))
        return limited
    key = _concurrency_key(request)
    inflight: dict[str, int] = app[INFLIGHT]
    if key is not None:
        name, limit = key
        if inflight.get(name, 0) >= limit:
            if name.startswith("refund:"):
                err = ApiError(422, "Processing multiple concurrent refunds on the same order is not supported")
            else:
                err = ApiError(429, "Too many concurrent requests to this endpoint")
                store.stats.rate_limited += 1
                store.stats.concurrency_limited[name] = store.stats.concurrency_limited.get(name, 0) + 1
            store.stats.by_status[err.status] = store.stats.by_status.get(err.status, 0) + 1
            return _with_quota(error_response(version, err), headers)
        inflight[name] = inflight.get(name, 0) + 1
    try:
        if config.latency_ms_max > 0:
            await asyncio.sleep(rng.uniform(config.latency_ms_min, config.latency_ms_max) / 1000.0)
        if config.timeout_rate and rng.random() < config.timeout_rate:
            store.stats.timeouts += 1
            await asyncio.sleep(config.timeout_s)
            return _with_quota(error_response(version, ApiError(504, "Gateway Timeout")), headers)
        fault = _order_fault(request)
        if fault is not None:
            store.stats.order_faults += 1
            return _with_quota(error_response(version, ApiError(fault.status, fault.message)), headers)
        if config.error_5xx_rate and rng.random() < config.error_5xx_rate:
            store.stats.faults_5xx += 1
            status = rng.choice((500, 502, 503))
            return _with_quota(error_response(version, ApiError(status, "Internal Server Error")), headers)
        response: web.StreamResponse
        try:
            response = await handler(request)
        except ApiError as err:
            response = error_response(version, err)
            if "/inventory/" in request.path:
                response.content_type = "application/problem+json"
        except web.HTTPException as exc:
            response = error_response(version, ApiError(exc.status, exc.reason))
    finally:
        if key is not None:
            inflight[key[0]] -= 1
    store.stats.by_status[response.status] = store.stats.by_status.get(response.status, 0) + 1
    return _with_quota(response, headers)


async def _close_hooks(app: web.Application) -> None:
    await app[HOOKS].close()


def create_app(config: SandboxConfig | None = None, *, seed: bool = True) -> web.Application:
    """A fresh sandbox store (seeded from ``config.seed`` unless ``seed=False``)."""
    config = config or SandboxConfig()
    app = web.Application(middlewares=[api_middleware], client_max_size=32 * 1024 * 1024)
    rng = random.Random(config.rng_seed)
    store = Store(config)
    app[CONFIG] = config
    app[STORE] = store
    app[QUOTA] = WindowQuota(config)
    app[RNG] = rng
    app[HOOKS] = WebhookDispatcher(store, config, rng)
    app[INFLIGHT] = {}
    app[FAULTS] = OrderFaults()
    app[ROW_FAULTS] = RowFaults()
    app[PRICE_FAULTS] = PriceRecordFaults()
    if seed:
        seed_store(store, seed=config.seed, styles=config.styles, customers=config.customers)
    routes_orders.add_routes(app)
    routes_catalog.add_routes(app)
    routes_customers.add_routes(app)
    routes_pricelists.add_routes(app)
    routes_hooks.add_routes(app)
    routes_metafields.add_routes(app)
    admin.add_routes(app)
    app.router.add_route("*", "/stores/{store_hash}/{tail:.*}", _not_found)
    app.on_cleanup.append(_close_hooks)
    return app


async def _not_found(request: web.Request) -> web.Response:
    raise ApiError(404, "The requested resource was not found.")
