"""Scrapes of the workers' Prometheus ``/metrics``: the last two per worker, so counters become rates.

A scrape is a :class:`Snapshot` (sample name + labels → value). :func:`rate_per_minute` compares a
counter across the two latest scrapes of each worker (a worker that restarted counts from zero again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger(__name__)

Labels = frozenset[tuple[str, str]]
Series = tuple[str, Mapping[str, str]]  # a sample name and the labels it must have


@dataclass(frozen=True)
class Snapshot:
    """One scrape of one worker: when, and every sample."""

    at: float
    samples: Mapping[tuple[str, Labels], float]

    def series(self, name: str, **match: str) -> list[tuple[dict[str, str], float]]:
        """The samples called ``name`` whose labels include ``match``."""
        wanted = set(match.items())
        return [(dict(labels), value) for (n, labels), value in self.samples.items()
                if n == name and wanted <= labels]

    def total(self, name: str, **match: str) -> float:
        return sum(value for _, value in self.series(name, **match))


def parse(text: str, at: float) -> Snapshot:
    """Prometheus text exposition → a snapshot (``prometheus_client.parser``)."""
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = float(sample.value)
    return Snapshot(at=at, samples=samples)


@dataclass
class Target:
    """One worker's ``/metrics``: its two latest scrapes and the last error, if the latest failed."""

    url: str
    previous: Snapshot | None = None
    latest: Snapshot | None = None
    error: str | None = None

    def add(self, snapshot: Snapshot) -> None:
        self.previous, self.latest, self.error = self.latest, snapshot, None


@dataclass(frozen=True)
class Scrapes:
    """What the page reads: each target's two latest snapshots and which targets failed."""

    pairs: Sequence[tuple[Snapshot | None, Snapshot | None]]
    errors: Mapping[str, str] = field(default_factory=dict)

    def latest(self) -> list[Snapshot]:
        return [latest for _, latest in self.pairs if latest is not None]

    def total(self, name: str, **match: str) -> float | None:
        """Σ of a series over the workers' latest scrapes; None when no worker was scraped."""
        latest = self.latest()
        return sum(s.total(name, **match) for s in latest) if latest else None

    def rate_per_minute(self, series: Sequence[Series]) -> float | None:
        """Counters ``series`` (summed) per minute between the two latest scrapes; None without two scrapes."""
        rates = []
        for previous, latest in self.pairs:
            if previous is None or latest is None or latest.at <= previous.at:
                continue
            now = sum(latest.total(name, **match) for name, match in series)
            before = sum(previous.total(name, **match) for name, match in series)
            delta = now - before if now >= before else now  # the worker restarted: its counters began again
            rates.append(delta * 60.0 / (latest.at - previous.at))
        return sum(rates) if rates else None

    def backlog(self, topics: Iterable[str], prefix: str = "o2c_faust") -> int | None:
        """Kafka events not yet read on ``topics``: Faust's end offset less the committed offset, per partition
        (the highest any worker reports); None when no worker reports these topics."""
        wanted = set(topics)
        end: dict[tuple[str, str], float] = {}
        committed: dict[tuple[str, str], float] = {}
        for snapshot in self.latest():
            for into, name in ((end, f"{prefix}_topic_partition_end_offset"),
                               (committed, f"{prefix}_topic_partition_offset_commited")):
                for labels, value in snapshot.series(name):
                    key = (labels.get("topic", ""), labels.get("partition", ""))
                    if key[0] in wanted:
                        into[key] = max(into.get(key, value), value)
        if not end:
            return None
        return int(sum(max(0.0, value - committed.get(key, 0.0)) for key, value in end.items()))


class Scraper:
    """Scrapes every target now and then (``run``) or on demand (``scrape_once``)."""

    def __init__(self, urls: Sequence[str], *, timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.targets = [Target(url) for url in urls]
        self._timeout = timeout
        self._clock = clock

    async def scrape_once(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            await asyncio.gather(*(self._scrape(client, target) for target in self.targets))

    async def _scrape(self, client: httpx.AsyncClient, target: Target) -> None:
        try:
            response = await client.get(target.url)
            response.raise_for_status()
            target.add(parse(response.text, self._clock()))
        except (httpx.HTTPError, ValueError) as exc:
            target.error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("could not read a worker's metrics", extra={"url": target.url, "error": target.error})

    async def run(self, interval: float) -> None:
        """Scrape every ``interval`` seconds until cancelled."""
        while True:
            await self.scrape_once()
            await asyncio.sleep(interval)

    def scrapes(self) -> Scrapes:
        return Scrapes(pairs=[(t.previous, t.latest) for t in self.targets],
                       errors={t.url: t.error for t in self.targets if t.error})
