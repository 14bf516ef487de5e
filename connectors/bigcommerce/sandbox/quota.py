"""BigCommerce's windowed request quota, with its four response headers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .config import SandboxConfig


class WindowQuota:
    """A fixed window of ``window_ms`` allowing ``quota`` requests; a 429 does not consume quota."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self.window_start = clock()
        self.used = 0

    def _roll(self, now: float) -> None:
        window = self.config.window_ms / 1000.0
        if now >= self.window_start + window:
            elapsed = now - self.window_start
            self.window_start += window * math.floor(elapsed / window)
            self.used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        """Consume one request if the quota allows; returns (allowed, headers for the response)."""
        now = self._clock()
        self._roll(now)
        quota = self.config.effective_quota
        allowed = self.used < quota
        if allowed:
            self.used += 1
        return allowed, self.headers(now)

    def headers(self, now: float | None = None) -> dict[str, str]:
        now = self._clock() if now is None else now
        self._roll(now)
        window_ms = self.config.window_ms
        reset_ms = max(1, math.ceil((self.window_start + window_ms / 1000.0 - now) * 1000))
        quota = self.config.effective_quota
        return {
            "X-Rate-Limit-Time-Window-Ms": str(window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(quota),
            "X-Rate-Limit-Requests-Left": str(max(0, quota - self.used)),
        }

    def exempt_headers(self) -> dict[str, str]:
        """Headers for a request not charged to the quota: the whole quota left, so its caller never paces."""
        headers = self.headers()
        headers["X-Rate-Limit-Requests-Left"] = headers["X-Rate-Limit-Requests-Quota"]
        return headers

    def reset(self) -> None:
        self.window_start = self._clock()
        self.used = 0
