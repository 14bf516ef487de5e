"""Map BigCommerce responses onto the shared error taxonomy (:mod:`connectors.http`).

BigCommerce error bodies come in three shapes, all kept in the raised error's message/details:

- V2: a JSON array ``[{"status": 400, "message": "..."}]``
- V3: ``{"status": 422, "title": "...", "type": "...", "errors": {"field": "why"}}``
- batch: ``{"batch_errors": [{"status", "title", "errors"}, ...]}``
"""

from __future__ import annotations

from typing import Any

from connectors.http import (
    ConnectorError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    classify_status,
)


class BigCommerceError(PermanentError):
    """A permanent BigCommerce error (validation, permission...) carrying the API's own message."""


class ValidationError(BigCommerceError):
    """400/413/415/422: the request itself is wrong."""


class AuthError(BigCommerceError):
    """401/403: bad token or missing OAuth scope."""


def error_message(body: Any, fallback: str) -> str:
    """The most useful text in a BigCommerce error body."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return "; ".join(str(item.get("message") or item.get("title") or item) for item in body)
    if isinstance(body, dict):
        if isinstance(body.get("batch_errors"), list):
            return "; ".join(error_message(item, fallback) for item in body["batch_errors"]) or fallback
        title = body.get("title") or body.get("message") or body.get("error")
        errors = body.get("errors")
        if title and errors:
            return f"{title}: {errors}"
        if title:
            return str(title)
        if isinstance(body.get("data"), list):  # refunds 422: {"data": [ErrorResponse]}
            return error_message(body["data"], fallback)
    return fallback


def reset_seconds(headers: Any) -> float | None:
    """Seconds until the quota window resets, from ``X-Rate-Limit-Time-Reset-Ms`` or ``X-Retry-After``."""
    raw = headers.get("X-Rate-Limit-Time-Reset-Ms")
    if raw is not None:
        try:
            return max(0.0, int(raw) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("X-Retry-After")
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    return None


def error_for(status: int, body: Any, headers: Any, *, endpoint: str = "") -> ConnectorError:
    """The taxonomy error for a non-2xx response."""
    message = error_message(body, f"BigCommerce {endpoint or 'request'} failed")
    code = body.get("type") if isinstance(body, dict) and isinstance(body.get("type"), str) else None
    if status == 429:
        return RateLimitedError(message, retry_after=reset_seconds(headers), status=status, details=body)
    cls = classify_status(status)
    if issubclass(cls, RetryableError):
        return cls(message, status=status, code=code, details=body)
    if status in (401, 403):
        return AuthError(message, status=status, code=code, details=body)
    if status in (400, 413, 415, 422):
        return ValidationError(message, status=status, code=code, details=body)
    return cls(message, status=status, code=code, details=body)
