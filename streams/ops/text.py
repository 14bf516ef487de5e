"""Plain-English numbers for the page: durations, counts with their noun, ages."""

from __future__ import annotations

from datetime import datetime


def duration(seconds: float) -> str:
    """``42 s``, ``14 min``, ``2 h 5 min``, ``3 days``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def age(then: datetime | None, now: datetime) -> str:
    """``14 min ago``; ``never`` for None."""
    return "never" if then is None else f"{duration((now - then).total_seconds())} ago"


def count(n: float, noun: str, plural: str | None = None) -> str:
    """``1 order``, ``4,210 orders``."""
    whole = int(n)
    return f"{whole:,} {noun if whole == 1 else plural or noun + 's'}"


def rate(per_minute: float | None) -> str:
    """``12/min``, ``0.4/min``, ``—`` when unknown."""
    if per_minute is None:
        return "—"
    return f"{per_minute:,.0f}/min" if per_minute >= 10 else f"{per_minute:.1f}/min"
