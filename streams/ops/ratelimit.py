"""Failed sign-ins counted per user name and per address over a sliding window; too many are refused."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class SignInLimiter:
    """``blocked`` before checking a password; ``failed`` after a wrong one; ``succeeded`` clears the user."""

    def __init__(self, *, per_user: int, per_address: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user, self.per_address, self.window = per_user, per_address, window
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        times = self._failures[key]
        cutoff = self._clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return deque()
        return times

    def blocked(self, user: str, address: str) -> float:
        """Seconds until a sign-in of ``user`` from ``address`` is accepted again (0: now)."""
        waits = []
        for key, limit in ((f"user:{user.lower()}", self.per_user), (f"addr:{address}", self.per_address)):
            times = self._recent(key)
            if len(times) >= limit:
                waits.append(times[len(times) - limit] + self.window - self._clock())
        return max(waits, default=0.0)

    def failed(self, user: str, address: str) -> None:
        now = self._clock()
        if len(self._failures) > 10_000:  # many names tried: forget the expired ones so memory stays bounded
            for key in list(self._failures):
                self._recent(key)
        self._failures[f"user:{user.lower()}"].append(now)
        self._failures[f"addr:{address}"].append(now)

    def succeeded(self, user: str) -> None:
        self._failures.pop(f"user:{user.lower()}", None)
