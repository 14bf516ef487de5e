"""The NetSuite sandbox: an aiohttp server speaking SuiteTalk REST closely enough for the connector.

Routes (``/services/rest/…``): record v1 CRUD, ``eid:`` upsert, sub-resources, ``!transform``, SuiteQL,
``system/v1/serverTime`` and ``governanceLimits``, async jobs (``Prefer: respond-async``), batch
operations (POST/PATCH/PUT of up to 100 records on ``record/v1/{type}`` with ``type=collection``) and
the OAuth 2.0 token endpoint. One middleware applies, in order: the concurrency pool (429
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
from functools import partial
from typing import Any

import orjson
from aiohttp import web

from connectors.netsuite import codec
from connectors.netsuite.sandbox import cash, demo_warehouse, fulfilments, pricing, returns, sales_orders, warehouse
from connectors.netsuite.sandbox.auth import Authenticator, AuthFailure
from connectors.netsuite.sandbox.behaviour import Behaviour
from connectors.netsuite.sandbox.config import TIER_LIMITS, SandboxConfig
from connectors.netsuite.sandbox.jobs import AsyncProcessors, Job, Task
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
#: Records NetSuite makes only by a transform (record type -> the source record type).
ONLY_BY_TRANSFORM = {"depositApplication": "customerDeposit"}
BATCH_METHODS = {"POST", "PATCH", "PUT"}
MAX_BATCH = 100  # records per batch operation
REST = "/services/rest"
RECORD = f"{REST}/record/v1"
ASYNC = f"{REST}/async/v1"
TOKEN_PATH = f"{REST}/auth/oauth2/v1/token"


def error_body(
    status: int, code: str, detail: str, *, path: str | None = None, top_code: str | None = None
) -> dict[str, Any]:
    """A NetSuite error body (``type``, ``title``, ``status``, ``o:errorDetails``)."""
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
    return body


def ns_error(
    status: int,
    code: str,
    detail: str,
    *,
    path: str | None = None,
    headers: dict[str, str] | None = None,
    top_code: str | None = None,
) -> web.Response:
    """A NetSuite error response (:func:`error_body`, content type ``type=error``)."""
    return web.Response(
        status=status,
        body=codec.dumps(error_body(status, code, detail, path=path, top_code=top_code)),
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
    busy_us: int = 0  # wall time requests spent inside the sandbox (admitted ones), for slot-time comparisons
    unauthorized: int = 0
    dropped: int = 0
    errors_injected: int = 0
    batch_records: int = 0  # records of batch operations processed (in the background, not requests)
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    cpu_us_by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, cpu_seconds: float) -> None:
        """Count one request of ``kind`` (e.g. ``POST salesOrder``) and the CPU it cost the sandbox."""
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.cpu_us_by_kind[kind] = self.cpu_us_by_kind.get(kind, 0) + int(cpu_seconds * 1_000_000)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class QueryResults:
    """The rows of recent SuiteQL queries with more than one page, by (query, params): the next pages of a
    query are served from the result its first page computed (``offset`` 0 always runs the query), so
    paging through 50,000 rows runs the query once instead of once per page. Pages then show the data as
    of the first page, as a database cursor would; NetSuite promises no more than that."""

    def __init__(self, size: int = 16, ttl: float = 120.0) -> None:
        self.size, self.ttl = size, ttl
        self._results: dict[tuple[str, tuple[str, ...]], tuple[float, list[dict[str, str]]]] = {}

    def get(self, key: tuple[str, tuple[str, ...]]) -> list[dict[str, str]] | None:
        hit = self._results.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: tuple[str, tuple[str, ...]], rows: list[dict[str, str]]) -> None:
        self._results.pop(key, None)
        self._results[key] = (time.monotonic(), rows)
        while len(self._results) > self.size:
            self._results.pop(next(iter(self._results)))


class SandboxState:
    """Everything one sandbox instance holds."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.store = Store(self.now)
        self.behaviour = Behaviour(self.store)
        self.behaviour.rules = sales_orders.Rules(self.store, config)
        self.behaviour.tax_engine = lambda: config.tax_engine
        self.tables = Tables(self.store)
        self.auth = Authenticator(config)
        self.stats = Stats()
        self.jobs: dict[str, Job] = {}
        self.idempotency: dict[str, str] = {}
        self.processors = AsyncProcessors(lambda: self.config.async_processors)
        self.query_results = QueryResults()
        self._background: set[asyncio.Task[None]] = set()
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

    def latency(self) -> float:
        """Seconds one request (or one async record) takes: ``latency_ms`` plus jitter."""
        cfg = self.config
        delay = cfg.latency_ms + (self.rng.uniform(0, cfg.latency_jitter_ms) if cfg.latency_jitter_ms else 0.0)
        return max(delay, 0.0) / 1000

    def add_job(self, tasks: list[Task], idempotency_key: str | None) -> Job:
        job = Job(str(len(self.jobs) + 1), self.now(), tasks)
        self.jobs[job.id] = job
        if idempotency_key:
            self.idempotency[idempotency_key] = job.id
        return job

    def process(self, task: Task, write: Callable[[], str], location: Callable[[str], str]) -> None:
        """Run ``write`` (returns the record id) for ``task`` in the background, on an async processor."""
        background = asyncio.get_running_loop().create_task(self._process(task, write, location))
        self._background.add(background)
        background.add_done_callback(self._background.discard)

    async def _process(self, task: Task, write: Callable[[], str], location: Callable[[str], str]) -> None:
        async with self.processors.slot():
            task.started = self.now()
            delay = self.latency()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                record_id = write()
            except StoreError as exc:
                task.finish(exc.status, self.now(), body=error_body(exc.status, exc.code, exc.detail, path=exc.path))
            except Exception as exc:  # a task must never stay pending: report it as NetSuite would
                log.exception("sandbox async task failed")
                detail = f"An unexpected error occurred. Error ID: {type(exc).__name__}"
                task.finish(500, self.now(), body=error_body(500, "UNEXPECTED_ERROR", detail))
            else:
                task.finish(204, self.now(), location=location(record_id))
            self.stats.batch_records += 1

    @property
    def processing(self) -> int:
        """Records of async jobs being processed or waiting for a processor."""
        return len(self._background)

    async def stop_jobs(self) -> None:
        """Cancel the background processing of async jobs and wait for it to end."""
        pending = list(self._background)
        for background in pending:
            background.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def aclose(self) -> None:
        await self.stop_jobs()
        await self.pusher.aclose()


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
    started = time.perf_counter()
    try:
        response = await _guarded(request, handler, state)
        stats.by_status[str(response.status)] = stats.by_status.get(str(response.status), 0) + 1
        return response
    finally:
        stats.in_flight -= 1
        stats.busy_us += int((time.perf_counter() - started) * 1_000_000)


