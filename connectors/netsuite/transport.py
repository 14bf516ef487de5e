"""NetSuite's HTTP layer: authentication, the concurrency governor, error mapping and retries.

Every request holds a slot of the :class:`ConcurrencyGovernor`, is re-authenticated per attempt,
and failures are raised as the taxonomy of :mod:`connectors.http` (see :mod:`.errors`). Retries:

- 429 is "not executed": retried for any verb with jittered back-off (and the governor shrinks);
- 5xx and network errors: retried when the caller says the request is idempotent;
- record changed / workflow lock: the caller's ``reread`` runs, then the write is retried a few times.

What is idempotent, and the ``externalId`` look-ups that make creates safe, are decided one level up,
in :mod:`.client`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Self

import httpx

from connectors import fast_locks
from connectors.http import (
    Backoff,
    ConnectorError,
    RateLimitedError,
    RereadError,
    RetryableError,
    TransientNetworkError,
)
from connectors.netsuite import codec
from connectors.netsuite.auth import ClientCredentialsAuth, CryptographySigner, TokenBasedAuth
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.errors import error_from_response
from connectors.netsuite.governor import ConcurrencyGovernor, shared_governor

log = logging.getLogger(__name__)

RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
SYSTEM = "/services/rest/system/v1"
JSON_TYPE = "application/json"


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


class NetSuiteTransport:
    """Authenticated, governed requests to one NetSuite account, with the retries above.

    Use as an async context manager or call :meth:`aclose`. :class:`~connectors.netsuite.client.NetSuiteClient`
    adds the record API, SuiteQL and the system endpoints on top.
    """

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

    async def __aenter__(self) -> Self:
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
