"""The demo's order generator builds each order just before sending it, not all of them first.

`o2c run --demo` asks for a million orders: built up front they took 18 s and 2 GB before the first
one was placed, and the demo sat at zero for that long.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from connectors.bigcommerce.models import Variant
from connectors.bigcommerce.sandbox import load


class FakeClient:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def list_variants(self) -> AsyncIterator[Variant]:
        for i in range(8):
            yield Variant(id=i, product_id=i, sku=f"SKU-{i}")

    async def list_customers(self) -> AsyncIterator[Any]:
        guests_only: list[Any] = []
        for customer in guests_only:
            yield customer

    async def create_order(self, body: dict[str, Any]) -> Any:
        self.events.append("placed")
        return SimpleNamespace(id=len([e for e in self.events if e == "placed"]))


async def test_each_order_is_placed_before_the_next_ones_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real = load.order_body

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        events.append("built")
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "order_body", counting)
    ids = await load.generate_orders(FakeClient(events), count=20, rate=1000.0)  # type: ignore[arg-type]
    assert ids == list(range(1, 21))
    assert events.index("placed") <= 2, events  # not after all 20 (or a million) were built
    assert events.count("built") == events.count("placed") == 20