async def _guarded(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], state: SandboxState
) -> web.StreamResponse:
    cfg = state.config
    delay = state.latency()
    if delay > 0:
        await asyncio.sleep(delay)
    failure = _authenticate(request, state)
    if failure is not None:
        state.stats.unauthorized += 1
        return failure
    if cfg.unavailable:
        state.stats.errors_injected += 1
        return ns_error(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please try again later.")
    if state.take("fail_next") or state.roll(cfg.error_rate):
        state.stats.errors_injected += 1
        error_id = f"{state.rng.getrandbits(40):x}"
        return ns_error(500, "UNEXPECTED_ERROR", f"An unexpected error occurred. Error ID: {error_id}")
    if state.take("timeout_next") or state.roll(cfg.timeout_rate):
        state.stats.dropped += 1
        await asyncio.sleep(cfg.timeout_seconds)
        return _drop(request)
    is_write = request.method in WRITE_METHODS and request.path.startswith(RECORD)
    if _wants_async(request) and request.path.startswith(RECORD) and not _is_batch(request):
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
    """``METHOD recordType`` for the record API (``PUT customer batch`` for a batch), ``POST suiteql table``,
    ``GET async job task`` for async jobs (ids left out, so all jobs count as one kind)."""
    parts = request.path[len(REST):].strip("/").split("/")
    if parts[0] == "async":
        name = " ".join(["async", *(part for part in parts[2:] if not part.isdigit())])
    else:
        name = parts[2] if len(parts) > 2 and parts[0] == "record" else parts[-1]
    table = request.get(QUERY_TABLE)
    if table:
        return f"{request.method} {name} {table}"
    return f"{request.method} {name}" + (" batch" if _is_batch(request) else "")


def _wants_async(request: web.Request) -> bool:
    return "respond-async" in request.headers.get("Prefer", "")


def _is_collection_body(request: web.Request) -> bool:
    """``Content-Type: …; type=collection``: the body is ``{"items": [...]}`` (a batch operation)."""
    params = request.headers.get("Content-Type", "").split(";")[1:]
    return any(p.replace(" ", "").lower() in ("type=collection", 'type="collection"') for p in params)


def _is_batch(request: web.Request) -> bool:
    """A batch operation: PATCH/PUT on ``record/v1/{type}`` (only batches go there), or POST with a collection."""
    if request.method not in BATCH_METHODS or not request.path.startswith(RECORD + "/"):
        return False
    if "/" in request.path[len(RECORD) + 1 :].strip("/"):
        return False
    return request.method != "POST" or _is_collection_body(request)


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


def _job_url(request: web.Request, job_id: str) -> str:
    return f"{_base(request)}{ASYNC}/job/{job_id}"


def _idempotency_key(request: web.Request) -> str | None:
    return request.headers.get("X-NetSuite-Idempotency-Key") or None


def _idempotency_conflict(request: web.Request, state: SandboxState) -> web.Response | None:
    """400 ``IDEMPOTENCY_ERROR`` with the original job's ``Location`` if the request's key was used."""
    key = _idempotency_key(request)
    if key is None or key not in state.idempotency:
        return None
    return ns_error(
        400,
        "IDEMPOTENCY_ERROR",
        "A request with the same idempotency key is already submitted.",
        headers={"Location": _job_url(request, state.idempotency[key])},
    )


def _accepted(request: web.Request, job: Job) -> web.Response:
    return web.Response(
        status=202, headers={"Location": _job_url(request, job.id), "Preference-Applied": "respond-async"}
    )


async def _run_async(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], state: SandboxState
) -> web.StreamResponse:
    """A single record request with ``Prefer: respond-async``: run at once, as a job of one task."""
    conflict = _idempotency_conflict(request, state)
    if conflict is not None:
        return conflict
    task = Task("1", started=state.now())
    response = await handler(request)
    assert isinstance(response, web.Response)
    body = codec.loads(response.body) if isinstance(response.body, bytes) and response.body else None
    task.finish(response.status, state.now(), body=body, location=response.headers.get("Location"))
    return _accepted(request, state.add_job([task], _idempotency_key(request)))


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


