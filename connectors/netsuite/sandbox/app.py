"""The NetSuite sandbox: an aiohttp server speaking SuiteTalk REST closely enough for the connector.

Routes (``/services/rest/…``): record v1 CRUD, ``eid:`` upsert, sub-resources, ``!transform``, SuiteQL,
``system/v1/serverTime`` and ``governanceLimits``, async jobs (``Prefer: respond-async``) and the
OAuth 2.0 token endpoint. One middleware applies, in order: the concurrency pool (429
``CONCURRENCY_LIMIT_EXCEEDED``), latency, authentication (TBA signature or bearer), injected faults,
async handling, and "commit then drop the connection". Admin routes live under ``/__sandbox/``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from connectors.netsuite import codec
from connectors.netsuite.sandbox import warehouse
from connectors.netsuite.sandbox.auth import Authenticator, AuthFailure
from connectors.netsuite.sandbox.behaviour import Behaviour
from connectors.netsuite.sandbox.config import TIER_LIMITS, SandboxConfig
from connectors.netsuite.sandbox.push import Pusher
from connectors.netsuite.sandbox.seed import seed
from connectors.netsuite.sandbox.store import TRANSACTION_TYPES, Record, Store, StoreError
from connectors.netsuite.sandbox.suiteql import SuiteQLError, execute
from connectors.netsuite.sandbox.tables import Tables

log = logging.getLogger(__name__)

ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"
SINGULAR_TYPE = "application/vnd.oracle.resource+json; type=singular"
COLLECTION_TYPE = "application/vnd.oracle.resource+json; type=collection"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
TYPES = {
    400: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
    401: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    404: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5",
    429: "https://www.rfc-editor.org/rfc/rfc6585.html#section-4",
    500: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1",
}
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
REST = "/services/rest"
RECORD = f"{REST}/record/v1"
TOKEN_PATH = f"{REST}/auth/oauth2/v1/token"


def ns_error(
    status: int,
    code: str,
    detail: str,
    *,
    path: str | None = None,
    headers: dict[str, str] | None = None,
    top_code: str | None = None,
) -> web.Response:
    """A NetSuite error response (``type``, ``title``, ``status``, ``o:errorDetails``)."""
    item: dict[str, Any] = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    body: dict[str, Any] = {
        "type": TYPES.get(status, TYPES[400]),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [item],
    }
    if top_code:
        body["o:errorCode"] = top_code
    return web.Response(
        status=status,
        body=codec.dumps(body),
        content_type=None,
        headers={"Content-Type": ERROR_TYPE, **(headers or {})},
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    return value


def json_response(
    body: Any,
    status: int = 200,
    content_type: str = "application/json; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> web.Response:
    return web.Response(
        status=status,
        body=codec.dumps(_jsonable(body)),
        content_type=None,
        headers={"Content-Type": content_type, **(headers or {})},
    )


@dataclass
class Stats:
    requests: int = 0
    throttled: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    unauthorized: int = 0
    dropped: int = 0
    errors_injected: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    cpu_us_by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, cpu_seconds: float) -> None:
        """Count one request of ``kind`` (e.g. ``POST salesOrder``) and the CPU it cost the sandbox."""
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.cpu_us_by_kind[kind] = self.cpu_us_by_kind.get(kind, 0) + int(cpu_seconds * 1_000_000)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class Job:
    id: str
    status: int
    body: Any
    location: str | None
    started: datetime
    finished: datetime


class SandboxState:
    """Everything one sandbox instance holds."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.store = Store(self.now)
        self.behaviour = Behaviour(self.store)
        self.tables = Tables(self.store)
        self.auth = Authenticator(config)
        self.stats = Stats()
        self.jobs: dict[str, Job] = {}
        self.idempotency: dict[str, str] = {}
        if config.seed_data:
            seed(self.store, self.behaviour, seed_value=config.seed, styles=config.seed_styles)
        self.pusher = Pusher(config, self.rng)
        self.store.listeners.append(self.pusher.on_write)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.config.clock_offset_seconds)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def take(self, counter: str) -> bool:
        remaining = getattr(self.config, counter)
        if remaining > 0:
            setattr(self.config, counter, remaining - 1)
            return True
        return False


