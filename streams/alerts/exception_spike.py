"""exception_spike: more new exceptions of one kind in the window than the threshold (owner: the kind's)."""

from __future__ import annotations

from typing import cast

from state.exceptions import OWNERS, Owner
from streams.alerts.firing import Firing, span


def exception_spike(counts: list[tuple[str, str, int]], *, threshold: int, window_minutes: float) -> list[Firing]:
    """``counts``: (kind, owner, exceptions opened in the window); one firing per kind above ``threshold``."""
    out = []
    for kind, owner, n in counts:
        if n <= threshold or owner not in OWNERS:
            continue
        out.append(Firing(
            subject=kind, owner=cast(Owner, owner),
            message=(f"{n} new {kind} exceptions in the last {span(window_minutes * 60)} (more than {threshold}): "
                     "something changed that affects many objects at once — a setting, a mapping, a catalogue or "
                     f"account change, an outage. Open the {kind} exceptions (filter by kind), fix the common cause "
                     "once, then retry them in bulk (o2c exceptions retry --kind …) where retry is offered. This "
                     "alert closes when the rate falls back under the threshold."),
            payload={"kind": kind, "count": n, "window_minutes": window_minutes}))
    return out
