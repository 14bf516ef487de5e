"""The price record rule, row by row of its table (streams/prices/records.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from streams.contract import NsItemPricing, NsPriceRow
from streams.prices.records import Level, Tier, levels_from, wanted_record, wanted_records
from streams.prices.settings import PricesSettings

WHOLESALE = Level("2", "Wholesale")


def row(price: str, quantity: str = "0", *, level: str = "2", name: str = "Wholesale", currency: str = "USD"
        ) -> NsPriceRow:
    return NsPriceRow(price_level_id=level, price_level_name=name, currency=currency,
                      min_quantity=Decimal(quantity), price=Decimal(price))


def test_no_price_at_the_level_removes_the_record() -> None:
    wanted = wanted_record(WHOLESALE, "SKU-1", "usd", [])
    assert wanted.price is None and wanted.problem is None and wanted.removed


def test_a_price_for_one_unit_is_the_record_price_in_the_currency_s_places() -> None:
    wanted = wanted_record(WHOLESALE, "SKU-1", "usd", [row("12.5")])
    assert wanted.price == Decimal("12.50") and str(wanted.price) == "12.50" and wanted.tiers == ()


def test_quantity_breaks_become_fixed_price_tiers_up_to_the_next_break() -> None:
    wanted = wanted_record(WHOLESALE, "SKU-1", "usd", [row("9.00", "10"), row("10.00"), row("8.00", "50")])
    assert wanted.price == Decimal("10.00")
    assert wanted.tiers == (Tier(10, 49, Decimal("9.00")), Tier(50, None, Decimal("8.00")))
    assert [t.as_json() for t in wanted.tiers] == [
        {"quantity_min": 10, "quantity_max": 49, "type": "fixed", "amount": "9.00"},
        {"quantity_min": 50, "type": "fixed", "amount": "8.00"}]


def test_a_row_for_quantity_one_is_the_single_unit_price_over_the_zero_row() -> None:
    assert wanted_record(WHOLESALE, "S", "usd", [row("10.00", "0"), row("9.50", "1")]).price == Decimal("9.50")


@pytest.mark.parametrize(("price", "currency", "says"), [
    ("-5.00", "usd", "negative price cannot be sold"),
    ("0", "usd", "would be free"),
    ("12.345", "usd", "more decimal places than USD has (2)"),
    ("1500.5", "jpy", "more decimal places than JPY has (0)"),
])
def test_a_price_that_cannot_be_sold_is_a_problem_and_nothing_is_written(price: str, currency: str, says: str
                                                                         ) -> None:
    wanted = wanted_record(WHOLESALE, "SKU-1", currency, [row(price, currency=currency.upper())])
    assert wanted.price is None and not wanted.removed
    assert wanted.problem is not None and says in wanted.problem and "Wholesale" in wanted.problem


def test_a_bad_break_spoils_the_record_not_just_the_tier() -> None:
    wanted = wanted_record(WHOLESALE, "SKU-1", "usd", [row("10.00"), row("-1.00", "10")])
    assert wanted.problem is not None and "for 10 or more" in wanted.problem


def test_zero_is_allowed_when_configured() -> None:
    assert wanted_record(WHOLESALE, "S", "usd", [row("0")], allow_zero=True).price == Decimal("0.00")


def test_breaks_without_a_single_unit_price_is_a_problem() -> None:
    wanted = wanted_record(WHOLESALE, "S", "usd", [row("9.00", "10")])
    assert wanted.problem is not None and "no price for one unit" in wanted.problem


def test_a_fractional_break_is_a_problem() -> None:
    wanted = wanted_record(WHOLESALE, "S", "usd", [row("10.00"), row("9.00", "2.5")])
    assert wanted.problem is not None and "fractional quantity" in wanted.problem


def test_every_configured_level_and_store_currency_gets_one_answer() -> None:
    settings = PricesSettings(levels={"2": "Wholesale", "Trade": ""}, currencies=("usd", "eur", "gbp"))
    levels = levels_from(settings.levels, settings.list_name_pattern)
    assert levels == [Level("2", "Wholesale"), Level("Trade", "NetSuite Trade")]
    item = NsItemPricing(sku="SKU-1", ns_item_id="7", last_modified=datetime(2026, 12, 1, tzinfo=UTC), prices=(
        row("10.00"), row("9.00", currency="EUR"),
        row("8.00", level="5", name="Trade"),
        row("7.00", level="9", name="Unmapped"),
        row("6.00", currency="JPY"),  # a currency the store does not sell in
    ))
    wanted = {(w.level_key, w.currency): w for w in wanted_records(
        item, levels, settings.currencies, bc_currency=settings.bc_currency)}
    assert set(wanted) == {(k, c) for k in ("2", "Trade") for c in ("usd", "eur", "gbp")}
    assert wanted["2", "usd"].price == Decimal("10.00") and wanted["2", "eur"].price == Decimal("9.00")
    assert wanted["Trade", "usd"].price == Decimal("8.00")
    assert wanted["2", "gbp"].removed and wanted["Trade", "eur"].removed


def test_rows_without_a_currency_are_the_base_currency_and_symbols_can_be_mapped() -> None:
    settings = PricesSettings(currencies=("usd", "gbp"), base_currency="usd", currency_map={"£": "GBP"})
    assert settings.bc_currency("") == "usd"
    assert settings.bc_currency("£") == "gbp"
    assert settings.bc_currency("EUR") == "eur"
