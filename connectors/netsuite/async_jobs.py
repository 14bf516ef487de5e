"""NetSuite's asynchronous requests and batch operations (``Prefer: respond-async``).

A submission answers 202 with a job URL; the job, its tasks (one per record of a batch, in item
order) and each task's result are read afterwards. Resending a submission with the same
``X-NetSuite-Idempotency-Key`` returns the original job, so a lost response is safe to retry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from connectors.http import ConnectorError, RateLimitedError, TransientNetworkError
from connectors.netsuite.errors import IdempotencyConflictError
from connectors.netsuite.models import AsyncJob, TaskResult
from connectors.netsuite.transport import RECORD, NetSuiteTransport

MAX_BATCH = 100  # records per batch operation
COLLECTION_TYPE = "application/vnd.oracle.resource+json; type=collection"

T = TypeVar("T")


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


class AsyncRequests(NetSuiteTransport):
    """Async jobs and batch operations over the governed transport."""

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