STATE_KEY = web.AppKey("netsuite_sandbox", SandboxState)
QUERY_TABLE = web.RequestKey("o2c_suiteql_table", str)  # the table a SuiteQL query reads (per-kind stats)
_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


def _state(request: web.Request) -> SandboxState:
    return request.app[STATE_KEY]


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


# -- middleware -------------------------------------------------------------------------------------


def _drop(request: web.Request) -> web.Response:
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)


@web.middleware
async def gate(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if not request.path.startswith(REST + "/") or request.path == TOKEN_PATH:
        return await handler(request)
    state = _state(request)
    cfg, stats = state.config, state.stats
    stats.requests += 1
    if stats.in_flight >= cfg.pool_size:
        stats.throttled += 1
        stats.by_status["429"] = stats.by_status.get("429", 0) + 1
        return ns_error(
            429,
            "CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrent request limit exceeded. Request blocked.",
            top_code="USER_ERROR",
        )
    stats.in_flight += 1
    stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
    try:
        response = await _guarded(request, handler, state)
        stats.by_status[str(response.status)] = stats.by_status.get(str(response.status), 0) + 1
        return response
    finally:
        stats.in_flight -= 1


async def _guarded(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], state: SandboxState
) -> web.StreamResponse:
    cfg = state.config
    delay = cfg.latency_ms + (state.rng.uniform(0, cfg.latency_jitter_ms) if cfg.latency_jitter_ms else 0.0)
    if delay > 0:
        await asyncio.sleep(delay / 1000)
    failure = _authenticate(request, state)
    if failure is not None:
        state.stats.unauthorized += 1
        return failure
    if state.take("fail_next") or state.roll(cfg.error_rate):
        state.stats.errors_injected += 1
        error_id = f"{state.rng.getrandbits(40):x}"
        return ns_error(500, "UNEXPECTED_ERROR", f"An unexpected error occurred. Error ID: {error_id}")
    if state.take("timeout_next") or state.roll(cfg.timeout_rate):
        state.stats.dropped += 1
        await asyncio.sleep(cfg.timeout_seconds)
        return _drop(request)
    is_write = request.method in WRITE_METHODS and request.path.startswith(RECORD)
    if "respond-async" in request.headers.get("Prefer", "") and request.path.startswith(RECORD):
        return await _run_async(request, handler, state)
    started = time.thread_time()
    response = await handler(request)
    state.stats.count(_kind(request), time.thread_time() - started)
    if (
        is_write
        and response.status < 300
        and (state.take("drop_after_commit_next") or state.roll(cfg.drop_after_commit_rate))
    ):
        state.stats.dropped += 1
        return _drop(request)
    return response


def _kind(request: web.Request) -> str:
    """``METHOD recordType`` for the record API, ``POST suiteql table`` for queries."""
    parts = request.path[len(REST):].strip("/").split("/")
    name = parts[2] if len(parts) > 2 and parts[0] == "record" else parts[-1]
    table = request.get(QUERY_TABLE)
    return f"{request.method} {name}" + (f" {table}" if table else "")


def _from_table(query: str) -> str:
    match = _FROM.search(query)
    return match.group(1).lower() if match else "?"


def _authenticate(request: web.Request, state: SandboxState) -> web.Response | None:
    if not state.config.require_auth:
        return None
    header = request.headers.get("Authorization", "")
    try:
        if header.startswith("OAuth "):
            state.auth.verify_tba(request.method, _base(request) + request.raw_path, header)
            return None
        if header.startswith("Bearer "):
            state.auth.verify_bearer(header[7:].strip())
            return None
        raise AuthFailure("missing")
    except AuthFailure as failure:
        log.info("sandbox login failure: %s", failure.reason)
        headers = {}
        if header.startswith("Bearer "):
            realm = state.config.account_id.upper()
            headers["WWW-Authenticate"] = (
                f'Bearer realm="{realm}", error="invalid_token", error_description="Invalid login attempt."'
            )
        return ns_error(
            401,
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit "
            "Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login "
            "Audit Trail.",
            headers=headers,
        )