def _replace(request: web.Request) -> list[str]:
    return [x for x in request.query.get("replace", "").split(",") if x]


@dataclass(frozen=True)
class WriteOptions:
    """What a record write takes from its request: ``X-NetSuite-PropertyNameValidation`` and ``?replace=``."""

    name_validation: str = "warning"
    replace: tuple[str, ...] = ()

    @classmethod
    def of(cls, request: web.Request) -> WriteOptions:
        mode = request.headers.get("X-NetSuite-PropertyNameValidation", "warning").lower()
        return cls(name_validation=mode, replace=tuple(_replace(request)))


def _checked_fields(state: SandboxState, record_type: str, body: Record, mode: str) -> Record:
    """Unknown field names fail (``error``) or are dropped (``warning``, ``ignore``; the default)."""
    if mode == "error":
        state.store.check_field_names(record_type, body)
    elif mode in ("warning", "ignore"):
        body = state.store.drop_unknown_fields(record_type, body)
    return body


async def _validated_body(request: web.Request, record_type: str) -> Record:
    mode = WriteOptions.of(request).name_validation
    return _checked_fields(_state(request), record_type, await _body(request), mode)


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


# -- record writes: one record, the same for a single request and for each record of a batch -----------
#
# Each returns the record's internal id or raises StoreError (the task's / response's error).


def _transform_only(record_type: str) -> None:
    if record_type in ONLY_BY_TRANSFORM:
        raise StoreError(400, "USER_ERROR", f"Error while accessing a resource. You can create a {record_type} only "
                         f"by a transform: POST {ONLY_BY_TRANSFORM[record_type]}/{{id}}/!transform/{record_type}.")


def create_one(state: SandboxState, record_type: str, body: Record, options: WriteOptions) -> str:
    """Create (``POST``)."""
    _transform_only(record_type)
    body = _checked_fields(state, record_type, body, options.name_validation)
    record = state.store.create(record_type, body, replace=options.replace, defaults=state.behaviour.prepare)
    return str(record["id"])


def patch_one(state: SandboxState, record_type: str, ref: str, body: Record, options: WriteOptions) -> str:
    """Update (``PATCH``) the record ``ref``: an internal id or ``eid:<externalId>``."""
    record_id = state.store.resolve_id(record_type, ref)
    body = _checked_fields(state, record_type, body, options.name_validation)
    _maybe_record_changed(state)
    if record_type == "salesOrder":  # line edits: quantities checked, amounts and tax computed again
        body = returns.patch_order_lines(state.store.records[record_type][record_id], body)
    state.store.update(record_type, record_id, body, replace=options.replace, after=state.behaviour.prepare)
    return record_id


