"""PayPal Transaction Search (``GET /v1/reporting/transactions``) as a payout source.

OAuth2 client credentials (``POST /v1/oauth2/token``, token cached until shortly before it expires and
fetched again on a 401); ranges longer than PayPal's 31 days are split; pages follow ``total_pages``;
429 and 5xx are retried with jittered back-off. Errors are the :mod:`connectors.http` tree; the client
secret and tokens never appear in a message or a log line. Payouts are built by :mod:`.windows`, the same
way the Settlement Report parser builds them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from types import TracebackType
from typing import Any, Self

import httpx

from ...http import (
    Backoff,
    ConnectorError,
    PermanentError,
    RetryableError,
    TransientNetworkError,
    classify_status,
)
from . import event_codes
from .config import PayPalSettings
from .windows import Movement, PayoutWithLines, build_payouts

log = logging.getLogger(__name__)

TOKEN_PATH = "/v1/oauth2/token"
SEARCH_PATH = "/v1/reporting/transactions"
#: PayPal's longest ``start_date``..``end_date`` range.
MAX_RANGE = timedelta(days=31)
#: A token is replaced this long before PayPal says it expires (never more than half its life).
TOKEN_MARGIN = 60.0


def rfc3339(moment: datetime) -> str:
    """``2026-12-02T09:00:00Z`` (seconds, UTC): what ``start_date``/``end_date`` want."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_range(start: datetime, end: datetime, step: timedelta = MAX_RANGE) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` as consecutive windows of at most ``step``."""
    if end <= start:
        return []
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        upper = min(cursor + step, end)
        windows.append((cursor, upper))
        cursor = upper
    return windows


def _money(value: Any, what: str) -> tuple[Decimal, str]:
    if not isinstance(value, dict) or "value" not in value or "currency_code" not in value:
        raise ValueError(f"{what} is {value!r}, not a money object")
    try:
        return Decimal(str(value["value"])), str(value["currency_code"]).upper()
    except InvalidOperation:
        raise ValueError(f"{what} value {value['value']!r} is not a number") from None


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def to_movement(detail: dict[str, Any]) -> Movement:
    """One ``transaction_details[]`` entry → the record :mod:`.windows` cuts into payouts.

    Transaction Search signs amounts (a refund is ``-20.00``) and fees (a charged fee is ``-0.58``, a
    returned one positive); :class:`Movement` keeps fees positive when charged.
    """
    info = detail.get("transaction_info")
    if not isinstance(info, dict) or not info.get("transaction_id"):
        raise ValueError(f"a transaction without transaction_info.transaction_id: {detail!r:.200}")
    tid = str(info["transaction_id"])
    code = str(info.get("transaction_event_code", "")).upper()
    gross, currency = _money(info.get("transaction_amount"), f"{tid} transaction_amount")
    fee = Decimal(0)
    if info.get("fee_amount"):
        signed_fee, fee_currency = _money(info["fee_amount"], f"{tid} fee_amount")
        if fee_currency != currency:
            raise ValueError(f"{tid}: the fee is in {fee_currency} but the amount in {currency}")
        fee = -signed_fee
    return Movement(
        transaction_id=tid,
        event_code=code,
        gross=gross,
        fee=fee,
        currency=currency,
        initiated=_when(info.get("transaction_initiation_date")),
        # the updated date of a capture moves when it is refunded later: only a withdrawal's is its arrival
        completed=_when(info.get("transaction_updated_date")) if event_codes.is_boundary(code) else None,
        reference_id=info.get("paypal_reference_id") or None,
        reference_type=info.get("paypal_reference_id_type") or None,
        invoice_id=info.get("invoice_id") or None,
        custom_field=info.get("custom_field") or None,
        status=info.get("transaction_status") or None,
        bank_reference=info.get("bank_reference_id") or None,
        where="Transaction Search",
    )