async def _run_async(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], state: SandboxState
) -> web.StreamResponse:
    key = request.headers.get("X-NetSuite-Idempotency-Key")
    base = _base(request)
    if key and key in state.idempotency:
        location = f"{base}{REST}/async/v1/job/{state.idempotency[key]}"
        return ns_error(
            400,
            "IDEMPOTENCY_ERROR",
            "A request with the same idempotency key is already submitted.",
            headers={"Location": location},
        )
    started = state.now()
    response = await handler(request)
    assert isinstance(response, web.Response)
    job_id = str(len(state.jobs) + 1)
    body = codec.loads(response.body) if isinstance(response.body, bytes) and response.body else None
    state.jobs[job_id] = Job(job_id, response.status, body, response.headers.get("Location"), started, state.now())
    if key:
        state.idempotency[key] = job_id
    return web.Response(
        status=202,
        headers={"Location": f"{base}{REST}/async/v1/job/{job_id}", "Preference-Applied": "respond-async"},
    )


# -- record API ---------------------------------------------------------------------------------


def _record_type(request: web.Request) -> str:
    return _state(request).store.canonical(request.match_info["type"])


def render_record(request: web.Request, record_type: str, record: Record) -> dict[str, Any]:
    expand = request.query.get("expandSubResources", "").lower() == "true"
    fields = {f.strip() for f in request.query.get("fields", "").split(",") if f.strip()}
    href = f"{_base(request)}{RECORD}/{record_type}/{record['id']}"
    out: dict[str, Any] = {"links": [{"rel": "self", "href": href}]}
    for key, value in record.items():
        if fields and key not in fields and key != "id":
            continue
        if isinstance(value, dict) and "items" in value:
            if expand:
                items = value["items"]
                out[key] = {
                    "links": [{"rel": "self", "href": f"{href}/{key}"}],
                    "items": items,
                    "totalResults": len(items),
                    "count": len(items),
                    "hasMore": False,
                    "offset": 0,
                }
            else:
                out[key] = {"links": [{"rel": "self", "href": f"{href}/{key}"}]}
        else:
            out[key] = value
    return out


def _error(exc: StoreError) -> web.Response:
    return ns_error(exc.status, exc.code, exc.detail, path=exc.path)


async def _body(request: web.Request) -> Record:
    raw = await request.read()
    try:
        body = codec.loads(raw) if raw else {}
    except ValueError as exc:
        raise StoreError(400, "INVALID_REQUEST", f"Invalid JSON in request body: {exc}") from exc
    if not isinstance(body, dict):
        raise StoreError(400, "INVALID_REQUEST", "The request body must be a JSON object.")
    return body


async def _validated_body(request: web.Request, record_type: str) -> Record:
    state = _state(request)
    body = await _body(request)
    mode = request.headers.get("X-NetSuite-PropertyNameValidation", "warning").lower()
    if mode == "error":
        state.store.check_field_names(record_type, body)
    elif mode in ("warning", "ignore"):
        body = state.store.drop_unknown_fields(record_type, body)
    return body


def _replace(request: web.Request) -> list[str]:
    return [x for x in request.query.get("replace", "").split(",") if x]


def _location(request: web.Request, record_type: str, record_id: str) -> dict[str, str]:
    return {"Location": f"{_base(request)}{RECORD}/{record_type}/{record_id}"}


def _maybe_record_changed(state: SandboxState) -> None:
    if state.take("record_changed_next") or state.roll(state.config.record_changed_rate):
        raise StoreError(400, "RCRD_HAS_BEEN_CHANGED", "Error while accessing a resource. Record has been changed.")
    if state.take("workflow_lock_next") or state.roll(state.config.workflow_lock_rate):
        raise StoreError(
            400,
            "USER_ERROR",
            "Error while accessing a resource. This record has been locked by a user defined workflow.",
        )


