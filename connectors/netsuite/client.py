"""Async NetSuite SuiteTalk REST client: record API, SuiteQL, system endpoints, async jobs and batches.

Every request holds a slot of the :class:`ConcurrencyGovernor`, is re-authenticated per attempt,
and failures are raised as the taxonomy of :mod:`connectors.http` (see :mod:`.errors`). Retries:

- 429 is "not executed": retried for any verb with jittered back-off (and the governor shrinks);
- 5xx and network errors: retried for idempotent calls (GET, PUT upsert, DELETE, SuiteQL, PATCH
  without unkeyed sublist appends); a create or transform that carries an ``externalId`` is first
  looked up by that id, so an unknown outcome never yields a second record;
- record changed / workflow lock: the record is re-read, then the write is retried a few times;
- "already exists" on an ``externalId`` write resolves to the existing record's id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx

from connectors import fast_locks
from connectors.http import (
    AlreadyExistsError,
    Backoff,
    ConnectorError,
    NotFoundError,
    RateLimitedError,
    RereadError,
    RetryableError,
    TransientNetworkError,
)
from connectors.netsuite import codec
from connectors.netsuite.auth import ClientCredentialsAuth, CryptographySigner, TokenBasedAuth
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.errors import IdempotencyConflictError, error_from_response
from connectors.netsuite.governor import ConcurrencyGovernor, shared_governor
from connectors.netsuite.models import (
    AsyncJob,
    GovernanceLimits,
    ServerTime,
    SuiteQLPage,
    TaskResult,
    WriteResult,
    id_from_location,
)

log = logging.getLogger(__name__)

RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
SYSTEM = "/services/rest/system/v1"
MAX_PAGE = 1000
MAX_BATCH = 100  # records per batch operation
JSON_TYPE = "application/json"
COLLECTION_TYPE = "application/vnd.oracle.resource+json; type=collection"

T = TypeVar("T")


def eid_path(record_type: str, external_id: str) -> str:
    return f"{RECORD}/{record_type}/eid:{quote(external_id, safe='')}"


def _link(resource: Mapping[str, Any], rel: str) -> str | None:
    """The ``href`` of the first ``links`` entry with this ``rel``."""
    for link in resource.get("links") or []:
        if isinstance(link, Mapping) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


async def _gather_all(coroutines: Iterable[Awaitable[T]]) -> list[T]:
    """``asyncio.gather``, but on the first failure the others are cancelled (and awaited) before it is raised."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _appends_unkeyed_lines(body: Mapping[str, Any]) -> bool:
    """True if a PATCH body adds sublist lines without a key (so a replay would add them twice)."""
    for value in body.values():
        if isinstance(value, Mapping) and isinstance(value.get("items"), list):
            for line in value["items"]:
                if isinstance(line, Mapping) and not ({"line", "orderLine", "id"} & set(line)):
                    return True
    return False


def build_auth(settings: NetSuiteSettings) -> httpx.Auth:
    """The auth the settings ask for (TBA or OAuth 2.0 client credentials)."""
    if settings.auth_mode == "oauth2":
        signer = CryptographySigner(settings.private_key_pem.get_secret_value(), settings.jwt_algorithm)
        return ClientCredentialsAuth(
            token_url=settings.token_url,
            client_id=settings.client_id,
            certificate_id=settings.certificate_id,
            signer=signer,
            scopes=settings.scopes,
        )
    return TokenBasedAuth.from_settings(settings)


