"""What every page shares: the app's state, sessions and sign-in on each request, CSRF, rendering."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import jinja2
from aiohttp import web

from state import ops_actions
from streams.ops import csrf
from streams.ops.auth import Identity, User, proxy_identity
from streams.ops.metrics_scrape import Scraper
from streams.ops.ratelimit import SignInLimiter
from streams.ops.sessions import COOKIE, Session, SessionCodec
from streams.ops.settings import OpsSettings
from streams.ops.text import age, count, duration, rate

log = logging.getLogger("o2c.ops")
HERE = Path(__file__).resolve().parent
PUBLIC = ("/signin", "/signout", "/healthz", "/static/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


@dataclass
class Ops:
    """The page's state, one per server."""

    settings: OpsSettings
    pool: asyncpg.Pool
    codec: SessionCodec
    users: dict[str, User]
    limiter: SignInLimiter
    scraper: Scraper
    templates: jinja2.Environment
    cache: dict[str, tuple[float, Any]] = field(default_factory=dict)


OPS = web.AppKey("ops", Ops)
SESSION = web.RequestKey("session", Session)


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _money(value: Decimal | float | None, currency: str = "") -> str:
    return "—" if value is None else f"{value:,.2f} {currency}".strip()


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, money=_money, duration=duration, rate=rate, count=count,
                       label=lambda s: str(s).replace("_", " "))
    env.globals.update(age=age)
    return env


def ops_of(request: web.Request) -> Ops:
    return request.app[OPS]


def session_of(request: web.Request) -> Session:
    session: Session = request[SESSION]
    return session


def identity(request: web.Request) -> Identity:
    """The signed-in user (the middleware lets no other request reach a page)."""
    s = session_of(request)
    assert s.user is not None and s.role in ("viewer", "operator")
    return Identity(s.user, s.role)  # type: ignore[arg-type]  # checked just above


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    """The page ``template`` with the common context; a waiting one-shot message is shown once."""
    ops = ops_of(request)
    s = session_of(request)
    if s.flash:
        request[SESSION] = replace(s, flash=None)
    html = ops.templates.get_template(template).render(
        request_path=request.path, session=s, flash=s.flash, csrf_field=csrf.FIELD, csrf_token=s.csrf,
        auth_mode=ops.settings.auth, now=datetime.now(UTC), **context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def flash_and_go(request: web.Request, ok: bool, message: str, location: str) -> web.Response:
    request[SESSION] = session_of(request).with_flash(ok, message)
    return see_other(location)


def forbidden(request: web.Request, message: str) -> web.Response:
    return render(request, "error.html", status=403, title="Not allowed", message=message)


def query_string(**params: object) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _public(path: str) -> bool:
    return path in PUBLIC or path.startswith("/static/")


async def _proxy_sign_in(request: web.Request, ops: Ops, session: Session) -> Session | web.Response:
    """Proxy mode: the trusted headers say who this is; a new person gets a new session (recorded)."""
    found, why = proxy_identity(request.headers, request.remote, ops.settings)
    if found is None:
        request[SESSION] = session
        return render(request, "error.html", status=403, title="Sign-in refused", message=why)
    if session.user != found.name:
        session = ops.codec.new(found.name, found.role)
        await ops_actions.record(ops.pool, actor=found.name, role=found.role, action="sign_in",
                                 detail={"mode": "proxy"}, source="page")
        log.info("signed in through the proxy", extra={"user": found.name, "role": found.role})
    elif session.role != found.role:
        session = replace(session, role=found.role)
    return session


@web.middleware
async def sessions_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session in, sign-in check, CSRF on every POST, session cookie and security headers out."""
    ops = ops_of(request)
    if request.path == "/healthz" or request.path.startswith("/static/"):
        return _headers(await handler(request))  # no session: parallel asset requests must not replace it
    loaded = ops.codec.loads(request.cookies.get(COOKIE))
    session = loaded or ops.codec.new()
    response: web.StreamResponse
    if ops.settings.auth == "proxy" and not _public(request.path):
        outcome = await _proxy_sign_in(request, ops, session)
        if isinstance(outcome, web.Response):
            return _headers(outcome)
        session = outcome
    request[SESSION] = session
    if request.method == "POST":
        form = await request.post()
        if not csrf.valid(session, form.get(csrf.FIELD)):
            log.warning("POST refused: missing or wrong CSRF token", extra={"path": request.path})
            response = render(request, "error.html", status=403, title="Not allowed",
                              message="This form has expired or did not come from this page. Go back, reload "
                                      "the page and try again.")
            return _finish(ops, request, response, loaded)
    if not _public(request.path) and not session.signed_in:
        response = see_other("/signin?" + query_string(next=request.path_qs))
    else:
        response = await handler(request)
    return _finish(ops, request, response, loaded)


def _finish(ops: Ops, request: web.Request, response: web.StreamResponse,
            loaded: Session | None) -> web.StreamResponse:
    session: Session | None = request.get(SESSION)
    if session is not None and session != loaded and not response.prepared:
        response.set_cookie(COOKIE, ops.codec.dumps(session), max_age=max(0, int(session.expires - time.time())),
                            path="/", httponly=True, samesite="Lax", secure=ops.settings.cookie_secure)
    return _headers(response)


def _headers(response: web.StreamResponse) -> web.StreamResponse:
    if not response.prepared:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def operator_only(handler: Handler) -> Handler:
    """A page action for operators: anyone else gets 403."""
    async def guarded(request: web.Request) -> web.StreamResponse:
        if session_of(request).role != "operator":
            log.warning("action refused: not an operator", extra={"path": request.path,
                                                                    "user": session_of(request).user})
            return forbidden(request, "Only operators may retry or resolve exceptions; you can view them.")
        return await handler(request)
    return guarded


async def cached(ops: Ops, key: str, seconds: float, make: Callable[[], Awaitable[Any]]) -> Any:
    """``make()``'s answer, kept ``seconds`` (the home page's PostgreSQL figures)."""
    hit = ops.cache.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    value = await make()
    ops.cache[key] = (time.monotonic() + seconds, value)
    return value
