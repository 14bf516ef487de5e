"""The HTTP side of the client: governance, retries, error mapping and paging (no endpoints here).

Every call goes through the store's :class:`~..governor.RateLimitGovernor` and the retry loop:

- 429 → wait for the reset the response announces (the governor blocks every coroutine), retry;
- 5xx, 408, timeouts, connection errors → jittered back-off (:class:`connectors.http.Backoff`), retry
  — but a non-idempotent POST whose request may have reached the server is *not* resent: the
  caller gets :class:`~connectors.http.TransientNetworkError` / :class:`~connectors.http.RetryableError`
  and re-reads before trying again (DESIGN §5);
- anything else → the classified permanent error with BigCommerce's own message.

Paged lists are async iterators: V2 pages until a short page or 204, V3 follows ``meta.pagination``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Literal, Self

import httpx

from connectors import fast_locks
from connectors.http import Backoff, RateLimitedError, RetryableError, TransientNetworkError

from .. import metrics
from ..config import BigCommerceSettings
from ..errors import error_for
from ..formats import dumps, loads
from ..governor import Lane, PacingPolicy, RateLimitGovernor

Version = Literal["v2", "v3"]

V2_MAX_LIMIT = 250
V3_MAX_LIMIT = 250
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def csv(values: Iterable[Any]) -> str:
    return ",".join(str(v) for v in values)


def present(params: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters that have a value."""
    return {name: value for name, value in params.items() if value is not None}


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return loads(response.content)
    except ValueError:
        return response.text[:500]


class Transport:
    """One store's HTTP connection. Create once per process and share; ``async with`` closes the pool."""

    def __init__(
        self,
        settings: BigCommerceSettings | None = None,
        *,
        governor: RateLimitGovernor | None = None,
        http: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings or BigCommerceSettings()
        self.governor = governor or RateLimitGovernor.for_store(
            self.settings.store_hash, policy=PacingPolicy(reserve=self.settings.quota_reserve)
        )
        self.backoff = backoff or Backoff(base=0.2, cap=10.0, max_attempts=self.settings.max_attempts)
        s = self.settings
        fast_locks.install()
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.write_timeout, pool=s.pool_timeout
            ),
            limits=httpx.Limits(max_connections=s.max_connections),
            headers=s.auth_headers(),
        )
        self._owns_http = http is None
        # Requests beyond the pool wait here, not in httpcore's pool queue, which is scanned in full
        # (with a socket check per idle connection) every time a request starts or ends.
        self._in_flight = asyncio.Semaphore(s.max_connections)

    def __repr__(self) -> str:  # never shows the token
        return f"{type(self).__name__}(store={self.settings.store_hash!r}, api_base={self.settings.api_base!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def request(
        self,
        method: str,
        version: Version,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        lane: Lane = Lane.NORMAL,
        cap: str | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one API request with governance and retries; returns the 2xx response."""
        url = f"{self.settings.base_url(version)}{path}"
        safe = method.upper() in _IDEMPOTENT if idempotent is None else idempotent
        headers = {"Content-Type": "application/json"} if json is not None else None
        content = dumps(json) if json is not None else None
        store = self.settings.store_hash
        attempt = 0
        async with self.governor.capped(cap):
            while True:
                await self.governor.acquire(lane)
                started = time.monotonic()
                try:
                    async with self._in_flight:
                        response = await self._http.request(method, url, params=params, content=content,
                                                            headers=headers)
                except httpx.TransportError as exc:
                    await self.governor.release(None, None)
                    metrics.REQUESTS.labels(store, endpoint, "error").inc()
                    never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                    error = TransientNetworkError(f"BigCommerce {endpoint}: {type(exc).__name__}")
                    if (not safe and not never_sent) or self.backoff.exhausted(attempt):
                        raise error from exc
                    await asyncio.sleep(self.backoff.delay(attempt))
                    attempt += 1
                    continue
                await self.governor.release(response.headers, response.status_code)
                metrics.LATENCY.labels(store, endpoint).observe(time.monotonic() - started)
                metrics.REQUESTS.labels(store, endpoint, str(response.status_code)).inc()
                if response.is_success:
                    return response
                err = error_for(response.status_code, _body(response), response.headers, endpoint=endpoint)
                if isinstance(err, RateLimitedError):
                    metrics.RATE_LIMITED.labels(store, endpoint).inc()
                    if self.backoff.exhausted(attempt):
                        raise err
                    attempt += 1  # the governor now holds every request until the reset
                    continue
                if isinstance(err, RetryableError) and safe and not self.backoff.exhausted(attempt):
                    await asyncio.sleep(self.backoff.delay(attempt, at_least=err.retry_after))
                    attempt += 1
                    continue
                raise err

    async def _json(self, method: str, version: Version, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, version, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return loads(response.content)

    async def _v3_data(self, method: str, path: str, **kwargs: Any) -> Any:
        body = await self._json(method, "v3", path, **kwargs)
        return body.get("data") if isinstance(body, dict) else body

    async def _v2_pages(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        limit: int = V2_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncIterator[dict[str, Any]]:
        """V2 paging: bare arrays, page+1 until a short page or a 204."""
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            rows = await self._json("GET", "v2", path, endpoint=endpoint, params=query, lane=lane)
            if not rows:
                return
            for row in rows:
                yield row
            if len(rows) < limit:
                return
            page += 1

    async def _v3_pages(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        limit: int = V3_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncIterator[dict[str, Any]]:
        """V3 paging: ``{data, meta.pagination}`` until ``current_page >= total_pages``."""
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            body = await self._json("GET", "v3", path, endpoint=endpoint, params=query, lane=lane)
            if not body:
                return
            data = body.get("data") or []
            for row in data:
                yield row
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if total_pages is None:
                if len(data) < limit:
                    return
            elif page >= int(total_pages):
                return
            page += 1

    async def _v3_cursor_pages(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        limit: int = V3_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
        cap: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """V3 cursor paging (customers, price lists, records, assignments): ``after=end_cursor`` while
        ``meta.cursor_pagination.links`` has a ``next`` (without links: while pages are full). Rows added
        or deleted meanwhile cannot shift an unread row onto a page already read, as page numbers can."""
        after: str | None = None
        while True:
            query = {**(params or {}), "limit": limit, **({"after": after} if after else {})}
            body = await self._json("GET", "v3", path, endpoint=endpoint, params=query, lane=lane, cap=cap)
            if not body:
                return
            data = body.get("data") or []
            for row in data:
                yield row
            cursor = (body.get("meta") or {}).get("cursor_pagination") or {}
            links = cursor.get("links")
            more = bool(links.get("next")) if isinstance(links, dict) and links else len(data) >= limit
            after = cursor.get("end_cursor")
            if not data or not more or not after:
                return
