"""What a rule answers: the conditions firing now (an empty list: the alert is clear)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from state.exceptions import Owner


@dataclass(frozen=True)
class Firing:
    """One firing condition about one object (a store, a source, a payout…): its dedupe key is
    ``alert_<name>:<subject>``; ``owner`` overrides the alert's (exception_spike: the kind's owner)."""

    subject: str
    message: str
    owner: Owner | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def span(seconds: float) -> str:
    """A duration in words: ``45 seconds``, ``12 minutes``, ``3.5 hours``, ``2 days``."""
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        hours = seconds / 3600
        return f"{hours:.0f} hours" if hours >= 10 else f"{hours:.1f} hours"
    return f"{seconds / 86400:.0f} days"


def since(then: datetime | None, now: datetime) -> str:
    """``12 minutes ago`` (or ``never``)."""
    return "never" if then is None else f"{span(max((now - then).total_seconds(), 0.0))} ago"


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)