def upsert_one(state: SandboxState, record_type: str, external_id: str, body: Record, options: WriteOptions) -> str:
    """Upsert (``PUT … eid:``): update the record with this ``externalId``, or create it."""
    body = _checked_fields(state, record_type, body, options.name_validation)
    existing = state.store.find_eid(record_type, external_id)
    if existing is not None:
        _maybe_record_changed(state)
        body.pop("externalId", None)
        if record_type == "salesOrder":
            body = returns.patch_order_lines(existing, body)
        record = state.store.update(
            record_type, existing["id"], body, replace=options.replace, after=state.behaviour.prepare
        )
    else:
        _transform_only(record_type)
        body["externalId"] = external_id
        record = state.store.create(record_type, body, replace=options.replace, defaults=state.behaviour.prepare)
    return str(record["id"])


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
    if _is_collection_body(request):
        return await submit_batch(request)
    state = _state(request)
    try:
        record_type = _record_type(request)
        record_id = create_one(state, record_type, await _body(request), WriteOptions.of(request))
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, record_type, record_id))


async def patch_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        ref = request.match_info["id"]
        record_id = patch_one(state, record_type, ref, await _body(request), WriteOptions.of(request))
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
        record_id = upsert_one(state, record_type, ref[4:], await _body(request), WriteOptions.of(request))
    except StoreError as exc:
        return _error(exc)
    return web.Response(status=204, headers=_location(request, record_type, record_id))


# -- batch operations ---------------------------------------------------------------------------------


async def submit_batch(request: web.Request) -> web.Response:
    """POST (create), PATCH (update) or PUT (upsert) ``{"items": [...]}``: up to 100 records of one type.

    Always asynchronous: 202 with the job's ``Location`` at once, then each record is written in the
    background as its own task (:meth:`SandboxState.process`), with the single-record write's logic.
    """
    state = _state(request)
    if not _is_collection_body(request):
        return ns_error(
            400,
            "INVALID_REQUEST",
            f"{request.method} on a record type is a batch operation: send Content-Type: {COLLECTION_TYPE} "
            "and Prefer: respond-async.",
        )
    if not _wants_async(request):
        return ns_error(
            400, "INVALID_REQUEST", "Batch operations are asynchronous only: send the header Prefer: respond-async."
        )
    conflict = _idempotency_conflict(request, state)
    if conflict is not None:
        return conflict
    try:
        record_type = _record_type(request)
        writes = _batch_writes(state, request.method, record_type, await _body(request), WriteOptions.of(request))
    except StoreError as exc:
        return _error(exc)
    job = state.add_job([Task(str(n)) for n in range(1, len(writes) + 1)], _idempotency_key(request))
    records_url = f"{_base(request)}{RECORD}/{record_type}"

    def location(record_id: str) -> str:
        return f"{records_url}/{record_id}"

    for task, write in zip(job.tasks, writes, strict=True):
        state.process(task, write, location)
    return _accepted(request, job)


def _batch_writes(
    state: SandboxState, method: str, record_type: str, body: Record, options: WriteOptions
) -> list[Callable[[], str]]:
    """One write per item; a malformed batch raises (400, and nothing is written).

    PUT items need an ``externalId``; PATCH items an ``id`` or an ``externalId`` (the ``id`` wins, and
    an ``externalId`` next to it is then a field to set, as in a single PATCH).
    """
    items = body.get("items")
    if not isinstance(items, list):
        raise StoreError(400, "INVALID_REQUEST", 'A batch request body must be {"items": [...]}.')
    if not 1 <= len(items) <= MAX_BATCH:
        raise StoreError(
            400, "INVALID_REQUEST", f"A batch request takes 1 to {MAX_BATCH} records, not {len(items)}.", "items"
        )
    writes: list[Callable[[], str]] = []
    for index, raw in enumerate(items):
        path = f"items[{index}]"
        if not isinstance(raw, dict):
            raise StoreError(400, "INVALID_REQUEST", "Each item of a batch request must be a JSON object.", path)
        item = dict(raw)
        if method == "POST":
            writes.append(partial(create_one, state, record_type, item, options))
        elif method == "PUT":
            external_id = _item_key(item.get("externalId"))
            if external_id is None:
                raise StoreError(400, "INVALID_REQUEST", "Each item of a batch upsert (PUT) needs an externalId.", path)
            writes.append(partial(upsert_one, state, record_type, external_id, item, options))
        else:
            record_id = _item_key(item.pop("id", None))
            external_id = _item_key(item.get("externalId"))
            if record_id is None and external_id is None:
                raise StoreError(
                    400, "INVALID_REQUEST", "Each item of a batch update (PATCH) needs an id or an externalId.", path
                )
            if record_id is None:
                item.pop("externalId")
            ref = record_id if record_id is not None else f"eid:{external_id}"
            writes.append(partial(patch_one, state, record_type, ref, item, options))
    return writes


