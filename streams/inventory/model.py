"""Pure inventory logic (no I/O): per-location figures, the published quantity, coalescing, batching.

- :class:`SkuStock` — every NetSuite location's figure for one SKU; a figure older than the stored one
  for its location is ignored. Serialised as compact JSON bytes for a Faust table.
- :func:`targets` — what BigCommerce should show: per BigCommerce location, the sum of *available*
  over the included NetSuite locations mapped to it, minus the safety buffer and the held order
  quantities (taken from the largest location first), floored at zero.
- :class:`Coalescer` — pending writes per SKU, latest wins, low stock first.
- :func:`plan_batches` — adjustment items in batches of at most the API limit, priority batches first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import orjson

Targets = dict[int, int]  # BigCommerce location id → quantity


@dataclass(frozen=True)
class LocationFigure:
    available: Decimal
    on_hand: Decimal
    committed: Decimal
    last_modified: datetime


@dataclass
class SkuStock:
    locations: dict[str, LocationFigure] = field(default_factory=dict)

    @property
    def as_of(self) -> datetime | None:
        """The newest NetSuite reading for this SKU (the source reads every location of a poll at once)."""
        return max((f.last_modified for f in self.locations.values()), default=None)

    def apply(self, location_id: str, figure: LocationFigure) -> bool:
        """Store ``figure`` unless an older one than stored; True if anything changed."""
        current = self.locations.get(location_id)
        if current is not None and figure.last_modified < current.last_modified:
            return False
        if current == figure:
            return False
        self.locations[location_id] = figure
        return True

    def encode(self) -> bytes:
        return orjson.dumps({
            loc: [str(f.available), str(f.on_hand), str(f.committed), f.last_modified.isoformat()]
            for loc, f in self.locations.items()
        })

    @classmethod
    def decode(cls, raw: bytes | None) -> SkuStock:
        if not raw:
            return cls()
        data = orjson.loads(raw)
        return cls({loc: LocationFigure(Decimal(v[0]), Decimal(v[1]), Decimal(v[2]), datetime.fromisoformat(v[3]))
                    for loc, v in data.items()})


@dataclass(frozen=True)
class AggregationConfig:
    locations: frozenset[str]
    default_buffer: Decimal = Decimal(0)
    sku_buffers: Mapping[str, Decimal] = field(default_factory=dict)
    location_map: Mapping[str, int] = field(default_factory=dict)
    default_bc_location: int = 1
    low_stock_threshold: int = 5

    def buffer_for(self, sku: str, item_buffer: Decimal | None) -> Decimal:
        """Configuration per SKU, else the NetSuite item field, else the global default."""
        if sku in self.sku_buffers:
            return self.sku_buffers[sku]
        if item_buffer is not None:
            return item_buffer
        return self.default_buffer

    def bc_locations(self) -> list[int]:
        """Every BigCommerce location a SKU is published to (so a location that empties is set to 0)."""
        return sorted({self.location_map.get(loc, self.default_bc_location) for loc in self.locations})


def targets(stock: SkuStock, config: AggregationConfig, *, buffer: Decimal, held: Decimal = Decimal(0)) -> Targets:
    """The quantity per BigCommerce location (whole units, never negative)."""
    sums: dict[int, Decimal] = {loc: Decimal(0) for loc in config.bc_locations()}
    for loc, figure in stock.locations.items():
        if loc in config.locations:
            bc = config.location_map.get(loc, config.default_bc_location)
            sums[bc] += figure.available
    # Negative available (back orders) at one location must not eat another's stock: clamp per location.
    quantities = {bc: max(Decimal(0), total) for bc, total in sums.items()}
    reduce = max(Decimal(0), buffer) + max(Decimal(0), held)
    for bc in sorted(quantities, key=lambda b: (-quantities[b], b)):
        if reduce <= 0:
            break
        taken = min(quantities[bc], reduce)
        quantities[bc] -= taken
        reduce -= taken
    return {bc: math.floor(q) for bc, q in quantities.items()}


def total(quantities: Mapping[int, int]) -> int:
    return sum(quantities.values())


def is_low(quantities: Mapping[int, int], threshold: int) -> bool:
    return total(quantities) <= threshold


def encode_targets(quantities: Mapping[int, int]) -> bytes:
    return orjson.dumps({str(k): v for k, v in sorted(quantities.items())})


def decode_targets(raw: bytes | None) -> Targets | None:
    if not raw:
        return None
    return {int(k): int(v) for k, v in orjson.loads(raw).items()}


# --------------------------------------------------------------------------- coalescing


@dataclass
class Pending:
    sku: str
    quantities: Targets
    high: bool
    first_seen: float  # monotonic time of the oldest change this entry stands for
    changed_at: float  # wall time of that change (for latency metrics)
    attempts: int = 0
    not_before: float = 0.0  # retry delay after a failure


class Coalescer:
    """Pending writes, one per SKU: a newer change replaces the value and keeps the oldest timestamp.

    Entries stay in arrival order (a dict), so the oldest is found without scanning; only entries put
    back after a failure (``not_before`` in the future) need a scan, and only while there are any.
    """

    def __init__(self) -> None:
        self._items: dict[str, Pending] = {}
        self._high = 0
        self._delayed_until = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def put(self, sku: str, quantities: Targets, *, high: bool, now: float, wall: float = 0.0) -> None:
        current = self._items.get(sku)
        if current is None:
            self._items[sku] = Pending(sku, dict(quantities), high, now, wall)
            self._high += high
            return
        self._high += int(high) - int(current.high)
        current.quantities = dict(quantities)
        current.high = high
        current.not_before = min(current.not_before, now)

    def put_back(self, entry: Pending, *, not_before: float) -> None:
        """A failed write goes back unless a newer value arrived meanwhile (that one wins)."""
        if entry.sku in self._items:
            return
        entry.attempts += 1
        entry.not_before = not_before
        self._delayed_until = max(self._delayed_until, not_before)
        self._items[entry.sku] = entry
        self._high += entry.high

    def oldest(self, *, high: bool | None = None) -> float | None:
        if high is True and self._high == 0:
            return None
        if high is False and self._high == len(self._items):
            return None
        if high is None and self._delayed_until == 0.0:
            return next(iter(self._items.values())).first_seen if self._items else None
        times = [p.first_seen for p in self._items.values() if high is None or p.high == high]
        if self._delayed_until == 0.0 and times:
            return times[0]
        return min(times, default=None)

    def ready_count(self, now: float) -> int:
        if now >= self._delayed_until:
            self._delayed_until = 0.0
            return len(self._items)
        return sum(1 for p in self._items.values() if p.not_before <= now)

    def take(self, limit_items: int, now: float, *, routine: bool = True) -> list[Pending]:
        """Up to ``limit_items`` adjustment items' worth of entries: low stock first, then oldest first."""
        ready = [p for p in self._items.values() if p.not_before <= now and (routine or p.high)]
        ready.sort(key=lambda p: (not p.high, p.first_seen))
        out: list[Pending] = []
        used = 0
        for entry in ready:
            size = max(1, len(entry.quantities))
            if used + size > limit_items:
                break
            out.append(entry)
            used += size
        for entry in out:
            del self._items[entry.sku]
            self._high -= entry.high
        return out


