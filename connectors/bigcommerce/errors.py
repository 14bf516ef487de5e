"""Map BigCommerce responses onto the shared error taxonomy (:mod:`connectors.http`).

BigCommerce error bodies come in three shapes, all kept in the raised error's message/details:

- V2: a JSON array ``[{"status": 400, "message": "..."}]``
- V3: ``{"status": 422, "title": "...", "type": "...", "errors": {"field": "why"}}``
- batch: ``{"batch_errors": [{"status", "title", "errors"}, ...]}``; price records' batch items are
  ``{"data": {price_list_id, variant_id, sku, currency}, "field_errors": {"field": "why"}}``
  (:class:`PriceRecordsRejected` keeps them one by one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class PriceRecordError:
    """One price record BigCommerce refused in a batch upsert, and why (field → message)."""

    variant_id: int | None = None
    sku: str | None = None
    currency: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)

    def matches(self, *, variant_id: int | None, sku: str | None, currency: str) -> bool:
        """Whether this error is about the record (variant id or SKU, and currency when it names one)."""
        if self.currency and self.currency.lower() != currency.lower():
            return False
        if self.variant_id is not None and variant_id is not None:
            return self.variant_id == variant_id
        return self.sku is not None and sku is not None and self.sku == sku


class PriceRecordsRejected(ValidationError):
    """422 to ``PUT /v3/pricelists/{id}/records``: the batch was refused. ``item_errors`` are the records
    BigCommerce named (empty when it only refused the request as a whole); bisect on them."""

    def __init__(self, message: str, *, item_errors: list[PriceRecordError], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.item_errors = item_errors

    @classmethod
    def from_error(cls, err: ValidationError) -> PriceRecordsRejected:
        items = price_record_errors(err.details)
        message = err.message
        if items:
            named = "; ".join(_describe(item) for item in items[:5])
            message = f"{len(items)} price record(s) rejected: {named}" + ("; …" if len(items) > 5 else "")
        return cls(message, item_errors=items, status=err.status, code=err.code, details=err.details)


def _describe(item: PriceRecordError) -> str:
    who = item.sku or (f"variant {item.variant_id}" if item.variant_id is not None else "?")
    why = ", ".join(f"{name}: {text}" for name, text in item.field_errors.items())
    return f"{who} {item.currency or ''} ({why})".replace("  ", " ")


def price_record_errors(body: Any) -> list[PriceRecordError]:
    """The per-record errors of a price records batch 422 body (``batch_errors``), in order."""
    rows = body.get("batch_errors") if isinstance(body, dict) else None
    out: list[PriceRecordError] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        raw = row.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        errors = row.get("field_errors") or row.get("errors") or {}
        variant_id = data.get("variant_id")
        out.append(PriceRecordError(
            variant_id=variant_id if isinstance(variant_id, int) else None,
            sku=str(data["sku"]) if data.get("sku") is not None else None,
            currency=str(data["currency"]) if data.get("currency") is not None else None,
            field_errors={str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {},
        ))
    return out


def error_message(body: Any, fallback: str) -> str:
    """The most useful text in a BigCommerce error body."""
    if isinstance(body, dict) and isinstance(body.get("field_errors"), dict) and body["field_errors"]:
        return "; ".join(f"{k}: {v}" for k, v in body["field_errors"].items())
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
