"""The demo warehouse's choices: which orders ship, partially, in two cartons, with real-looking numbers."""

from __future__ import annotations

from decimal import Decimal

from connectors.netsuite.sandbox.demo_warehouse import CARRIERS, open_lines, plan


def order(n: int, lines: list[tuple[int, int]], fulfilled: dict[int, int] | None = None) -> dict[str, object]:
    fulfilled = fulfilled or {}
    return {"id": str(n), "externalId": f"BC-SO-demo-{n}", "item": {"items": [
        {"line": line, "quantity": qty, "quantityFulfilled": fulfilled.get(line, 0), "itemType": {"id": "InvtPart"}}
        for line, qty in lines] + [{"line": 99, "quantity": 1, "itemType": {"id": "Discount"}}]}}


def shipped_units(shipment: object) -> Decimal:
    return sum((Decimal(e["quantity"]) for e in shipment.lines), Decimal(0))  # type: ignore[attr-defined]


def test_only_item_lines_with_something_left_are_open() -> None:
    assert open_lines(order(1, [(1, 2), (2, 1)], {2: 1})) == [(1, Decimal(2))]


def test_the_share_decides_how_many_orders_ship() -> None:
    plans = [plan(order(n, [(1, 3), (2, 2)]), 0.6) for n in range(2000)]
    shipped = [p for p in plans if p is not None]
    assert 0.55 < len(shipped) / len(plans) < 0.65
    assert plan(order(1, [(1, 3)]), 0.0) is None


def test_partial_and_two_carton_shipments_appear_and_ship_every_unit_once() -> None:
    plans = [p for n in range(2000) if (p := plan(order(n, [(1, 3), (2, 2)]), 1.0)) is not None]
    partial = [p for p in plans if p.rest_later]
    cartons = [p for p in plans if len(p.packages) == 2]
    assert 0.15 < len(partial) / len(plans) < 0.25 and 0.05 < len(cartons) / len(plans) < 0.15
    for p in cartons:
        in_cartons = sum(Decimal(e["quantity"]) for pkg in p.packages for e in pkg["lines"])
        assert in_cartons == shipped_units(p) == 5
        assert p.packages[0]["tracking"] != p.packages[1]["tracking"]
    for p in partial:
        assert 0 < shipped_units(p) < 5


def test_the_rest_of_a_partial_order_ships_in_full_the_second_time() -> None:
    n = next(n for n in range(2000) if (p := plan(order(n, [(1, 3)]), 1.0)) and p.rest_later)
    rest = plan(order(n, [(1, 3)], {1: 2}), 1.0, second=True)
    assert rest is not None and rest.lines == [{"orderLine": 1, "quantity": "1"}] and not rest.rest_later


def test_tracking_numbers_look_like_each_carriers() -> None:
    methods = {p.ship_method: p.packages[0]["tracking"] for n in range(200)
               if (p := plan(order(n, [(1, 1)]), 1.0)) is not None}
    assert set(methods) == {m for m, _, _ in CARRIERS}
    assert methods["UPS Ground"].startswith("1Z") and len(methods["UPS Ground"]) == 18
    assert len(methods["FedEx 2Day"]) == 12 and methods["FedEx 2Day"].isdigit()
    assert len(methods["USPS Priority Mail"]) == 22