class NetSuiteClient:
    """One NetSuite account over REST. Use as an async context manager or call :meth:`aclose`."""

    def __init__(
        self,
        settings: NetSuiteSettings | None = None,
        *,
        auth: httpx.Auth | None = None,
        governor: ConcurrencyGovernor | None = None,
        backoff: Backoff | None = None,
        reread_attempts: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or NetSuiteSettings()
        s = self.settings
        self.governor = governor or shared_governor(s.account_id, s.effective_concurrency)
        self.backoff = backoff or Backoff(base=s.backoff_base, cap=s.backoff_cap, max_attempts=s.max_attempts)
        self.reread_attempts = reread_attempts
        self._sleep = sleep
        fast_locks.install()
        self._http = httpx.AsyncClient(
            base_url=s.service_url,
            auth=auth or build_auth(s),
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.write_timeout, pool=s.pool_timeout
            ),
            limits=httpx.Limits(max_connections=max(s.concurrency_limit * 2, 10)),
            headers={"Accept": JSON_TYPE, "X-NetSuite-PropertyNameValidation": "error"},
            transport=transport,
        )

    async def __aenter__(self) -> NetSuiteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport ------------------------------------------------------------------------------

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        label: str,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        content = codec.dumps(body) if body is not None else None
        send_headers = dict(headers or {})
        if content is not None:
            send_headers.setdefault("Content-Type", JSON_TYPE)
        async with self.governor.slot(label, method) as slot:
            try:
                response = await self._http.request(method, path, params=params, content=content, headers=send_headers)
            except httpx.TransportError as exc:
                slot.outcome = "error"
                raise TransientNetworkError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
            if response.status_code >= 400:
                error = error_from_response(
                    response.status_code,
                    response.content,
                    retry_after=response.headers.get("Retry-After"),
                    location=response.headers.get("Location"),
                )
                if isinstance(error, RateLimitedError):
                    slot.outcome = "throttled"
                    self.governor.on_throttled(slot)
                else:
                    slot.outcome = "error"
                raise error
            self.governor.on_success()
            return response

    async def request(
        self,
        method: str,
        path: str,
        *,
        label: str = "-",
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
        reread: Callable[[], Awaitable[object]] | None = None,
    ) -> httpx.Response:
        """Send with retries: 429 always, 5xx/network if ``idempotent``, record-changed after ``reread``.

        ``body`` is sent as JSON (:mod:`.codec`) with ``Content-Type: application/json`` unless
        ``headers`` name another ``Content-Type`` (a batch sends ``type=collection``).
        """
        attempt = 0
        rereads = 0
        while True:
            try:
                return await self._send_once(method, path, label=label, params=params, body=body, headers=headers)
            except RateLimitedError as exc:
                error: ConnectorError = exc
                wait_at_least = exc.retry_after
            except RetryableError as exc:
                if not idempotent:
                    raise
                error, wait_at_least = exc, exc.retry_after
            except RereadError as exc:
                if reread is None or rereads >= self.reread_attempts:
                    raise
                rereads += 1
                await reread()
                error, wait_at_least = exc, None
            if self.backoff.exhausted(attempt):
                raise error
            delay = self.backoff.delay(attempt, at_least=wait_at_least)
            log.debug("netsuite retry", extra={"path": path, "attempt": attempt, "error": str(error)})
            await self._sleep(delay)
            attempt += 1

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        return codec.loads(response.content)

    # -- record API -----------------------------------------------------------------------------

    async def get(
        self,
        record_type: str,
        record_id: str,
        *,
        expand: bool = False,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """``GET /record/v1/<type>/<id>`` (``record_id`` may be ``eid:<externalId>``)."""
        params: dict[str, str] = {}
        if expand:
            params["expandSubResources"] = "true"
        if fields:
            params["fields"] = ",".join(fields)
        path = f"{RECORD}/{record_type}/{quote(str(record_id), safe=':')}"
        response = await self.request("GET", path, label=record_type, params=params or None)
        result: dict[str, Any] = self._json(response)
        return result

    async def find_by_external_id(self, record_type: str, external_id: str) -> str | None:
        """Internal id of the record with this ``externalId``, or ``None``."""
        try:
            record = await self.get(record_type, f"eid:{external_id}", fields=["externalId"])
        except NotFoundError:
            return None
        return str(record["id"]) if record.get("id") is not None else None

    async def _resolve_existing(self, record_type: str, external_id: str | None) -> WriteResult | None:
        if not external_id:
            return None
        found = await self.find_by_external_id(record_type, external_id)
        return WriteResult(record_type=record_type, id=found, already_existed=True) if found else None

    async def _write_new(
        self,
        record_type: str,
        path: str,
        body: Mapping[str, Any],
        params: Mapping[str, str] | None,
    ) -> WriteResult:
        """POST a new record (create or transform); dedupe by ``externalId`` when the outcome is unknown."""
        external_id = body.get("externalId")
        attempt = 0
        while True:
            try:
                response = await self.request(
                    "POST", path, label=record_type, params=params, body=body, idempotent=False
                )
            except AlreadyExistsError:
                existing = await self._resolve_existing(record_type, external_id)
                if existing is None:
                    raise
                return existing
            except RetryableError:
                if not external_id or self.backoff.exhausted(attempt):
                    raise
                existing = await self._resolve_existing(record_type, external_id)
                if existing is not None:
                    return existing
                await self._sleep(self.backoff.delay(attempt))
                attempt += 1
                continue
            new_id = id_from_location(response.headers.get("Location"))
            if new_id is None:
                raise ConnectorError(f"NetSuite gave no Location for new {record_type}", status=response.status_code)
            return WriteResult(record_type=record_type, id=new_id)

    @staticmethod
    def _replace_params(replace: Sequence[str] | None) -> dict[str, str] | None:
        return {"replace": ",".join(replace)} if replace else None

    async def create(
        self, record_type: str, body: Mapping[str, Any], *, replace: Sequence[str] | None = None
    ) -> WriteResult:
        """``POST /record/v1/<type>``: 204 + ``Location``; the new id comes from ``Location``."""
        path = f"{RECORD}/{record_type}"
        return await self._write_new(record_type, path, body, self._replace_params(replace))

    async def patch(
        self,
        record_type: str,
        record_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] | None = None,
    ) -> WriteResult:
        """``PATCH`` (merge sublists by key unless ``replace`` names them)."""

        async def reread() -> object:
            return await self.get(record_type, record_id)

        await self.request(
            "PATCH",
            f"{RECORD}/{record_type}/{quote(str(record_id), safe=':')}",
            label=record_type,
            params=self._replace_params(replace),
            body=body,
            idempotent=bool(replace) or not _appends_unkeyed_lines(body),
            reread=reread,
        )
        return WriteResult(record_type=record_type, id=str(record_id))

    async def upsert(
        self,
        record_type: str,
        external_id: str,
        body: Mapping[str, Any],
        *,
        replace: Sequence[str] | None = None,
    ) -> WriteResult:
        """``PUT /record/v1/<type>/eid:<externalId>``: create or update, safe to repeat."""
        path = eid_path(record_type, external_id)

        async def reread() -> object:
            return await self.find_by_external_id(record_type, external_id)

        try:
            response = await self.request(
                "PUT", path, label=record_type, params=self._replace_params(replace), body=body, reread=reread
            )
        except AlreadyExistsError:
            existing = await self._resolve_existing(record_type, external_id)
            if existing is None:
                raise
            return existing
        new_id = id_from_location(response.headers.get("Location"))
        if new_id is None:
            new_id = await self.find_by_external_id(record_type, external_id)
            if new_id is None:
                raise NotFoundError(f"{record_type} eid:{external_id} missing after upsert")
        return WriteResult(record_type=record_type, id=new_id)

    async def delete(self, record_type: str, record_id: str, *, missing_ok: bool = True) -> None:
        """``DELETE``; a record that is already gone counts as deleted unless ``missing_ok`` is False."""
        try:
            path = f"{RECORD}/{record_type}/{quote(str(record_id), safe=':')}"
            await self.request("DELETE", path, label=record_type)
        except NotFoundError:
            if not missing_ok:
                raise

    async def transform(
        self, from_type: str, record_id: str, to_type: str, body: Mapping[str, Any] | None = None
    ) -> WriteResult:
        """``POST /record/v1/<from>/<id>/!transform/<to>`` (e.g. salesOrder -> itemFulfillment)."""
        path = f"{RECORD}/{from_type}/{quote(str(record_id), safe=':')}/!transform/{to_type}"
        return await self._write_new(to_type, path, body or {}, None)

    # -- SuiteQL ------------------------------------------------------------------------------

    async def suiteql_page(
        self, query: str, params: Sequence[Any] | None = None, *, limit: int = MAX_PAGE, offset: int = 0
    ) -> SuiteQLPage:
        """One page: ``POST /query/v1/suiteql?limit=&offset=`` with ``Prefer: transient``."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError("SuiteQL limit must be between 1 and 1000")
        body: dict[str, Any] = {"q": query}
        if params:
            body["params"] = [str(p) for p in params]
        response = await self.request(
            "POST",
            SUITEQL,
            label="suiteql",
            params={"limit": str(limit), "offset": str(offset)},
            body=body,
            headers={"Prefer": "transient"},
        )
        data = self._json(response)
        data["items"] = [{str(k).lower(): v for k, v in row.items() if k != "links"} for row in data.get("items", [])]
        return SuiteQLPage.model_validate(data)

    async def suiteql(
        self, query: str, params: Sequence[Any] | None = None, *, page_size: int = MAX_PAGE
    ) -> AsyncIterator[dict[str, Any]]:
        """All rows of a query, page by page (``offset`` stays a multiple of ``limit``)."""
        offset = 0
        while True:
            page = await self.suiteql_page(query, params, limit=page_size, offset=offset)
            for row in page.items:
                yield row
            if not page.has_more or not page.items:
                return
            offset += page_size

    # -- system -------------------------------------------------------------------------------

    async def governance_limits(self) -> GovernanceLimits:
        response = await self.request("GET", f"{SYSTEM}/governanceLimits", label="system")
        return GovernanceLimits.model_validate(self._json(response))

    async def server_time(self) -> datetime:
        response = await self.request("GET", f"{SYSTEM}/serverTime", label="system")
        return ServerTime.model_validate(self._json(response)).server_time

    async def configure_concurrency(self) -> int:
        """Size the governor from ``governanceLimits`` (minus headroom, this worker's share); returns it."""
        limits = await self.governance_limits()
        ceiling = self.settings.share(limits.usable)
        self.governor.resize(ceiling)
        return ceiling

    # -- asynchronous requests ----------------------------------------------------------------

    async def submit_async(
        self, method: str, path: str, body: Any = None, *, idempotency_key: str, label: str = "-"
    ) -> str:
        """Send a record request with ``Prefer: respond-async``; returns the job URL (202 ``Location``).

        A lost response is safe to resend with the same key: NetSuite answers ``IDEMPOTENCY_ERROR``
        with the original job's ``Location``, which is returned instead.
        """
        return await self._submit(method, path, body, idempotency_key=idempotency_key, label=label)

    async def submit_batch(
        self,
        method: Literal["POST", "PUT", "PATCH"],
        record_type: str,
        items: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str,
        label: str = "-",
    ) -> str:
        """A batch operation on 1 to 100 records of ``record_type``; returns the job URL.

        ``POST`` creates, ``PUT`` upserts (each item needs an ``externalId``), ``PATCH`` updates (each
        item needs an ``id`` or an ``externalId``; the ``id`` wins). NetSuite runs it asynchronously,
        one task per record in item order: see :meth:`job` and :meth:`task_results`. Resending with
        the same key returns the original job, as for :meth:`submit_async`.
        """
        if method not in ("POST", "PUT", "PATCH"):
            raise ValueError(f"batch operations are POST, PUT or PATCH, not {method}")
        if not 1 <= len(items) <= MAX_BATCH:
            raise ValueError(f"a batch takes 1 to {MAX_BATCH} records, not {len(items)}")
        body = {"items": [dict(item) for item in items]}
        return await self._submit(
            method,
            f"{RECORD}/{record_type}",
            body,
            idempotency_key=idempotency_key,
            label=label,
            content_type=COLLECTION_TYPE,
        )

    async def _submit(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        idempotency_key: str,
        label: str,
        content_type: str | None = None,
    ) -> str:
        headers = {"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": idempotency_key}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = await self.request(method, path, label=label, body=body, headers=headers)
        except IdempotencyConflictError as exc:
            if exc.location:
                return exc.location
            raise
        location = response.headers.get("Location")
        if response.status_code != 202 or not location:
            raise ConnectorError("request not run asynchronously", status=response.status_code)
        return str(location)

    async def job(self, job_url: str) -> AsyncJob:
        response = await self.request("GET", job_url, label="async")
        return AsyncJob.model_validate(self._json(response))

    async def task_results(self, job_url: str, *, page_size: int | None = None) -> list[TaskResult]:
        """Every task of the job (one per record of a batch, in item order) and the result of each completed one.

        Walks all pages of ``…/job/{id}/task`` (``page_size`` sets ``limit``; default NetSuite's),
        then reads each task and each completed task's result concurrently (two requests per record,
        each holding a governor slot). A pending task comes back with ``completed`` false and no result.
        """
        url = f"{job_url}/task"
        params = {"limit": str(page_size)} if page_size else None
        offset = 0
        hrefs: list[str] = []
        while True:
            page = self._json(await self.request("GET", url, label="async", params=params))
            items = page.get("items") or []
            hrefs += [_link(item, "self") or f"{job_url}/task/{item['id']}" for item in items]
            if not page.get("hasMore") or not items:
                break
            offset += len(items)
            next_url = _link(page, "next")
            if next_url:
                url, params = next_url, None
            else:
                url, params = f"{job_url}/task", {"limit": str(page_size or len(items)), "offset": str(offset)}
        return await _gather_all(self._task_result(href) for href in hrefs)

    async def _task_result(self, href: str) -> TaskResult:
        task = self._json(await self.request("GET", href, label="async"))
        task_id = str(task.get("id") or href.rstrip("/").rsplit("/", 1)[-1])
        progress = str(task.get("progress") or "pending")
        if not task.get("completed"):
            return TaskResult(task_id=task_id, progress=progress, completed=False)
        failed = progress != "succeeded"
        try:
            # A failed task's result *is* an error response: read it once (a 5xx there is the task's).
            response = await self.request(
                "GET", _link(task, "related") or f"{href}/result", label="async", idempotent=not failed
            )
        except ConnectorError as exc:
            if not failed or exc.status is None or isinstance(exc, RateLimitedError):
                raise
            return TaskResult(
                task_id=task_id,
                progress=progress,
                completed=True,
                status=exc.status,
                error_code=exc.code,
                error_message=exc.message,
                error_details=tuple(exc.details or ()),
            )
        location = response.headers.get("Location")
        return TaskResult(
            task_id=task_id,
            progress=progress,
            completed=True,
            status=response.status_code,
            location=location,
            body=self._json(response) if response.content else None,
        )

    async def wait_for_job(self, job_url: str, *, poll: float = 0.5, max_wait: float = 900.0) -> list[Any]:
        """Poll until the job completes; return each task's result body (``None`` for empty ones).

        The first failed task's error is raised (as :meth:`request` would raise it).
        """
        waited = 0.0
        while not (await self.job(job_url)).completed:
            if waited >= max_wait:
                raise TransientNetworkError(f"async job {job_url} not complete after {max_wait}s")
            await self._sleep(poll)
            waited += poll
        results = await self.task_results(job_url)
        for result in results:
            error = result.error()
            if error is not None:
                raise error
        return [result.body for result in results]