async def get_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        record = state.store.get(record_type, request.match_info["id"])
    except StoreError as exc:
        return _error(exc)
    return json_response(render_record(request, record_type, record), content_type=SINGULAR_TYPE)


async def get_sublist(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        record = state.store.get(record_type, request.match_info["id"])
    except StoreError as exc:
        return _error(exc)
    name = request.match_info["sub"]
    value = record.get(name)
    if not isinstance(value, dict) or "items" not in value:
        return ns_error(404, "NONEXISTENT_ID", f"Sub-resource {name} does not exist.")
    items = value["items"]
    return json_response(
        {
            "links": [],
            "items": items,
            "count": len(items),
            "hasMore": False,
            "offset": 0,
            "totalResults": len(items),
        },
        content_type=COLLECTION_TYPE,
    )


async def list_records(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        limit, offset = _paging(request)
    except StoreError as exc:
        return _error(exc)
    records = state.store.all(record_type)
    query = request.query.get("q")
    if query:
        records = [r for r in records if _matches_q(r, query)]
    page = records[offset : offset + limit]
    base = f"{_base(request)}{RECORD}/{record_type}"
    items = [{"links": [{"rel": "self", "href": f"{base}/{r['id']}"}], "id": r["id"]} for r in page]
    return json_response(
        {
            "links": [{"rel": "self", "href": str(request.url)}],
            "count": len(items),
            "hasMore": offset + limit < len(records),
            "offset": offset,
            "totalResults": len(records),
            "items": items,
        },
        content_type=COLLECTION_TYPE,
    )


def _matches_q(record: Record, query: str) -> bool:
    """Tiny ``q`` subset: ``field IS value`` / ``field START_WITH value`` joined by AND."""
    for clause in query.split(" AND "):
        parts = clause.strip().split(None, 2)
        if len(parts) != 3:
            return False
        name, op, value = parts[0], parts[1].upper(), parts[2].strip().strip('"')
        actual = record.get(name)
        if isinstance(actual, dict):
            actual = actual.get("id")
        text = "" if actual is None else str(actual)
        if op == "IS" and text.lower() != value.lower():
            return False
        if op == "START_WITH" and not text.lower().startswith(value.lower()):
            return False
    return True


def _paging(request: web.Request) -> tuple[int, int]:
    try:
        limit = int(request.query.get("limit", "1000"))
        offset = int(request.query.get("offset", "0"))
    except ValueError as exc:
        raise StoreError(400, "INVALID_PARAMETER", "Invalid value for limit or offset.") from exc
    if not 1 <= limit <= 1000:
        raise StoreError(400, "INVALID_PARAMETER", "Invalid value for parameter limit: must be 1-1000.")
    if offset < 0 or offset % limit:
        raise StoreError(400, "INVALID_PARAMETER", "The offset must be a multiple of the limit.")
    return limit, offset


async def create_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        body = await _validated_body(request, record_type)
        record = state.store.create(record_type, body, replace=_replace(request), defaults=state.behaviour.prepare)
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, record_type, record["id"]))


async def patch_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        record_id = state.store.resolve_id(record_type, request.match_info["id"])
        body = await _validated_body(request, record_type)
        _maybe_record_changed(state)
        state.store.update(record_type, record_id, body, replace=_replace(request), after=state.behaviour.prepare)
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, record_type, record_id))


async def put_record(request: web.Request) -> web.Response:
    """Upsert: only ``PUT …/eid:<externalId>``."""
    state = _state(request)
    ref = request.match_info["id"]
    try:
        record_type = _record_type(request)
        if not ref.lower().startswith("eid:"):
            raise StoreError(400, "INVALID_REQUEST", "PUT is only supported with an external ID (eid:).")
        external_id = ref[4:]
        body = await _validated_body(request, record_type)
        existing = state.store.find_eid(record_type, external_id)
        if existing is not None:
            _maybe_record_changed(state)
            body.pop("externalId", None)
            record = state.store.update(
                record_type, existing["id"], body, replace=_replace(request), after=state.behaviour.prepare
            )
        else:
            body["externalId"] = external_id
            record = state.store.create(record_type, body, defaults=state.behaviour.prepare)
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, record_type, record["id"]))


