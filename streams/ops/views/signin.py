"""``/signin`` and ``/signout``: password sign-in (rate-limited, recorded) and sign-out."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from state import ops_actions
from streams.ops.auth import check_password
from streams.ops.text import duration
from streams.ops.web import SESSION, flash_and_go, ops_of, render, see_other, session_of

log = logging.getLogger("o2c.ops")
MAX_NAME = 200


def safe_next(value: object) -> str:
    """Only a path on this site (never ``//host`` or an absolute URL) is followed after sign-in."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


async def signin_form(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    target = safe_next(request.query.get("next"))
    if session_of(request).signed_in:
        return see_other(target)
    return render(request, "signin.html", title="Sign in", next=target, error=None, user="",
                  proxy=ops.settings.auth == "proxy")


async def signin(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    form = await request.post()
    target = safe_next(form.get("next"))
    if ops.settings.auth == "proxy":
        return see_other(target)  # the proxy signs people in; its headers are read on every request
    name = str(form.get("user") or "").strip()[:MAX_NAME]
    password = str(form.get("password") or "")
    address = request.remote or "-"

    def again(error: str, status: int) -> web.Response:
        return render(request, "signin.html", status=status, title="Sign in", next=target, error=error, user=name,
                      proxy=False)

    if not name or not password:
        return again("Enter your user name and password.", 400)
    wait = ops.limiter.blocked(name, address)
    if wait > 0:
        log.warning("sign-in refused: too many failures", extra={"user": name, "address": address})
        return again(f"Too many failed sign-ins. Try again in {duration(wait + 59)}.", 429)
    found = await asyncio.to_thread(check_password, ops.users, name, password)
    if found is None:
        ops.limiter.failed(name, address)
        await ops_actions.record(ops.pool, actor=name, action="sign_in_failed", note="wrong user name or password",
                                 detail={"address": address, "mode": "password"}, source="page")
        log.warning("sign-in failed", extra={"user": name, "address": address})
        return again("Wrong user name or password.", 401)
    ops.limiter.succeeded(name)
    request[SESSION] = ops.codec.new(found.name, found.role)  # a new session id and CSRF token
    await ops_actions.record(ops.pool, actor=found.name, role=found.role, action="sign_in",
                             detail={"address": address, "mode": "password"}, source="page")
    log.info("signed in", extra={"user": found.name, "role": found.role})
    return see_other(target)


async def signout(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    session = session_of(request)
    if session.signed_in:
        await ops_actions.record(ops.pool, actor=session.user or "-", role=session.role, action="sign_out",
                                 source="page")
        ops.codec.revoke(session)
    request[SESSION] = ops.codec.new()
    if ops.settings.auth == "proxy":
        return see_other(ops.settings.proxy_signout_url)
    return flash_and_go(request, True, "You are signed out.", "/signin")
