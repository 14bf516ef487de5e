"""Read Stripe payouts and their balance transactions with the official SDK (async, over httpx).

Every request goes through :meth:`StripePayouts._call`: the rate limiter (``requests_per_second``), the
request counter, the mapping of SDK errors onto o2c's tree (:mod:`connectors.http`) and retries of 429
and 5xx/network failures with jittered back-off. The SDK's own retries are off, so each HTTP request is
counted once. The API key is only handed to the SDK; no message o2c raises contains it.

Requests go through the SDK's ``raw_request_async`` (its auth, ``Stripe-Version``, encoding and error
classes) and the JSON is read as plain dicts: the typed services build a ``StripeObject`` tree per
response, which was 80 % of the CPU of a page of 100 expanded balance transactions (85 ms a page).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

import stripe
from aiolimiter import AsyncLimiter

from ...http import (
    Backoff,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TransientNetworkError,
    classify_status,
)
from ..models import Payout, PayoutLine
from .config import StripeSettings
from .mapping import is_payout_own_line, line_from_balance_transaction, payout_from_stripe

log = logging.getLogger(__name__)

PAGE = 100


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def map_error(error: stripe.StripeError, what: str) -> ConnectorError:
    """An SDK error → o2c's error class; messages are o2c's own or Stripe's (never the key)."""
    status = error.http_status
    code = error.code
    if isinstance(error, stripe.AuthenticationError):
        return PermanentError(
            f"Stripe refused the API key while {what}: set O2C_STRIPE_API_KEY to a valid restricted key "
            "(rk_live_…) of this account", status=status or 401, code="authentication")
    if isinstance(error, stripe.PermissionError):
        return PermanentError(
            f"The Stripe key may not do this ({what}): give it read access to Payouts, Balance transactions, "
            "Charges, Refunds and Disputes", status=status or 403, code="permission")
    if isinstance(error, stripe.RateLimitError):
        return RateLimitedError(f"Stripe rate limit hit while {what}", status=status or 429, code=code or "rate_limit",
                                retry_after=_retry_after(error.headers))
    if isinstance(error, stripe.APIConnectionError):
        return TransientNetworkError(f"Stripe could not be reached while {what}: {error.user_message or 'no reply'}")
    message = f"Stripe answered an error while {what}: {error.user_message or type(error).__name__}"
    if status is None:
        return RetryableError(message, code=code)
    cls = classify_status(status)
    if cls is RetryableError or cls is RateLimitedError:
        return cls(message, status=status, code=code, retry_after=_retry_after(error.headers))
    if status == 404:
        return NotFoundError(message, status=status, code=code)
    return PermanentError(message, status=status, code=code)


def _epoch(moment: datetime | date) -> int:
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return int(aware.timestamp())
    return int(datetime.combine(moment, time(0), tzinfo=UTC).timestamp())


class StripePayouts:
    """Payouts and their lines from one Stripe account."""

    def __init__(self, settings: StripeSettings, *, backoff: Backoff | None = None) -> None:
        key = settings.api_key.get_secret_value()
        if not key:
            raise PermanentError("Stripe is not configured: O2C_STRIPE_API_KEY is empty")
        self._settings = settings
        self._http = stripe.HTTPXClient(timeout=settings.timeout)
        self._stripe = stripe.StripeClient(
            key,
            base_addresses={"api": settings.api_base},
            http_client=self._http,
            stripe_version=settings.api_version,
            max_network_retries=0,  # o2c retries (and counts) every request itself
        )
        # a quarter-second's budget at once, not a whole second's: Stripe counts per second, and a full budget at
        # the end of one second plus another at the start of the next was a 429 (20 + 5 stays within 25)
        burst = max(1.0, settings.requests_per_second / 4)
        self._limiter = AsyncLimiter(burst, burst / settings.requests_per_second)
        self._backoff = backoff or Backoff(base=0.2, cap=10.0, max_attempts=settings.max_attempts)
        #: HTTP requests sent (retries included): the benchmark compares it with the paging minimum.
        self.requests = 0

    async def __aenter__(self) -> StripePayouts:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _get(self, what: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """``GET path`` as a plain dict, rate-limited, retried on 429/5xx/network."""
        attempt = 0
        while True:
            async with self._limiter:
                self.requests += 1
                try:
                    response = await self._stripe.raw_request_async("get", path, **(params or {}))
                except stripe.StripeError as exc:
                    error = map_error(exc, what)
                else:
                    data = response.data
                    if not isinstance(data, dict):
                        raise PermanentError(f"Stripe answered something other than an object while {what}")
                    return data
            if not isinstance(error, RetryableError) or self._backoff.exhausted(attempt):
                raise error from None
            wait = self._backoff.delay(attempt, at_least=error.retry_after)
            log.warning("stripe request retried", extra={"operation": what, "attempt": attempt + 1,
                                                         "error": str(error), "wait_s": round(wait, 3)})
            attempt += 1
            await asyncio.sleep(wait)

    async def _pages(self, what: str, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Every object of a cursor-paged list (``starting_after`` the last id while ``has_more``)."""
        cursor: str | None = None
        while True:
            page_params = {**params, "limit": PAGE, **({"starting_after": cursor} if cursor else {})}
            page = await self._get(what, path, page_params)
            data: list[dict[str, Any]] = page.get("data") or []
            for obj in data:
                yield obj
            if not page.get("has_more") or not data:
                return
            cursor = str(data[-1]["id"])

    async def list_payouts(
        self,
        *,
        created_gte: datetime | None = None,
        arrival_gte: date | None = None,
        status: str | None = None,
    ) -> AsyncIterator[Payout]:
        """Payouts newest first, filtered by creation time, arrival date and status."""
        params: dict[str, Any] = {}
        if created_gte is not None:
            params["created"] = {"gte": _epoch(created_gte)}
        if arrival_gte is not None:
            params["arrival_date"] = {"gte": _epoch(arrival_gte)}
        if status is not None:
            params["status"] = status
        async for obj in self._pages("listing payouts", "/v1/payouts", params):
            yield payout_from_stripe(obj)

    async def get_payout(self, payout_id: str) -> Payout:
        if not payout_id or "/" in payout_id:
            raise PermanentError(f"not a Stripe payout id: {payout_id!r}")
        obj = await self._get(f"reading payout {payout_id}", f"/v1/payouts/{payout_id}")
        return payout_from_stripe(obj)

    async def payout_lines(self, payout: Payout) -> AsyncIterator[PayoutLine]:
        """The balance transactions an automatic payout paid out, sources expanded, without its own one."""
        if payout.reconciliation != "itemised":
            kind = "manual" if not payout.automatic else "instant"
            raise PermanentError(
                f"Stripe itemises automatic standard payouts only; {payout.payout_id} is a {kind} payout, so "
                "its lines must be reconciled by date window", code="not_itemised")
        params = {"payout": payout.payout_id, "expand": ["data.source"]}
        async for bt in self._pages(f"listing the lines of payout {payout.payout_id}",
                                    "/v1/balance_transactions", params):
            if is_payout_own_line(bt, payout.payout_id):
                continue
            yield line_from_balance_transaction(bt)
