"""NetSuite error bodies (``o:errorDetails``) mapped onto the shared taxonomy in ``connectors.http``.

NetSuite wraps most business-rule failures in HTTP 400 ``USER_ERROR``; the class is therefore decided
from the status *and* the codes and detail texts, never from ``type``/``title``::

    429 (CONCURRENCY_LIMIT_EXCEEDED)           -> ConcurrencyLimitError (RateLimitedError)
    5xx (UNEXPECTED_ERROR)                     -> RetryableError
    RCRD_HAS_BEEN_CHANGED, workflow lock       -> RecordChangedError (RereadError)
    "already exists", DUP_*, UNIQUE_CUST_ID    -> AlreadyExistsError
    404, NONEXISTENT_ID                        -> NotFoundError
    401 INVALID_LOGIN                          -> AuthenticationError (PermanentError)
    anything else 4xx                          -> PermanentError
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.http import (
    AlreadyExistsError,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RereadError,
    RetryableError,
)
from connectors.netsuite import codec

RECORD_CHANGED_CODES = frozenset({"RCRD_HAS_BEEN_CHANGED", "RCRD_LOCKED_BY_WF"})
RECORD_CHANGED_TEXTS = ("record has been changed", "locked by a user defined workflow")
ALREADY_EXISTS_CODES = frozenset({"DUP_RCRD", "DUP_ENTITY", "UNIQUE_CUST_ID_REQD", "DUP_ITEM"})
ALREADY_EXISTS_TEXTS = ("already exists",)
NOT_FOUND_CODES = frozenset({"NONEXISTENT_ID", "RCRD_DSNT_EXIST"})


class ConcurrencyLimitError(RateLimitedError):
    """HTTP 429 ``CONCURRENCY_LIMIT_EXCEEDED``: the account-wide pool is full; the request did not run."""


class RecordChangedError(RereadError):
    """``RCRD_HAS_BEEN_CHANGED`` or a workflow lock: re-read the record, then retry."""


class IdempotencyConflictError(PermanentError):
    """``IDEMPOTENCY_ERROR``: an async request with this key was already submitted; ``location`` is its job."""

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class AuthenticationError(PermanentError):
    """HTTP 401 ``INVALID_LOGIN`` (bad signature, nonce, clock skew, expired token...)."""


@dataclass(frozen=True)
class ErrorDetail:
    detail: str
    code: str | None = None
    path: str | None = None


def parse_details(body: Any) -> list[ErrorDetail]:
    """The ``o:errorDetails`` of an error body (plus a top-level ``o:errorCode``/``detail`` if present)."""
    if not isinstance(body, dict):
        return []
    details: list[ErrorDetail] = []
    for raw in body.get("o:errorDetails") or []:
        if isinstance(raw, dict):
            details.append(
                ErrorDetail(
                    detail=str(raw.get("detail", "")),
                    code=raw.get("o:errorCode"),
                    path=raw.get("o:errorPath") or raw.get("o:errorQueryParam"),
                )
            )
    if not details and (body.get("o:errorCode") or body.get("detail")):
        details.append(ErrorDetail(detail=str(body.get("detail", "")), code=body.get("o:errorCode")))
    return details


def _classify(status: int, details: list[ErrorDetail]) -> type[ConnectorError]:
    codes = {d.code for d in details if d.code}
    texts = " ".join(d.detail.lower() for d in details)
    if status == 429 or "CONCURRENCY_LIMIT_EXCEEDED" in codes:
        return ConcurrencyLimitError
    if status >= 500 or status in (408, 425):
        return RetryableError
    if codes & RECORD_CHANGED_CODES or any(t in texts for t in RECORD_CHANGED_TEXTS):
        return RecordChangedError
    if codes & ALREADY_EXISTS_CODES or any(t in texts for t in ALREADY_EXISTS_TEXTS):
        return AlreadyExistsError
    if status == 404 or codes & NOT_FOUND_CODES:
        return NotFoundError
    if status == 401:
        return AuthenticationError
    return PermanentError


def error_from_response(
    status: int, content: bytes, *, retry_after: str | None = None, location: str | None = None
) -> ConnectorError:
    """Build the taxonomy error for a non-2xx NetSuite response."""
    try:
        body = codec.loads(content)
    except ValueError:
        body = None
    wait: float | None = None
    if retry_after:
        try:
            wait = float(retry_after)
        except ValueError:
            wait = None
    return error_from_details(status, parse_details(body), retry_after=wait, location=location)


def error_from_details(
    status: int, details: list[ErrorDetail], *, retry_after: float | None = None, location: str | None = None
) -> ConnectorError:
    """The taxonomy error for an HTTP ``status`` and its parsed ``o:errorDetails`` (e.g. an async task's)."""
    cls = _classify(status, details)
    first = next((d for d in details if d.code), details[0] if details else None)
    message = first.detail if first and first.detail else f"NetSuite returned HTTP {status}"
    code = first.code if first else None
    if code == "IDEMPOTENCY_ERROR":
        return IdempotencyConflictError(message, status=status, code=code, details=details, location=location)
    if issubclass(cls, RetryableError):
        return cls(message, status=status, code=code, details=details, retry_after=retry_after)
    return cls(message, status=status, code=code, details=details)
