"""The sandbox's HTTP face: Stripe's read API under ``/v1`` and a JSON admin API under ``/__sandbox``.

``/v1`` requests need the key (HTTP Basic with the key as user name, or ``Authorization: Bearer``), are
counted per route (``GET /__sandbox/stats``), limited to ``requests_per_second`` (429 ``rate_limit``) and
can be made to fail (``POST /__sandbox/faults {status, count, path_prefix?}``). Errors have Stripe's shape.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from .hooks import WebhookDispatcher
from .store import Ordered, StripeApiError, StripeStore, missing, page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SandboxSettings:
    api_key: str = "sk_test_sandbox"
    webhook_secret: str = "whsec_sandbox"
    account_currency: str = "usd"
    api_version: str = "2024-06-20"
    #: ``/v1`` requests allowed per second (0: no limit); Stripe's test mode allows 25.
    requests_per_second: float = 0.0
    webhook_retry_delays_s: tuple[float, ...] = (0.5, 2.0, 5.0)
    seed: int | None = None


@dataclass
class Fault:
    status: int
    remaining: int
    path_prefix: str = "/v1/"


@dataclass
class Counters:
    requests: dict[str, int] = field(default_factory=dict)
    total: int = 0
    rate_limited: int = 0
    faults_served: int = 0
    unauthorized: int = 0


@dataclass
class Sandbox:
    """The app's state, shared by the handlers."""

    settings: SandboxSettings
    store: StripeStore
    hooks: WebhookDispatcher
    counters: Counters = field(default_factory=Counters)
    faults: list[Fault] = field(default_factory=list)
    window: int = 0
    window_count: int = 0


SANDBOX = web.AppKey("stripe_sandbox", Sandbox)


