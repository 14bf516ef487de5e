"""The demo's warehouse: people in NetSuite shipping a share of the web orders, as they would by hand.

``o2c run --demo`` starts the NetSuite sandbox with ``--demo-warehouse SHARE``: every couple of seconds,
each sales order at least ``delay`` seconds old that has not been looked at is shipped or left open,
decided from its externalId (the same orders ship in every demo run):

- ``SHARE`` of them ship; of those, about 20% ship partially (part of the first line now, the rest one
  more ``delay`` later, as a second fulfilment) and about 10% go out in two packed cartons, each with its
  own tracking number (the contents recorded per carton, as NetSuite WMS does);
- the rest ship complete in one package.

Carriers and tracking numbers follow the real formats (UPS ``1Z…``, FedEx 12 digits, USPS 22 digits,
DHL 10 digits), so the fulfilments flow maps them to BigCommerce's ``tracking_carrier`` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox import warehouse

log = logging.getLogger(__name__)

#: (ship method, carrier, tracking number generator)
CARRIERS: tuple[tuple[str, str, Callable[[random.Random], str]], ...] = (
    ("UPS Ground", "UPS", lambda r: "1Z" + "".join(r.choices("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", k=16))),
    ("FedEx 2Day", "FedEx", lambda r: "".join(r.choices("0123456789", k=12))),
    ("USPS Priority Mail", "USPS", lambda r: "9400" + "".join(r.choices("0123456789", k=18))),
    ("DHL Express Worldwide", "DHL", lambda r: "".join(r.choices("0123456789", k=10))),
)
FULFILLABLE = {"InvtPart", "NonInvtPart", "Kit", "Assembly"}


def _bucket(key: str) -> int:
    """0–9999, stable for a key."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10_000


def open_lines(order: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
    """(order line, quantity still to ship) of the order's item lines that the warehouse can ship."""
    found = []
    for line in (order.get("item") or {}).get("items") or []:
        kind = line.get("itemType")
        kind = kind.get("id") if isinstance(kind, dict) else kind
        if kind is not None and kind not in FULFILLABLE:
            continue
        left = Decimal(str(line.get("quantity") or 0)) - Decimal(str(line.get("quantityFulfilled") or 0))
        if left > 0 and line.get("line") is not None:
            found.append((int(line["line"]), left))
    return found


@dataclass(frozen=True)
class Shipment:
    """One fulfilment the warehouse makes: the fulfil route's arguments."""

    lines: list[dict[str, Any]]
    ship_method: str
    carrier: str
    packages: list[dict[str, Any]]
    rest_later: bool = False  # a partial shipment: the rest goes one delay later

    def payload(self) -> dict[str, Any]:
        return {"lines": self.lines, "shipMethod": self.ship_method, "carrier": self.carrier,
                "packages": self.packages}


def plan(order: Mapping[str, Any], share: float, *, second: bool = False) -> Shipment | None:
    """What the warehouse ships of ``order`` now (None: nothing, it stays open)."""
    key = str(order.get("externalId") or order.get("id"))
    bucket = _bucket(key)
    if not second and bucket >= share * 10_000:
        return None
    lines = open_lines(order)
    if not lines:
        return None
    rng = random.Random(f"{key}:{'2' if second else '1'}")
    ship_method, carrier, tracking = CARRIERS[bucket % len(CARRIERS)]
    kind = (bucket // len(CARRIERS)) % 10  # 0–1 partial, 2 two cartons, else complete
    units = sum(quantity for _, quantity in lines)
    if not second and kind <= 1 and units > 1:
        first_line, first_qty = lines[0]
        now = [(first_line, (first_qty + 1) // 2)] if first_qty > 1 else [lines[0]]
        return _one_package(now, ship_method, carrier, tracking(rng), rest_later=True)
    if not second and kind == 2 and units > 1:
        return _two_cartons(lines, ship_method, carrier, [tracking(rng), tracking(rng)])
    return _one_package(lines, ship_method, carrier, tracking(rng))


def _entries(lines: list[tuple[int, Decimal]]) -> list[dict[str, Any]]:
    return [{"orderLine": line, "quantity": str(quantity)} for line, quantity in lines if quantity > 0]


def _one_package(lines: list[tuple[int, Decimal]], ship_method: str, carrier: str, number: str, *,
                 rest_later: bool = False) -> Shipment:
    package = {"tracking": number, "weight": "1.2"}
    return Shipment(_entries(lines), ship_method, carrier, [package], rest_later)


def _two_cartons(lines: list[tuple[int, Decimal]], ship_method: str, carrier: str, numbers: list[str]) -> Shipment:
    """Every unit once, over two cartons: the first line's units split if it is the only line."""
    if len(lines) == 1:
        line, quantity = lines[0]
        first, second = [(line, (quantity + 1) // 2)], [(line, quantity - (quantity + 1) // 2)]
    else:
        half = (len(lines) + 1) // 2
        first, second = lines[:half], lines[half:]
    packages = [
        {"tracking": numbers[0], "carton": "C1", "weight": "1.0", "lines": _entries(first)},
        {"tracking": numbers[1], "carton": "C2", "weight": "1.0", "lines": _entries(second)},
    ]
    return Shipment(_entries(lines), ship_method, carrier, packages)


@dataclass
class DemoWarehouse:
    """The background job: ships what :func:`plan` says, ``delay`` seconds after each order appears."""

    state_of: Callable[[], Any]
    share: float
    delay: float = 8.0
    interval: float = 2.0
    seen: dict[str, float] = field(default_factory=dict)  # sales order id → first seen (monotonic)
    done: set[str] = field(default_factory=set)
    later: dict[str, float] = field(default_factory=dict)  # partially shipped → when to ship the rest
    shipped: int = 0

    def tick(self, now: float) -> None:
        state = self.state_of()
        for order in state.store.all("salesOrder"):
            oid = str(order["id"])
            if oid in self.done:
                continue
            first_seen = self.seen.setdefault(oid, now)
            if oid in self.later:
                if now >= self.later[oid]:
                    self._ship(state, order, plan(order, self.share, second=True))
                    self.later.pop(oid)
                    self.done.add(oid)
                continue
            if now - first_seen < self.delay:
                continue
            shipment = plan(order, self.share)
            self._ship(state, order, shipment)
            if shipment is not None and shipment.rest_later:
                self.later[oid] = now + self.delay
            else:
                self.done.add(oid)

    def _ship(self, state: Any, order: Mapping[str, Any], shipment: Shipment | None) -> None:
        if shipment is None:
            return
        try:
            warehouse.fulfil(state, str(order["id"]), lines=shipment.lines, carrier=shipment.carrier,
                             ship_method=shipment.ship_method, packages=shipment.packages)
            self.shipped += 1
        except Exception as exc:  # a closed or cancelled order: the warehouse moves on
            log.info("demo warehouse did not ship sales order %s: %s", order.get("id"), exc)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.tick(time.monotonic())
            except Exception:  # the demo must not stop on a surprise
                log.exception("demo warehouse tick failed")


@contextlib.asynccontextmanager
async def running(warehouse_job: DemoWarehouse) -> AsyncIterator[DemoWarehouse]:
    """Run ``warehouse_job`` in the background for the lifetime of the block."""
    task = asyncio.create_task(warehouse_job.run())
    try:
        yield warehouse_job
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