def _item_key(value: Any) -> str | None:
    """An item's ``id`` / ``externalId`` as text; ``None`` when missing or empty."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


async def delete_record(request: web.Request) -> web.Response:
    state = _state(request)
    try:
        record_type = _record_type(request)
        if record_type == "itemFulfillment":  # quantities and stock go back on the sales order
            fulfilments.delete(state, request.match_info["id"])
        elif record_type in cash.DELETE_TYPES:  # applied amounts and billed quantities go back
            record_id = state.store.resolve_id(record_type, request.match_info["id"])
            cash.delete(state.store, record_type, record_id, partial(state.behaviour.advance, "salesOrder"))
        elif record_type == "creditMemo":  # refunded quantities go back on the return authorisation
            returns.delete_credit(state.store, state.store.resolve_id(record_type, request.match_info["id"]),
                                  state.behaviour.advance)
        elif record_type == "customerRefund":  # refunded amounts go back on the credit memos and deposits
            state.behaviour.refunds.delete(state.store.resolve_id(record_type, request.match_info["id"]))
        else:
            state.store.delete(record_type, state.store.resolve_id(record_type, request.match_info["id"]))
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
        if "item" in WriteOptions.of(request).replace:
            body = returns.only_mentioned(state.store.records[source_type][source_id], body)
        _maybe_record_changed(state)  # as on updates: o2c retries the transform
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
    params = list(body.get("params") or [])
    key = (query, tuple(str(p) for p in params))
    rows = state.query_results.get(key) if offset > 0 else None
    if rows is None:
        try:
            rows = execute(query, params, state.tables, state.now())
        except SuiteQLError as exc:
            return ns_error(400, "INVALID_PARAMETER", str(exc))
        if len(rows) > limit:
            state.query_results.put(key, rows)
    page = rows[offset : offset + limit]
    url = f"{_base(request)}{REST}/query/v1/suiteql"
    links = [{"rel": "self", "href": f"{url}?limit={limit}&offset={offset}"}]
    if offset + limit < len(rows):
        links.append({"rel": "next", "href": f"{url}?limit={limit}&offset={offset + limit}"})
    body = {
        "links": links,
        "count": len(page),
        "hasMore": offset + limit < len(rows),
        "offset": offset,
        "totalResults": len(rows),
        "items": [{"links": [], **row} for row in page],
    }
    # Every value is text, a number or a list of links: orjson writes it as codec.dumps would, 30 times faster.
    return web.Response(body=orjson.dumps(body), content_type=None, headers={"Content-Type": COLLECTION_TYPE})


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


def _job_and_task(request: web.Request) -> tuple[Job, Task] | web.Response:
    job = _job(request)
    task = job.task(request.match_info["task"]) if job is not None else None
    if job is None or task is None:
        return ns_error(404, "NONEXISTENT_ID", "The async task does not exist.")
    return job, task


async def get_job(request: web.Request) -> web.Response:
    job = _job(request)
    if job is None:
        return ns_error(404, "NONEXISTENT_ID", "The async job does not exist.")
    href = _job_url(request, job.id)
    return json_response(
        {
            "id": job.id,
            "completed": job.completed,
            "progress": job.progress,
            "task": {"links": [{"rel": "related", "href": f"{href}/task"}]},
            "links": [{"rel": "self", "href": href}],
        }
    )


async def get_tasks(request: web.Request) -> web.Response:
    """One task per record, ids ``1``…``N`` in item order; ``limit``/``offset`` paging as for collections."""
    job = _job(request)
    if job is None:
        return ns_error(404, "NONEXISTENT_ID", "The async job does not exist.")
    try:
        limit, offset = _paging(request)
    except StoreError as exc:
        return _error(exc)
    href = f"{_job_url(request, job.id)}/task"
    page = job.tasks[offset : offset + limit]
    has_more = offset + limit < len(job.tasks)
    links = [{"rel": "self", "href": f"{href}?limit={limit}&offset={offset}"}]
    if has_more:
        links.append({"rel": "next", "href": f"{href}?limit={limit}&offset={offset + limit}"})
    return json_response(
        {
            "links": links,
            "count": len(page),
            "hasMore": has_more,
            "offset": offset,
            "totalResults": len(job.tasks),
            "items": [{"links": [{"rel": "self", "href": f"{href}/{task.id}"}], "id": task.id} for task in page],
        },
        content_type=COLLECTION_TYPE,
    )


async def get_task(request: web.Request) -> web.Response:
    found = _job_and_task(request)
    if isinstance(found, web.Response):
        return found
    job, task = found
    href = f"{_job_url(request, job.id)}/task/{task.id}"
    body: dict[str, Any] = {"id": task.id, "completed": task.completed, "progress": task.progress}
    if task.started is not None:
        body["startTime"] = task.started
    if task.finished is not None:
        body["endTime"] = task.finished
    body["links"] = [{"rel": "self", "href": href}, {"rel": "related", "href": f"{href}/result"}]
    return json_response(body)


async def get_task_result(request: web.Request) -> web.Response:
    """What the request would have answered: 204 + ``Location`` for a write, a body, or the error."""
    found = _job_and_task(request)
    if isinstance(found, web.Response):
        return found
    _, task = found
    if task.status is None:
        return ns_error(400, "INVALID_REQUEST", "The async task has not completed yet; its result is not available.")
    if task.body is not None:
        content_type = ERROR_TYPE if task.status >= 400 else "application/json; charset=utf-8"
        return json_response(task.body, status=200 if task.status < 400 else task.status, content_type=content_type)
    headers = {"Location": task.location} if task.location else {}
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
    old = request.app[STATE_KEY]
    request.app[STATE_KEY] = SandboxState(old.config)
    await old.stop_jobs()
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
    r.add_put(f"{RECORD}/{{type}}", submit_batch)
    r.add_patch(f"{RECORD}/{{type}}", submit_batch)
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
    pricing.add_routes(app, lambda request: _state(request))
    app.on_cleanup.append(_close_state)
    return app


async def _close_state(app: web.Application) -> None:
    await app[STATE_KEY].aclose()


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


async def _serve(host: str, port: int, config: SandboxConfig, demo_ship_share: float = 0.0) -> None:
    handle = await start_sandbox(host, port, config)
    print(f"NetSuite sandbox listening on {handle.url} (account {config.account_id})", flush=True)
    try:
        if demo_ship_share > 0:
            job = demo_warehouse.DemoWarehouse(lambda: handle.app[STATE_KEY], share=demo_ship_share)
            async with demo_warehouse.running(job):
                await asyncio.Event().wait()
        else:
            await asyncio.Event().wait()
    finally:
        await handle.stop()


def run(host: str = "127.0.0.1", port: int = 8702, config: SandboxConfig | None = None,
        demo_ship_share: float = 0.0) -> None:
    """Run the sandbox until interrupted (with the demo warehouse shipping ``demo_ship_share`` of orders)."""
    try:
        asyncio.run(_serve(host, port, config or SandboxConfig(), demo_ship_share))
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
    parser.add_argument("--async-processors", type=int, default=10,
                        help="records of batch operations processed at once (REST Async Processors)")
    parser.add_argument("--styles", type=int, default=4, help="matrix styles to seed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-auth", action="store_true", help="accept unauthenticated requests")
    parser.add_argument("--tax-engine", default="suitetax", choices=["suitetax", "legacy"],
                        help="the account's tax: SuiteTax (taxDetails) or legacy (line taxCode + tax1Amt)")
    parser.add_argument("--multiple-shipping-routes", action="store_true",
                        help="enable Multiple Shipping Routes (line shipAddress / shipMethod, shipGroup)")
    parser.add_argument("--demo-warehouse", type=float, default=0.0, metavar="SHARE",
                        help="ship this share of sales orders by itself, as the demo's warehouse (0 = off)")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        concurrency_limit=args.concurrency_limit,
        service_tier=args.tier,
        suitecloud_plus=args.suitecloud_plus,
        push_url=args.push_url,
        push_secret=args.push_secret,
        latency_ms=args.latency_ms,
        async_processors=args.async_processors,
        seed_styles=args.styles,
        seed=args.seed,
        require_auth=not args.no_auth,
        tax_engine=args.tax_engine,
        multiple_shipping_routes=args.multiple_shipping_routes,
    )
    logging.basicConfig(level=logging.INFO)
    run(args.host, args.port, config, demo_ship_share=args.demo_warehouse)
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