def dumps(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


def error(err: StripeApiError) -> web.Response:
    """Stripe's error body (Stripe sends no ``Retry-After`` on 429; clients back off on their own)."""
    return dumps(err.body(), err.status)


def _state(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


def _authorised(request: web.Request, key: str) -> str | None:
    """``None`` when the request carries ``key``; else the message Stripe answers with."""
    header = request.headers.get("Authorization", "")
    given = ""
    if header.startswith("Bearer "):
        given = header[7:].strip()
    elif header.startswith("Basic "):
        try:
            given = base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            given = ""
    if not given:
        return ("You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    if given != key:
        return f"Invalid API Key provided: {given[:8]}{'*' * 4}{given[-4:] if len(given) > 12 else ''}"
    return None


@web.middleware
async def stripe_api(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Auth, counting, rate limit and injected faults for ``/v1``; Stripe-shaped errors everywhere."""
    state = _state(request)
    try:
        if request.path.startswith("/v1/"):
            route = request.match_info.route.resource
            name = f"{request.method} {route.canonical if route is not None else request.path}"
            counters = state.counters
            counters.total += 1
            counters.requests[name] = counters.requests.get(name, 0) + 1
            refusal = _authorised(request, state.settings.api_key)
            if refusal is not None:
                counters.unauthorized += 1
                return error(StripeApiError(401, refusal))
            _rate_limit(state)
            for fault in state.faults:
                if fault.remaining > 0 and request.path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    counters.faults_served += 1
                    if fault.status == 429:
                        raise StripeApiError(429, "Request rate limit exceeded (injected).", code="rate_limit")
                    raise StripeApiError(fault.status, "An unexpected error occurred (injected).", type_="api_error")
        return await handler(request)
    except web.HTTPNotFound:
        if not request.path.startswith("/v1/"):
            raise
        return error(StripeApiError(404, f"Unrecognized request URL (GET: {request.path}).",
                                    type_="invalid_request_error"))
    except StripeApiError as err:
        return error(err)


def _rate_limit(state: Sandbox) -> None:
    rps = state.settings.requests_per_second
    if rps <= 0:
        return
    now = int(time.monotonic())
    if now != state.window:
        state.window, state.window_count = now, 0
    state.window_count += 1
    if state.window_count > rps:
        state.counters.rate_limited += 1
        raise StripeApiError(429, "Request rate limit exceeded. Learn more about rate limits here "
                                  "https://stripe.com/docs/rate-limits.", code="rate_limit")


# ---------------------------------------------------------------------- query parameters

def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise StripeApiError(400, f"Invalid integer: {raw}", param=name) from exc


def _range(request: web.Request, name: str) -> Callable[[int], bool] | None:
    """``name=<ts>`` or ``name[gt|gte|lt|lte]=<ts>`` → a predicate."""
    checks: list[Callable[[int], bool]] = []
    q = request.query
    if name in q:
        exact = _int(q[name], name)
        checks.append(lambda v: v == exact)
    for op in ("gt", "gte", "lt", "lte"):
        key = f"{name}[{op}]"
        if key in q:
            bound = _int(q[key], key)
            checks.append({"gt": lambda v, b=bound: v > b, "gte": lambda v, b=bound: v >= b,
                           "lt": lambda v, b=bound: v < b, "lte": lambda v, b=bound: v <= b}[op])
    if not checks:
        return None
    return lambda v: all(c(v) for c in checks)


def _expand(request: web.Request) -> set[str]:
    return {v for k, v in request.query.items() if k == "expand" or k.startswith("expand[")}


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    limit = 10 if raw is None else _int(raw, "limit")
    if not 1 <= limit <= 100:
        raise StripeApiError(400, "This value must be greater than or equal to 1 and less than or equal to 100.",
                             param="limit")
    return limit


def _list(request: web.Request, ordered: Ordered, kind: str, url: str,
          keep: Callable[[dict[str, Any]], bool] | None = None,
          render: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> web.Response:
    data, more = page(ordered, kind, limit=_limit(request), starting_after=request.query.get("starting_after"),
                      ending_before=request.query.get("ending_before"), keep=keep)
    rows = [render(o) for o in data] if render is not None else data
    return dumps({"object": "list", "data": rows, "has_more": more, "url": url})


def _all(*checks: Callable[[dict[str, Any]], bool] | None) -> Callable[[dict[str, Any]], bool] | None:
    active = [c for c in checks if c is not None]
    if not active:
        return None
    return lambda obj: all(c(obj) for c in active)


# ---------------------------------------------------------------------- the API

async def list_payouts(request: web.Request) -> web.Response:
    store = _state(request).store
    created, arrival = _range(request, "created"), _range(request, "arrival_date")
    status = request.query.get("status")
    keep = _all(
        (lambda p: created(p["created"])) if created else None,
        (lambda p: arrival(p["arrival_date"])) if arrival else None,
        (lambda p: p["status"] == status) if status else None,
    )
    return _list(request, store.payouts, "payout", "/v1/payouts", keep)


async def get_payout(request: web.Request) -> web.Response:
    return dumps(_state(request).store.payout(request.match_info["id"]))


def _source(store: StripeStore, source_id: str) -> Any:
    for ordered in (store.charges, store.refunds, store.disputes, store.payouts):
        found = ordered.get(source_id)
        if found is not None:
            return found
    return source_id


def _bt_renderer(store: StripeStore, expand_source: bool) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    if not expand_source:
        return None
    return lambda bt: {**bt, "source": _source(store, bt["source"])}


async def list_balance_transactions(request: web.Request) -> web.Response:
    store = _state(request).store
    payout_id = request.query.get("payout")
    ordered = store.balance_transactions
    if payout_id:
        payout = store.payout(payout_id)
        if payout["reconciliation_status"] == "not_applicable":
            raise StripeApiError(400, "Balance transaction history can only be filtered on automatic transfers, "
                                      "not manual.", param="payout")
        ordered = store.payout_lines[payout_id]
    type_ = request.query.get("type")
    created = _range(request, "created")
    currency = request.query.get("currency")
    keep = _all(
        (lambda bt: bt["type"] == type_) if type_ else None,
        (lambda bt: created(bt["created"])) if created else None,
        (lambda bt: bt["currency"] == currency) if currency else None,
    )
    render = _bt_renderer(store, "data.source" in _expand(request))
    return _list(request, ordered, "balance_transaction", "/v1/balance_transactions", keep, render)


async def get_balance_transaction(request: web.Request) -> web.Response:
    store = _state(request).store
    bt = store.balance_transactions.get(request.match_info["id"])
    if bt is None:
        raise missing("balance transaction", request.match_info["id"])
    render = _bt_renderer(store, "source" in _expand(request))
    return dumps(render(bt) if render else bt)


def _getter(attr: str, kind: str) -> Handler:
    async def get(request: web.Request) -> web.Response:
        found = getattr(_state(request).store, attr).get(request.match_info["id"])
        if found is None:
            raise missing(kind, request.match_info["id"])
        return dumps(found)
    return get


async def list_events(request: web.Request) -> web.Response:
    store = _state(request).store
    type_ = request.query.get("type")
    created = _range(request, "created")
    keep = _all(
        (lambda e: e["type"] == type_ or (type_.endswith(".*") and e["type"].startswith(type_[:-1])))
        if type_ else None,
        (lambda e: created(e["created"])) if created else None,
    )
    return _list(request, store.events, "event", "/v1/events", keep)


# ---------------------------------------------------------------------- admin

async def _body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise StripeApiError(400, "The request body is not valid JSON.") from exc


async def admin_charges(request: web.Request) -> web.Response:
    """One charge (its object back) or a list (bulk: ids back, compactly)."""
    store = _state(request).store
    body = await _body(request)
    if isinstance(body, list):
        made = [store.create_charge(b) for b in body]
        return dumps({"object": "list", "count": len(made), "data": [
            {"id": c["id"], "payment_intent": c["payment_intent"], "balance_transaction": c["balance_transaction"]}
            for c in made]})
    return dumps(store.create_charge(body))


async def admin_refunds(request: web.Request) -> web.Response:
    """A refund; with ``Idempotency-Key`` a repeat answers the first refund and ``Idempotent-Replayed: true``."""
    store = _state(request).store
    key = request.headers.get("Idempotency-Key")
    if key and key in store.idempotent:
        response = dumps(store.idempotent[key])
        response.headers["Idempotent-Replayed"] = "true"
        return response
    refund = store.create_refund(await _body(request))
    if key:
        store.idempotent[key] = refund
    return dumps(refund)


async def admin_disputes(request: web.Request) -> web.Response:
    return dumps(_state(request).store.create_dispute(await _body(request)))


async def admin_close_dispute(request: web.Request) -> web.Response:
    body = await _body(request)
    return dumps(_state(request).store.close_dispute(request.match_info["id"], str(body.get("status", ""))))


async def admin_payouts(request: web.Request) -> web.Response:
    return dumps(_state(request).store.create_payout(await _body(request)))


async def admin_fail_payout(request: web.Request) -> web.Response:
    body = await _body(request)
    return dumps(_state(request).store.fail_payout(request.match_info["id"],
                                                   str(body.get("failure_code") or "account_closed"),
                                                   body.get("failure_message")))


async def admin_endpoints(request: web.Request) -> web.Response:
    body = await _body(request)
    url = str(body.get("url") or "")
    if not url.startswith(("http://", "https://")):
        raise StripeApiError(400, "url must be an http(s) URL", param="url")
    hooks = _state(request).hooks
    if url not in hooks.endpoints:
        hooks.endpoints.append(url)
    return dumps({"url": url, "secret": hooks.secret, "endpoints": hooks.endpoints})


async def admin_webhook_mode(request: web.Request) -> web.Response:
    """``{duplicate?: bool, hold?: bool}``; ``{release: "fifo"|"reverse"}`` delivers what was held."""
    body = await _body(request)
    hooks = _state(request).hooks
    if "duplicate" in body:
        hooks.duplicate = bool(body["duplicate"])
    if "hold" in body:
        hooks.hold = bool(body["hold"])
    released = hooks.release(str(body["release"])) if body.get("release") else 0
    return dumps({"duplicate": hooks.duplicate, "hold": hooks.hold, "held": len(hooks.held), "released": released})


async def admin_faults(request: web.Request) -> web.Response:
    body = await _body(request)
    status = int(body.get("status", 500))
    if status not in (429, 500, 502, 503, 504):
        raise StripeApiError(400, "status must be 429 or a 5xx", param="status")
    fault = Fault(status=status, remaining=int(body.get("count", 1)), path_prefix=str(body.get("path_prefix", "/v1/")))
    state = _state(request)
    state.faults = [f for f in state.faults if f.remaining > 0] + [fault]
    return dumps({"status": fault.status, "count": fault.remaining, "path_prefix": fault.path_prefix})


async def admin_stats(request: web.Request) -> web.Response:
    state = _state(request)
    c, h, s = state.counters, state.hooks.stats, state.store
    return dumps({
        "requests": c.requests, "total": c.total, "rate_limited": c.rate_limited, "faults_served": c.faults_served,
        "unauthorized": c.unauthorized,
        "webhooks": {"delivered": h.delivered, "attempts": h.attempts, "failed": h.failed, "by_type": h.by_type},
        "objects": {"charges": len(s.charges), "refunds": len(s.refunds), "disputes": len(s.disputes),
                    "balance_transactions": len(s.balance_transactions), "payouts": len(s.payouts),
                    "events": len(s.events)},
    })


async def admin_reset_stats(request: web.Request) -> web.Response:
    _state(request).counters = Counters()
    return dumps({"reset": True})


def create_app(settings: SandboxSettings | None = None) -> web.Application:
    settings = settings or SandboxSettings()
    store = StripeStore(account_currency=settings.account_currency, api_version=settings.api_version,
                        seed=settings.seed)
    hooks = WebhookDispatcher(settings.webhook_secret, settings.webhook_retry_delays_s)
    store.on_event = hooks.submit
    app = web.Application(middlewares=[stripe_api], client_max_size=256 * 1024 * 1024)
    app[SANDBOX] = Sandbox(settings=settings, store=store, hooks=hooks)

    async def start_hooks(_: web.Application) -> None:
        hooks.start()

    async def stop_hooks(_: web.Application) -> None:
        await hooks.stop()

    app.on_startup.append(start_hooks)
    app.on_cleanup.append(stop_hooks)
    r = app.router
    r.add_get("/v1/payouts", list_payouts)
    r.add_get("/v1/payouts/{id}", get_payout)
    r.add_get("/v1/balance_transactions", list_balance_transactions)
    r.add_get("/v1/balance_transactions/{id}", get_balance_transaction)
    r.add_get("/v1/charges/{id}", _getter("charges", "charge"))
    r.add_get("/v1/refunds/{id}", _getter("refunds", "refund"))
    r.add_get("/v1/disputes/{id}", _getter("disputes", "dispute"))
    r.add_get("/v1/events", list_events)
    r.add_get("/v1/events/{id}", _getter("events", "event"))
    r.add_post("/__sandbox/charges", admin_charges)
    r.add_post("/__sandbox/refunds", admin_refunds)
    r.add_post("/__sandbox/disputes", admin_disputes)
    r.add_post("/__sandbox/disputes/{id}/close", admin_close_dispute)
    r.add_post("/__sandbox/payouts", admin_payouts)
    r.add_post("/__sandbox/payouts/{id}/fail", admin_fail_payout)
    r.add_post("/__sandbox/webhook_endpoints", admin_endpoints)
    r.add_post("/__sandbox/webhooks", admin_webhook_mode)
    r.add_post("/__sandbox/faults", admin_faults)
    r.add_get("/__sandbox/stats", admin_stats)
    r.add_post("/__sandbox/stats/reset", admin_reset_stats)
    return app