async def delete_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        record_id = state.store.resolve_id(record_type, request.match_info["id"])
        state.store.delete(record_type, record_id)
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204)


async def transform_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        source_type = _record_type(request)
        target_type = state.store.canonical(request.match_info["target"])
        source_id = state.store.resolve_id(source_type, request.match_info["id"])
        body = await _validated_body(request, target_type)
        merged = state.behaviour.transform(source_type, source_id, target_type, body)
        created = state.store.create(target_type, merged, defaults=state.behaviour.prepare)
        state.behaviour.after_transform(source_type, source_id, target_type, created)
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, target_type, created["id"]))


# -- SuiteQL and system -------------------------------------------------------------------------------


async def suiteql(request: web.Request) -> web.Response:
    state = _state(request)
    if "transient" not in request.headers.get("Prefer", ""):
        return ns_error(400, "INVALID_HEADER", "The Prefer header must be set to transient for SuiteQL queries.")
    try:
        limit, offset = _paging(request)
        body = await _body(request)
    except StoreError as exc:
        return _error(exc)
    query = body.get("q")
    if not isinstance(query, str):
        return ns_error(400, "INVALID_PARAMETER", "Missing query parameter q.")
    request[QUERY_TABLE] = _from_table(query)
    try:
        rows = execute(query, list(body.get("params") or []), state.tables, state.now())
    except SuiteQLError as exc:
        return ns_error(400, "INVALID_PARAMETER", str(exc))
    page = rows[offset : offset + limit]
    url = f"{_base(request)}{REST}/query/v1/suiteql"
    links = [{"rel": "self", "href": f"{url}?limit={limit}&offset={offset}"}]
    if offset + limit < len(rows):
        links.append({"rel": "next", "href": f"{url}?limit={limit}&offset={offset + limit}"})
    return json_response(
        {
            "links": links,
            "count": len(page),
            "hasMore": offset + limit < len(rows),
            "offset": offset,
            "totalResults": len(rows),
            "items": [{"links": [], **row} for row in page],
        },
        content_type=COLLECTION_TYPE,
    )


async def server_time(request: web.Request) -> web.Response:
    now = _state(request).now()
    return json_response({"serverTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"})


async def governance_limits(request: web.Request) -> web.Response:
    cfg = _state(request).config
    body: dict[str, Any] = {
        "accountConcurrencyLimit": cfg.pool_size,
        "accountUnallocatedConcurrencyLimit": cfg.pool_size - (cfg.integration_limit or 0),
    }
    if cfg.integration_limit:
        body.update(integrationConcurrencyLimit=cfg.integration_limit, integrationLimitType="integrationSpecific")
    else:
        body["integrationLimitType"] = "accountLimit"
    return json_response(body)


