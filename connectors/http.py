"""Shared HTTP plumbing for every connector: the error taxonomy and the retry policy.

Callers decide what to do from the *class* of an error, never by parsing strings::

    ConnectorError
    ├── RetryableError            try again after a back-off (429, 5xx, network, timeouts)
    │   ├── RateLimitedError      the API said "slow down"; ``retry_after`` says for how long
    │   └── TransientNetworkError connection refused/reset, read timeout: outcome unknown
    ├── RereadError               re-read the record, then retry (record changed, workflow lock)
    └── PermanentError            retrying cannot help (validation, permission, not found)
        ├── NotFoundError
        └── AlreadyExistsError    the record is already there (an idempotent write succeeded before)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


class ConnectorError(Exception):
    """Base class of every error a connector raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}{', ' + self.code if self.code else ''})")
        return " ".join(parts)


class RetryableError(ConnectorError):
    """A failure that may succeed if the same request is sent again later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    """The API's quota or concurrency limit was hit (HTTP 429)."""


class TransientNetworkError(RetryableError):
    """No usable response: connection error or timeout. The write may or may not have happened."""


class RereadError(ConnectorError):
    """The record changed underneath us or is locked: re-read it, then retry."""


class PermanentError(ConnectorError):
    """Retrying the same request cannot succeed; a person or a code change must act."""


class NotFoundError(PermanentError):
    """The record or endpoint does not exist."""


class AlreadyExistsError(PermanentError):
    """The record already exists; with an idempotency key this means an earlier attempt succeeded."""


#: Longest error text kept (one line).
MAX_ERROR = 500


def one_line(error: BaseException) -> str:
    """``Type: message`` with all whitespace collapsed, at most :data:`MAX_ERROR` characters: how an error
    is kept in a record or a log field."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def classify_status(status: int) -> type[ConnectorError]:
    """The error class a bare HTTP status maps to, when the body says nothing more specific."""
    if status == 429:
        return RateLimitedError
    if status in (408, 425) or status >= 500:
        return RetryableError
    if status == 404:
        return NotFoundError
    if status == 409:
        return AlreadyExistsError
    return PermanentError


@dataclass
class Backoff:
    """Jittered exponential back-off ("full jitter"): ``uniform(0, min(cap, base * 2**attempt))``."""

    base: float = 0.2
    cap: float = 30.0
    max_attempts: int = 8
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, *, at_least: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based); never below ``at_least``."""
        ceiling = min(self.cap, self.base * (2**attempt))
        wait = self.rng.uniform(0, ceiling)
        if at_least is not None:
            wait = max(wait, at_least)
        return wait

    def exhausted(self, attempt: int) -> bool:
        return attempt + 1 >= self.max_attempts
