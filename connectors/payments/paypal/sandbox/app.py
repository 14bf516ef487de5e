"""The PayPal sandbox's routes: OAuth2 token, Transaction Search, and ``/__sandbox`` admin."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .state import SandboxState, iso

STATE = web.AppKey("paypal_state", SandboxState)

#: The spec's ``date_time`` pattern (start_date/end_date parameters).
DATE_TIME = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[T,t]([0-1][0-9]|2[0-3]):[0-5][0-9]:"
                       r"([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")
MAX_RANGE = timedelta(days=31)


def _debug_id() -> str:
    return secrets.token_hex(7)


def invalid_request(issues: list[tuple[str, str, str]]) -> web.Response:
    """400 ``INVALID_REQUEST`` as the spec's ``error_400``."""
    return web.json_response({
        "name": "INVALID_REQUEST",
        "message": "Request is not well-formed, syntactically incorrect, or violates schema.",
        "debug_id": _debug_id(),
        "details": [{"field": f, "value": v, "location": "query", "issue": i} for f, v, i in issues],
        "links": [{"href": "https://developer.paypal.com/docs/api/transaction-search/v1/#error-INVALID_REQUEST",
                   "rel": "information_link"}],
    }, status=400)


def fault_response(status: int, retry_after: float | None) -> web.Response:
    if status == 429:
        body: dict[str, Any] = {"name": "RATE_LIMIT_REACHED",
                                "message": "Too many requests. Blocked due to rate limiting.",
                                "debug_id": _debug_id()}
    elif status == 503:
        body = {"name": "SERVICE_UNAVAILABLE", "message": "Service Unavailable.", "debug_id": _debug_id()}
    else:
        body = {"name": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred.",
                "debug_id": _debug_id()}
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    return web.json_response(body, status=status, headers=headers)


def _client_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


async def token(request: web.Request) -> web.Response:
    """``POST /v1/oauth2/token`` (client credentials, HTTP Basic)."""
    state = request.app[STATE]
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return web.json_response({"error": "unsupported_grant_type",
                                  "error_description": "Grant Type is NULL"}, status=400)
    credentials = _client_credentials(request)
    if credentials is None or state.clients.get(credentials[0]) != credentials[1]:
        return web.json_response({"error": "invalid_client", "error_description": "Client Authentication failed"},
                                 status=401)
    return web.json_response({
        "scope": "https://uri.paypal.com/services/reporting/search/read",
        "access_token": state.issue_token(),
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": state.token_ttl,
        "nonce": f"{datetime.now().isoformat()}-{_debug_id()}",
    })


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


async def search(request: web.Request) -> web.Response:
    """``GET /v1/reporting/transactions``: the spec's ``search_response``, paged."""
    state = request.app[STATE]
    bearer = request.headers.get("Authorization", "")
    if not bearer.startswith("Bearer ") or not state.token_valid(bearer[7:]):
        return web.json_response({"error": "invalid_token",
                                  "error_description": "Access Token not found in cache"}, status=401)
    query = dict(request.query)
    state.searches.append(query)
    if state.faults:
        fault = state.faults.popleft()
        return fault_response(fault.status, fault.retry_after)
    issues: list[tuple[str, str, str]] = []
    for name in ("start_date", "end_date"):
        if not DATE_TIME.match(query.get(name, "")):
            issues.append((name, query.get(name, ""), "INVALID_PARAMETER_SYNTAX"))
    page_size, page = query.get("page_size", "100"), query.get("page", "1")
    if not page_size.isdigit() or not 1 <= int(page_size) <= 500:
        issues.append(("page_size", page_size, "INVALID_PARAMETER_VALUE"))
    if not page.isdigit() or int(page) < 1:
        issues.append(("page", page, "INVALID_PARAMETER_VALUE"))
    if issues:
        return invalid_request(issues)
    start, end = _parse(query["start_date"]), _parse(query["end_date"])
    if end < start or end - start > MAX_RANGE:
        return invalid_request([("end_date", query["end_date"], "Date range is greater than 31 days"
                                 if end >= start else "end_date is before start_date")])
    fields = {f.strip() for f in query.get("fields", "transaction_info").split(",")}
    selected = []
    for detail in state.transactions:
        info = detail["transaction_info"]
        if not start <= _parse(info["transaction_initiation_date"]) <= end:
            continue
        if query.get("balance_affecting_records_only", "Y") == "Y" and \
                str(info.get("transaction_event_code", "")).startswith("T13"):
            continue
        if "transaction_id" in query and info.get("transaction_id") != query["transaction_id"]:
            continue
        if "transaction_type" in query and info.get("transaction_event_code") != query["transaction_type"]:
            continue
        selected.append(detail if "all" in fields else {k: v for k, v in detail.items() if k in fields})
    selected.sort(key=lambda d: d["transaction_info"]["transaction_initiation_date"])
    size, number = int(page_size), int(page)
    total_pages = (len(selected) + size - 1) // size
    chunk = selected[(number - 1) * size: number * size]
    url = request.url
    links = [{"href": str(url), "rel": "self", "method": "GET"}]
    if number < total_pages:
        links.append({"href": str(url.update_query(page=str(number + 1))), "rel": "next", "method": "GET"})
    if total_pages:
        links.append({"href": str(url.update_query(page=str(total_pages))), "rel": "last", "method": "GET"})
    return web.json_response({
        "transaction_details": chunk,
        "account_number": state.account_number,
        "start_date": query["start_date"],
        "end_date": query["end_date"],
        "last_refreshed_datetime": iso(state.last_refreshed),
        "page": number,
        "total_items": len(selected),
        "total_pages": total_pages,
        "links": links,
    })


async def admin_seed(request: web.Request) -> web.Response:
    """``POST /__sandbox/transactions``: a list of ``transaction_details[]`` entries."""
    body = await request.json()
    if not isinstance(body, list) or not all(isinstance(d, dict) and "transaction_info" in d for d in body):
        return web.json_response({"error": "a JSON list of {transaction_info: …} objects"}, status=400)
    return web.json_response({"added": request.app[STATE].seed(body)}, status=201)


async def admin_clear(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.transactions.clear()
    state.searches.clear()
    state.faults.clear()
    return web.json_response({"cleared": True})


async def admin_faults(request: web.Request) -> web.Response:
    """``POST /__sandbox/faults`` ``{"statuses": [429, 500], "retry_after": 1}``."""
    body = await request.json()
    statuses = body.get("statuses") if isinstance(body, dict) else None
    if not isinstance(statuses, list) or not all(isinstance(s, int) for s in statuses):
        return web.json_response({"error": "statuses must be a list of HTTP status codes"}, status=400)
    request.app[STATE].inject(*statuses, retry_after=body.get("retry_after"))
    return web.json_response({"queued": len(request.app[STATE].faults)})


async def admin_expire(request: web.Request) -> web.Response:
    return web.json_response({"expired": request.app[STATE].expire_tokens()})


async def admin_requests(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response({"searches": state.searches, "token_requests": state.token_requests})


def create_app(state: SandboxState | None = None) -> web.Application:
    app = web.Application()
    app[STATE] = state or SandboxState()
    app.router.add_post("/v1/oauth2/token", token)
    app.router.add_get("/v1/reporting/transactions", search)
    app.router.add_post("/__sandbox/transactions", admin_seed)
    app.router.add_delete("/__sandbox/transactions", admin_clear)
    app.router.add_post("/__sandbox/faults", admin_faults)
    app.router.add_post("/__sandbox/tokens/expire", admin_expire)
    app.router.add_get("/__sandbox/requests", admin_requests)
    return app