async def token(request: web.Request) -> web.Response:
    state = _state(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        issued = state.auth.issue_token(form, _base(request) + TOKEN_PATH)
    except AuthFailure as failure:
        return json_response({"error": failure.reason}, status=400)
    return json_response(issued)


# -- async jobs ---------------------------------------------------------------------------------------


def _job(request: web.Request) -> Job | None:
    return _state(request).jobs.get(request.match_info["job"])


async def get_job(request: web.Request) -> web.Response:
    job = _job(request)
    if job is None:
        return ns_error(404, "NONEXISTENT_ID", "The async job does not exist.")
    href = f"{_base(request)}{REST}/async/v1/job/{job.id}"
    return json_response(
        {
            "id": job.id,
            "completed": True,
            "progress": "succeeded" if job.status < 400 else "failed",
            "task": {"links": [{"rel": "related", "href": f"{href}/task"}]},
            "links": [{"rel": "self", "href": href}],
        }
    )


async def get_tasks(request: web.Request) -> web.Response:
    job = _job(request)
    if job is None:
        return ns_error(404, "NONEXISTENT_ID", "The async job does not exist.")
    href = f"{_base(request)}{REST}/async/v1/job/{job.id}/task/1"
    return json_response(
        {
            "items": [{"links": [{"rel": "self", "href": href}], "id": "1"}],
            "count": 1,
            "hasMore": False,
            "offset": 0,
            "totalResults": 1,
        }
    )


async def get_task(request: web.Request) -> web.Response:
    job = _job(request)
    if job is None or request.match_info["task"] != "1":
        return ns_error(404, "NONEXISTENT_ID", "The async task does not exist.")
    href = f"{_base(request)}{REST}/async/v1/job/{job.id}/task/1"
    return json_response(
        {
            "id": "1",
            "completed": True,
            "progress": "succeeded" if job.status < 400 else "failed",
            "startTime": job.started,
            "endTime": job.finished,
            "links": [{"rel": "self", "href": href}, {"rel": "related", "href": f"{href}/result"}],
        }
    )


async def get_task_result(request: web.Request) -> web.Response:
    job = _job(request)
    if job is None:
        return ns_error(404, "NONEXISTENT_ID", "The async task does not exist.")
    if job.body is not None:
        return json_response(job.body, status=200 if job.status < 400 else job.status)
    headers = {"Location": job.location} if job.location else {}
    return web.Response(status=204, headers=headers)


# -- admin --------------------------------------------------------------------------------------------


async def admin_records(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
    except StoreError as exc:
        return _error(exc)
    return json_response(state.store.all(record_type))


async def admin_insert(request: web.Request) -> web.Response:
    """Insert a record directly (as a NetSuite user would), bypassing auth, governance and faults."""
    state = _state(request)
    try:
        record_type = _record_type(request)
        body = await _body(request)
        record = state.store.create(record_type, body, defaults=state.behaviour.prepare)
    except StoreError as exc:
        return _error(exc)
    return json_response(record, status=201)


async def admin_patch(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        record_id = state.store.resolve_id(record_type, request.match_info["id"])
        body = await _body(request)
        record = state.store.update(
            record_type, record_id, body, replace=_replace(request), after=state.behaviour.prepare
        )
    except StoreError as exc:
        return _error(exc)
    return json_response(record)


async def admin_stock(request: web.Request) -> web.Response:
    """``{"sku" | "item": …, "location": "1", "quantity": 5}``: set on hand at a location (see also warehouse)."""
    state = _state(request)
    try:
        body = await _body(request)
        item_id = warehouse.item_id(state.store, body)
        state.behaviour.set_stock(item_id, str(body["location"]), Decimal(str(body["quantity"])))
    except (StoreError, KeyError) as exc:
        return _error(exc) if isinstance(exc, StoreError) else ns_error(400, "INVALID_REQUEST", f"missing {exc}")
    return json_response({"item": item_id, "location": str(body["location"])})


async def admin_stats(request: web.Request) -> web.Response:
    return json_response(_state(request).stats.as_dict())


async def admin_get_config(request: web.Request) -> web.Response:
    return json_response(_state(request).config.as_dict())


async def admin_set_config(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        state.config.update(await _body(request))
    except (KeyError, StoreError) as exc:
        return ns_error(400, "INVALID_REQUEST", f"unknown sandbox setting {exc}")
    return json_response(state.config.as_dict())


async def admin_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY] = SandboxState(request.app[STATE_KEY].config)
    return json_response({"reset": True})


# -- wiring -------------------------------------------------------------------------------------------


def create_app(config: SandboxConfig | None = None) -> web.Application:
    """The sandbox as an aiohttp application."""
    app = web.Application(middlewares=[gate], client_max_size=104 * 1024 * 1024)
    app[STATE_KEY] = SandboxState(config or SandboxConfig())
    r = app.router
    r.add_post(TOKEN_PATH, token)
    r.add_get(f"{REST}/system/v1/serverTime", server_time)
    r.add_get(f"{REST}/system/v1/governanceLimits", governance_limits)
    r.add_post(f"{REST}/query/v1/suiteql", suiteql)
    r.add_get(f"{REST}/async/v1/job/{{job}}", get_job)
    r.add_get(f"{REST}/async/v1/job/{{job}}/task", get_tasks)
    r.add_get(f"{REST}/async/v1/job/{{job}}/task/{{task}}", get_task)
    r.add_get(f"{REST}/async/v1/job/{{job}}/task/{{task}}/result", get_task_result)
    r.add_get(f"{RECORD}/{{type}}", list_records)
    r.add_post(f"{RECORD}/{{type}}", create_record)
    r.add_get(f"{RECORD}/{{type}}/{{id}}", get_record)
    r.add_patch(f"{RECORD}/{{type}}/{{id}}", patch_record)
    r.add_put(f"{RECORD}/{{type}}/{{id}}", put_record)
    r.add_delete(f"{RECORD}/{{type}}/{{id}}", delete_record)
    r.add_get(f"{RECORD}/{{type}}/{{id}}/{{sub}}", get_sublist)
    r.add_post(f"{RECORD}/{{type}}/{{id}}/!transform/{{target}}", transform_record)
    r.add_get("/__sandbox/records/{type}", admin_records)
    r.add_post("/__sandbox/records/{type}", admin_insert)
    r.add_patch("/__sandbox/records/{type}/{id}", admin_patch)
    r.add_post("/__sandbox/stock", admin_stock)
    r.add_get("/__sandbox/stats", admin_stats)
    r.add_get("/__sandbox/config", admin_get_config)
    r.add_post("/__sandbox/config", admin_set_config)
    r.add_post("/__sandbox/reset", admin_reset)
    warehouse.add_routes(app, lambda request: _state(request))
    app.on_cleanup.append(_close_pusher)
    return app


async def _close_pusher(app: web.Application) -> None:
    await app[STATE_KEY].pusher.aclose()


def sandbox_state(app: web.Application) -> SandboxState:
    return app[STATE_KEY]


@dataclass
class SandboxHandle:
    """A running sandbox: ``url``, ``app`` (for direct state access in tests) and ``stop()``."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def state(self) -> SandboxState:
        return self.app[STATE_KEY]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(host: str = "127.0.0.1", port: int = 0, config: SandboxConfig | None = None) -> SandboxHandle:
    """Start the sandbox on ``host:port`` (``0`` = a free port) and return its handle."""
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return SandboxHandle(url=f"http://{host}:{bound}", app=app, runner=runner)


async def _serve(host: str, port: int, config: SandboxConfig) -> None:
    handle = await start_sandbox(host, port, config)
    print(f"NetSuite sandbox listening on {handle.url} (account {config.account_id})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await handle.stop()


def run(host: str = "127.0.0.1", port: int = 8702, config: SandboxConfig | None = None) -> None:
    """Run the sandbox until interrupted."""
    try:
        asyncio.run(_serve(host, port, config or SandboxConfig()))
    except KeyboardInterrupt:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="o2c sandbox netsuite", description="Local NetSuite REST sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--concurrency-limit", type=int, default=15)
    parser.add_argument("--tier", default="", choices=["", *TIER_LIMITS],
                        help="size the pool from the service tier (5/5/15/20/20) instead of --concurrency-limit")
    parser.add_argument("--suitecloud-plus", type=int, default=0, help="SuiteCloud Plus licences (+10 each)")
    parser.add_argument("--push-url", default="", help="POST signed change notices here (user-event script)")
    parser.add_argument("--push-secret", default="", help="shared secret of the push notices")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--styles", type=int, default=4, help="matrix styles to seed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-auth", action="store_true", help="accept unauthenticated requests")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        concurrency_limit=args.concurrency_limit,
        service_tier=args.tier,
        suitecloud_plus=args.suitecloud_plus,
        push_url=args.push_url,
        push_secret=args.push_secret,
        latency_ms=args.latency_ms,
        seed_styles=args.styles,
        seed=args.seed,
        require_auth=not args.no_auth,
    )
    logging.basicConfig(level=logging.INFO)
    run(args.host, args.port, config)
    return 0


__all__ = [
    "TRANSACTION_TYPES",
    "SandboxConfig",
    "SandboxHandle",
    "create_app",
    "main",
    "run",
    "start_sandbox",
]
