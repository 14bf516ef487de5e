"""backlog: work piling up — the worker group's consumer lag stays above the maximum, or orders wait for
NetSuite (parked after a transient failure) longer than the threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from state.alerts import Waiting
from streams.alerts.firing import Firing, since, span


@dataclass(frozen=True)
class Lag:
    """Messages not yet consumed by the group, per topic (end offset − committed offset)."""

    group: str
    by_topic: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_topic.values())


def lag_above_since(lag: Lag, previous: datetime | None, now: datetime, *, maximum: int) -> datetime | None:
    """Since when the lag has been above ``maximum`` (None: it is not): the rule's memory between rounds."""
    if lag.total <= maximum:
        return None
    return previous or now


def backlog_lag(lag: Lag, above_since: datetime | None, now: datetime, *, maximum: int,
                lag_minutes: float) -> list[Firing]:
    if above_since is None or (now - above_since).total_seconds() < lag_minutes * 60:
        return []
    top = sorted(((n, t) for t, n in lag.by_topic.items() if n > 0), reverse=True)[:5]
    worst = ", ".join(f"{t}: {n:,}" for n, t in top)
    return [Firing(
        subject=f"lag:{lag.group}",
        message=(f"The worker group {lag.group} is {lag.total:,} messages behind ({worst}), "
                 f"above {maximum:,} for {span((now - above_since).total_seconds())}. Events wait in Kafka (nothing "
                 "is lost), but orders, stock and shipments are late. Check that every worker is up and not "
                 "restarting, whether NetSuite or BigCommerce is slowing the writers (o2c_netsuite_slots_in_use, "
                 "429s), and add workers (up to the topics' partitions) if it is load. Closes when the lag falls "
                 "below the maximum."),
        payload={"group": lag.group, "lag": lag.by_topic, "total": lag.total,
                 "above_since": above_since.isoformat()})]


def backlog_waiting(waiting: Waiting, now: datetime, *, waiting_minutes: float) -> list[Firing]:
    if waiting.count == 0:
        return []
    return [Firing(
        subject="orders:waiting",
        message=(f"{waiting.count} order{'s' if waiting.count != 1 else ''} have waited more than "
                 f"{span(waiting_minutes * 60)} for NetSuite after a failed write (the oldest since "
                 f"{since(waiting.oldest, now)}); o2c keeps retrying them. Check the worker's log for the NetSuite "
                 "error (unavailable, timeouts, concurrency) and NetSuite's status; they are written by themselves "
                 "once NetSuite answers, and this alert then closes."),
        payload={"count": waiting.count, "oldest": waiting.oldest.isoformat() if waiting.oldest else None})]
