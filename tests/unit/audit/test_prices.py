from decimal import Decimal

from streams.audit.prices import BcPrice, compare
from streams.prices.records import Tier, Wanted

NAMES = {"2": "Wholesale"}


def w(sku: str, price: str | None, tiers: tuple[Tier, ...] = (), problem: str | None = None) -> Wanted:
    return Wanted("2", sku, "usd", Decimal(price) if price else None, tiers, problem)


def test_equal_records_are_fine() -> None:
    tier = Tier(10, None, Decimal("9.00"))
    bc = {("2", "A", "usd"): BcPrice(Decimal("10.00"), [tier.as_json()])}
    assert compare([w("A", "10.00", (tier,)), w("B", None)], bc, list_names=NAMES) == []


def test_missing_differing_and_extra_records() -> None:
    bc = {("2", "B", "usd"): BcPrice(Decimal("8.00")), ("2", "C", "usd"): BcPrice(Decimal("1.00")),
          ("2", "D", "usd"): BcPrice(Decimal("2.00"))}
    found = compare([w("A", "10.00"), w("B", "9.00"), w("C", None)], bc, list_names=NAMES)
    assert sorted((f.kind, f.bc_id) for f in found) == [("price_differs", "B"), ("price_extra", "C"),
                                                         ("price_extra", "D"), ("price_missing", "A")]


def test_tiers_differ_and_invalid_prices_are_not_compared() -> None:
    bc = {("2", "A", "usd"): BcPrice(Decimal("10.00"))}
    found = compare([w("A", "10.00", (Tier(10, None, Decimal("9.00")),)), w("E", None, problem="negative")], bc,
                    list_names=NAMES)
    assert [f.kind for f in found] == ["price_differs"] and "tiers" in found[0].message


def test_a_level_without_its_list() -> None:
    found = compare([w("A", "10.00")], {}, list_names=NAMES, missing_lists={"2"})
    assert [(f.kind, f.ns_id) for f in found] == [("price_list_missing", "2")]
