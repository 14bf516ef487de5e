"""What one order holds of each SKU (``streams.inventory.holds``)."""

from __future__ import annotations

from decimal import Decimal

from streams.inventory.holds import held_quantities
from tests.support.orders import snapshot


def test_an_open_order_holds_its_quantities_per_sku() -> None:
    order = snapshot(lines=[("A", Decimal("1"), 2, Decimal(0)), ("B", Decimal("1"), 1, Decimal(0)),
                            ("A", Decimal("1"), 3, Decimal(0))])
    assert held_quantities(order, {5}) == {"A": Decimal(5), "B": Decimal(1)}


def test_a_released_or_deleted_order_holds_nothing() -> None:
    order = snapshot(status_id=5)
    assert held_quantities(order, {5}) == {}
    assert held_quantities(snapshot().model_copy(update={"is_deleted": True}), {5}) == {}
