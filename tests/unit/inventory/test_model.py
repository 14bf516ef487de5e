"""Pure inventory logic: aggregation, buffers, the zero floor, coalescing, batching and priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from state.inventory import BcItemRef
from streams.inventory.model import (
    AggregationConfig,
    Coalescer,
    LocationFigure,
    Pending,
    SkuStock,
    decode_targets,
    drift,
    encode_targets,
    flush_due,
    is_low,
    plan_batches,
    targets,
)
from streams.inventory.settings import InventorySettings
from streams.inventory.writer import adjustment_items

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = AggregationConfig(locations=frozenset({"1", "2"}))


def fig(available: str | int, at: datetime = T0) -> LocationFigure:
    return LocationFigure(Decimal(available), Decimal(available), Decimal(0), at)


def stock(**by_location: str | int) -> SkuStock:
    s = SkuStock()
    for loc, qty in by_location.items():
        s.apply(loc.lstrip("l"), fig(qty))
    return s


def test_sum_over_included_locations_only() -> None:
    assert targets(stock(l1=10, l2=5, l3=100), CONFIG, buffer=Decimal(0)) == {1: 15}


def test_buffer_and_holds_are_subtracted_and_floored_at_zero() -> None:
    assert targets(stock(l1=10, l2=5), CONFIG, buffer=Decimal(4)) == {1: 11}
    assert targets(stock(l1=10, l2=5), CONFIG, buffer=Decimal(4), held=Decimal(3)) == {1: 8}
    assert targets(stock(l1=2), CONFIG, buffer=Decimal(3)) == {1: 0}


def test_negative_available_does_not_eat_other_locations_when_mapped_apart() -> None:
    mapped = AggregationConfig(locations=frozenset({"1", "2"}), location_map={"1": 1, "2": 2})
    assert targets(stock(l1="-4", l2=6), mapped, buffer=Decimal(0)) == {1: 0, 2: 6}
    # one BigCommerce location: the location figures are summed (back orders net against stock)
    assert targets(stock(l1="-4", l2=6), CONFIG, buffer=Decimal(0)) == {1: 2}


def test_buffer_is_taken_from_the_largest_location_first() -> None:
    mapped = AggregationConfig(locations=frozenset({"1", "2"}), location_map={"1": 1, "2": 2})
    assert targets(stock(l1=3, l2=10), mapped, buffer=Decimal(12)) == {1: 1, 2: 0}


def test_fractional_units_round_down() -> None:
    assert targets(stock(l1="2.7"), CONFIG, buffer=Decimal("0.5")) == {1: 2}


def test_buffer_precedence_configuration_then_item_then_default() -> None:
    config = AggregationConfig(locations=frozenset({"1"}), default_buffer=Decimal(2),
                               sku_buffers={"A": Decimal(5)})
    assert config.buffer_for("A", Decimal(1)) == 5
    assert config.buffer_for("B", Decimal(1)) == 1
    assert config.buffer_for("C", None) == 2


def test_older_figures_are_ignored_and_encoding_round_trips() -> None:
    s = SkuStock()
    assert s.apply("1", fig(5, T0))
    assert not s.apply("1", fig(99, T0 - timedelta(seconds=1)))
    assert not s.apply("1", fig(5, T0))  # the same figure again: no change
    assert s.apply("1", fig(7, T0 + timedelta(seconds=1)))
    again = SkuStock.decode(s.encode())
    assert again == s and again.as_of == T0 + timedelta(seconds=1)
    assert decode_targets(encode_targets({1: 3, 2: 0})) == {1: 3, 2: 0}


def test_coalescing_latest_wins_and_keeps_the_oldest_time() -> None:
    c = Coalescer()
    c.put("A", {1: 5}, high=False, now=1.0)
    c.put("A", {1: 6}, high=False, now=2.0)
    c.put("A", {1: 7}, high=False, now=3.0)
    assert len(c) == 1 and c.oldest() == 1.0
    [entry] = c.take(2000, now=4.0)
    assert entry.quantities == {1: 7}


def test_low_stock_goes_first_and_alone_when_routine_must_wait() -> None:
    c = Coalescer()
    c.put("R1", {1: 50}, high=False, now=0.0)
    c.put("L1", {1: 0}, high=True, now=0.5)
    assert is_low({1: 0}, 5) and is_low({1: 5}, 5) and not is_low({1: 6}, 5)
    # catching up: routine waits for the backlog, low stock goes once its window has passed
    assert flush_due(c, 1.0, window=0.3, batch_items=2000, catching_up=True, max_hold=30) == (True, False)
    taken = c.take(2000, 1.0, routine=False)
    assert [e.sku for e in taken] == ["L1"]
    assert flush_due(c, 1.0, window=0.3, batch_items=2000, catching_up=False, max_hold=30) == (True, True)
    assert flush_due(c, 1.0, window=0.3, batch_items=2000, catching_up=False, max_hold=30, bursting=True) == (
        False, False)
    assert flush_due(c, 31.0, window=0.3, batch_items=2000, catching_up=True, max_hold=30) == (True, True)


def test_batches_respect_the_item_limit_with_priority_batches_first() -> None:
    entries = [Pending(f"S{i}", {1: i, 2: i}, high=(i % 10 == 0), first_seen=float(i), changed_at=0.0)
               for i in range(2500)]
    batches = plan_batches(entries, 2000)
    assert all(sum(len(e.quantities) for e in b) <= 2000 for b in batches)
    assert sum(len(b) for b in batches) == 2500
    assert all(e.high for e in batches[0][:250])
    assert len(batches) == 3  # 5,000 items in batches of at most 2,000


def test_take_stops_at_the_item_limit() -> None:
    c = Coalescer()
    for i in range(3000):
        c.put(f"S{i}", {1: 1}, high=False, now=float(i))
    assert len(c.take(2000, 5000.0)) == 2000
    assert len(c) == 1000


def test_a_failed_write_goes_back_unless_a_newer_value_arrived() -> None:
    c = Coalescer()
    entry = Pending("A", {1: 1}, high=False, first_seen=0.0, changed_at=0.0)
    c.put_back(entry, not_before=10.0)
    assert c.ready_count(5.0) == 0 and c.ready_count(10.0) == 1
    c.put("B", {1: 2}, high=False, now=11.0)
    newer = Pending("B", {1: 1}, high=False, first_seen=0.0, changed_at=0.0)
    c.put_back(newer, not_before=20.0)
    assert [e.quantities for e in c.take(2000, 12.0) if e.sku == "B"] == [{1: 2}]


def test_adjustments_name_the_variant_or_the_product_by_tracking() -> None:
    entry = Pending("A", {1: 3, 2: 4}, high=False, first_seen=0.0, changed_at=0.0)
    by_variant = adjustment_items(entry, BcItemRef("A", 10, 77, "variant"))
    assert [i.body() for i in by_variant] == [{"location_id": 1, "quantity": 3, "variant_id": 77},
                                              {"location_id": 2, "quantity": 4, "variant_id": 77}]
    by_product = adjustment_items(entry, BcItemRef("A", 10, 77, "product"))
    assert by_product[0].body() == {"location_id": 1, "quantity": 3, "product_id": 10}


def test_drift_lists_only_differing_locations() -> None:
    assert drift({1: 5, 2: 3}, {1: 5, 2: 4}) == {2: (3, 4)}
    assert drift(None, {1: 5}) == {1: (None, 5)}
    assert drift({1: 5}, {1: 5}) == {}


def test_settings_default_to_off_with_the_retail_store_excluded() -> None:
    settings = InventorySettings()
    assert settings.enabled is False
    assert "3" not in settings.locations and settings.batch_size == 2000
