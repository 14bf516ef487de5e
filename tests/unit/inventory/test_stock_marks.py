"""The inventory writer keeps the stock marks the stock_stale alert reads: queued once per wait, settled when
BigCommerce took the SKU (or never needs it), a newer pending change starting the next wait."""

from __future__ import annotations

import time
from typing import Any

from state.inventory import BcItemRef
from streams.inventory.settings import InventorySettings
from streams.inventory.writer import CatalogueMap, InventoryWriter


class Marks:
    def __init__(self) -> None:
        self.queued: list[str] = []
        self.settled: list[tuple[list[tuple[str, float | None]], bool]] = []

    async def queued_(self, sku: str, at: float) -> None:
        self.queued.append(sku)

    async def settled_(self, settled: list[tuple[str, float | None]], *, written: bool = True) -> None:
        self.settled.append((list(settled), written))


class Client:
    async def adjust_inventory_absolute(self, items: Any, **kwargs: Any) -> None:
        return None


async def test_marks_follow_each_sku_from_queued_to_written() -> None:
    marks = Marks()
    recorder: Any = type("R", (), {"queued": marks.queued_, "settled": marks.settled_})()

    async def client() -> Any:
        return Client()

    async def pool() -> Any:
        raise AssertionError("no database needed")

    catalogue = CatalogueMap("s1")
    catalogue._index({"A": BcItemRef("A", 1, 11, "variant"), "B": BcItemRef("B", 2, 22, "variant")})
    writer = InventoryWriter(InventorySettings(), client, catalogue, pool, marks=recorder)
    writer._last_catalogue_miss = time.monotonic()  # the catalogue was just read: Z is not re-read
    await writer.put("A", {1: 5}, high=False)
    await writer.put("A", {1: 4}, high=False)  # coalesced: the wait started with the first change
    await writer.put("B", {1: 1}, high=False)
    await writer.put("Z", {1: 9}, high=False)  # BigCommerce does not have it
    assert marks.queued == ["A", "B", "Z"]

    taken = writer.pending.take(100, time.monotonic(), routine=True)
    await writer.put("B", {1: 0}, high=False)  # a newer change of B while its batch is being written
    await writer.write(taken)
    [(untracked, untracked_written), (done, done_written)] = marks.settled
    assert (untracked, untracked_written) == ([("Z", None)], False)
    assert done_written and dict(done)["A"] is None and dict(done)["B"] is not None