def flush_due(coalescer: Coalescer, now: float, *, window: float, batch_items: int, catching_up: bool,
              max_hold: float, bursting: bool = False, full: bool = False) -> tuple[bool, bool]:
    """Whether to write now, and whether routine entries may go: (flush, routine).

    Low stock goes once its window has passed. Routine stock goes once its window has passed — unless
    the flow is catching up on a backlog or changes arrive in a burst (faster than a batch fills per
    window), when it waits for them to settle (later values of the same SKUs are probably on their way;
    latest wins) up to ``max_hold``. A full buffer (``full``) always drains.
    """
    if coalescer.ready_count(now) == 0:
        return False, False
    oldest_high = coalescer.oldest(high=True)
    high_due = oldest_high is not None and now - oldest_high >= window
    oldest_routine = coalescer.oldest(high=False)
    routine_due = False
    if oldest_routine is not None:
        age = now - oldest_routine
        if full:
            routine_due = True
        elif catching_up or bursting:
            routine_due = age >= max_hold
        else:
            routine_due = age >= window
    if routine_due:
        return True, True
    return high_due, False


def plan_batches(entries: Iterable[Pending], limit_items: int) -> list[list[Pending]]:
    """Group entries into batches of at most ``limit_items`` items; batches with low stock first."""
    ordered = sorted(entries, key=lambda p: (not p.high, p.first_seen))
    batches: list[list[Pending]] = []
    current: list[Pending] = []
    used = 0
    for entry in ordered:
        size = max(1, len(entry.quantities))
        if current and used + size > limit_items:
            batches.append(current)
            current, used = [], 0
        current.append(entry)
        used += size
    if current:
        batches.append(current)
    return batches


def drift(bc: Mapping[int, int] | None, target: Mapping[int, int]) -> dict[int, tuple[int | None, int]]:
    """Locations where BigCommerce differs from the target: {location: (BigCommerce, target)}."""
    out: dict[int, tuple[int | None, int]] = {}
    for loc, want in target.items():
        have = None if bc is None else bc.get(loc)
        if have != want:
            out[loc] = (have, want)
    return out