def _error(response: httpx.Response, what: str) -> ConnectorError:
    """The error of a non-2xx PayPal answer: name, message, detail issues and debug id, never credentials."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    name = str(body.get("name") or body.get("error") or "") or None
    text = str(body.get("message") or body.get("error_description") or response.reason_phrase or "error")
    issues = [f"{d.get('field', '')}: {d.get('issue', '')}".strip(": ") for d in body.get("details") or []
              if isinstance(d, dict)]
    message = f"PayPal {what} failed: {text}" + (f" ({'; '.join(issues)})" if issues else "")
    if body.get("debug_id"):
        message += f" [debug_id {body['debug_id']}]"
    status = response.status_code
    cls = classify_status(status)
    if status == 401:
        message += " — check O2C_PAYPAL_CLIENT_ID/O2C_PAYPAL_CLIENT_SECRET"
    elif status == 403:
        message += " — the REST app needs Transaction Search enabled (it can take hours to apply)"
    if issubclass(cls, RetryableError):
        retry_after = response.headers.get("Retry-After")
        wait = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        return cls(message, status=status, code=name, details=body.get("details"), retry_after=wait)
    return cls(message, status=status, code=name, details=body.get("details"))


class PayPalTransactionSearch:
    """An async Transaction Search client: ``async with PayPalTransactionSearch(settings) as ts: …``."""

    def __init__(
        self,
        settings: PayPalSettings,
        *,
        client: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.api_enabled:
            raise PermanentError("PayPal Transaction Search needs O2C_PAYPAL_CLIENT_ID and O2C_PAYPAL_CLIENT_SECRET")
        self.settings = settings
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            base_url=settings.api_base.rstrip("/"),
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
        )
        self._backoff = backoff or Backoff(max_attempts=settings.max_attempts)
        self._sleep = sleep
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        #: Problems of the last :meth:`withdrawals` run (sum mismatches, unreadable records).
        self.problems: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never shows the secret or the token
        return f"PayPalTransactionSearch({self.settings.api_base!r}, client_id={self.settings.client_id!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    # --- transport -------------------------------------------------------------------------------

    async def _send(self, what: str, make: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """One request with retries for 429/5xx/network errors; raises the mapped error otherwise."""
        attempt = 0
        while True:
            try:
                response = await make()
            except httpx.TransportError as error:
                failure: RetryableError = TransientNetworkError(
                    f"PayPal {what}: no answer ({type(error).__name__})")
            else:
                if response.is_success:
                    return response
                mapped = _error(response, what)
                if not isinstance(mapped, RetryableError):
                    raise mapped
                failure = mapped
            if self._backoff.exhausted(attempt):
                raise failure
            wait = self._backoff.delay(attempt, at_least=failure.retry_after)
            log.info("paypal %s: %s; retry %d in %.2fs", what, failure, attempt + 1, wait)
            await self._sleep(wait)
            attempt += 1

    async def access_token(self, *, refresh: bool = False) -> str:
        """A bearer token, fetched once and reused until shortly before it expires."""
        async with self._token_lock:
            if not refresh and self._token is not None and self._clock() < self._token_expires:
                return self._token
            secret = self.settings.client_secret.get_secret_value()
            response = await self._send("token request", lambda: self._client.post(
                TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(self.settings.client_id, secret)))
            body = response.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not token:
                raise PermanentError("PayPal token request failed: the answer has no access_token",
                                     status=response.status_code)
            lifetime = float(body.get("expires_in") or 0)
            self._token = str(token)
            self._token_expires = self._clock() + lifetime - min(TOKEN_MARGIN, lifetime / 2)
            return self._token

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        token = await self.access_token()
        for attempt in range(2):
            bearer = {"Authorization": f"Bearer {token}"}
            try:
                response = await self._send("transaction search", partial(
                    self._client.get, path, params=params, headers=bearer))
            except PermanentError as error:
                if error.status == 401 and attempt == 0:  # expired or revoked: one fresh token, then give up
                    token = await self.access_token(refresh=True)
                    continue
                raise
            body = response.json()
            if not isinstance(body, dict):
                raise PermanentError("PayPal transaction search answered with something that is not an object")
            return body
        raise AssertionError("unreachable")

    # --- search ----------------------------------------------------------------------------------

    async def search(self, start: datetime, end: datetime) -> AsyncIterator[dict[str, Any]]:
        """Every balance-affecting ``transaction_details[]`` entry initiated in ``[start, end)``, all fields.

        Longer ranges than 31 days go out as several requests; a window PayPal finds too large
        (``RESULTSET_TOO_LARGE``) is halved down to one hour.
        """
        seen: set[str] = set()
        for lower, upper in split_range(start, end):
            async for detail in self._window(lower, upper):
                tid = str((detail.get("transaction_info") or {}).get("transaction_id", ""))
                if tid and tid in seen:  # a record on a window edge comes back from both windows
                    continue
                seen.add(tid)
                yield detail

    async def _window(self, start: datetime, end: datetime) -> AsyncIterator[dict[str, Any]]:
        page, pages = 1, 1
        while page <= pages:
            params = {
                "start_date": rfc3339(start), "end_date": rfc3339(end), "fields": "all",
                "balance_affecting_records_only": "Y", "page_size": str(self.settings.page_size), "page": str(page),
            }
            try:
                body = await self._get(SEARCH_PATH, params)
            except PermanentError as error:
                if "RESULTSET_TOO_LARGE" in f"{error.code} {error.details}" and end - start > timedelta(hours=1):
                    middle = start + (end - start) / 2
                    for lower, upper in ((start, middle), (middle, end)):
                        async for detail in self._window(lower, upper):
                            yield detail
                    return
                raise
            for detail in body.get("transaction_details") or []:
                if isinstance(detail, dict):
                    yield detail
            pages = int(body.get("total_pages") or 0)
            page += 1

    async def movements(self, start: datetime, end: datetime) -> AsyncIterator[Movement]:
        """:meth:`search` as :class:`~.windows.Movement` records (an unreadable one raises, naming it)."""
        async for detail in self.search(start, end):
            try:
                yield to_movement(detail)
            except ValueError as error:
                raise PermanentError(f"PayPal transaction search returned a record o2c cannot read: {error}") \
                    from None

    async def withdrawals(self, start: datetime, end: datetime) -> AsyncIterator[PayoutWithLines]:
        """Payouts (withdrawals or bank fundings) initiated in ``[start, end)`` with their lines.

        Records from ``lookback_days`` before ``start`` are read too, so that each payout's window starts
        at the previous withdrawal; sum mismatches of the yielded payouts end up in :attr:`problems`.
        """
        since = start - timedelta(days=self.settings.lookback_days)
        records = [m async for m in self.movements(since, end)]
        windows = build_payouts(records, start_known=False)
        chosen = [(p, lines) for p, lines in windows.payouts if start <= p.created < end]
        ids = {p.payout_id for p, _ in chosen}
        self.problems = tuple(problem for problem in windows.problems
                              if any(f" {pid} " in problem for pid in ids))
        for problem in self.problems:
            log.warning("paypal payout: %s", problem)
        for payout in chosen:
            yield payout
