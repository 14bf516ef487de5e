"""Async NetSuite SuiteTalk REST client: record API, SuiteQL, system endpoints, async jobs and batches.

The transport (:mod:`.transport`) authenticates, governs and retries; this layer decides what is
safe to retry:

- GET, PUT upsert, DELETE, SuiteQL and a PATCH without unkeyed sublist appends are idempotent, so
  5xx and network errors are retried;
- a create or transform that carries an ``externalId`` is first looked up by that id when its
  outcome is unknown, so a lost response never yields a second record;
- record changed / workflow lock: the record is re-read, then the write is retried a few times;
- "already exists" on an ``externalId`` write resolves to the existing record's id.

Async jobs and batch operations come from :class:`~connectors.netsuite.async_jobs.AsyncRequests`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from connectors.http import AlreadyExistsError, ConnectorError, NotFoundError, RetryableError
from connectors.netsuite.async_jobs import AsyncRequests
from connectors.netsuite.models import GovernanceLimits, ServerTime, SuiteQLPage, WriteResult, id_from_location
from connectors.netsuite.transport import RECORD, SUITEQL, SYSTEM, build_auth

__all__ = ["NetSuiteClient", "build_auth", "eid_path"]

MAX_PAGE = 1000


def eid_path(record_type: str, external_id: str) -> str:
    return f"{RECORD}/{record_type}/eid:{quote(external_id, safe='')}"


def _appends_unkeyed_lines(body: Mapping[str, Any]) -> bool:
    """True if a PATCH body adds sublist lines without a key (so a replay would add them twice)."""
    for value in body.values():
        if isinstance(value, Mapping) and isinstance(value.get("items"), list):
            for line in value["items"]:
                if isinstance(line, Mapping) and not ({"line", "orderLine", "id"} & set(line)):
                    return True
    return False


class NetSuiteClient(AsyncRequests):
    """One NetSuite account over REST. Use as an async context manager or call :meth:`aclose`."""

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
        self, from_type: str, record_id: str, to_type: str, body: Mapping[str, Any] | None = None, *,
        replace: Sequence[str] | None = None,
    ) -> WriteResult:
        """``POST /record/v1/<from>/<id>/!transform/<to>`` (e.g. salesOrder -> itemFulfillment); ``replace``
        names sublists the body gives whole (the pre-populated lines it leaves out are dropped)."""
        path = f"{RECORD}/{from_type}/{quote(str(record_id), safe=':')}/!transform/{to_type}"
        return await self._write_new(to_type, path, body or {}, self._replace_params(replace))

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
