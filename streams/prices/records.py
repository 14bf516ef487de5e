"""The rule: what each BigCommerce price list record should be, from one NetSuite item's price table.

For every configured price level and every currency the store sells in, an item gets exactly one answer:

| NetSuite has, at that level and currency          | the BigCommerce record                                  |
|---------------------------------------------------|---------------------------------------------------------|
| no price                                          | removed (the catalogue price applies)                   |
| a price for one unit (quantity 0 or 1)            | that price                                              |
| … and quantity breaks (e.g. 10+, 50+)             | plus one bulk pricing tier per break: the break's unit  |
|                                                   | price (``fixed``) from its quantity to the next one's - 1 |
| a negative price, a 0 (unless allowed), more      | nothing written: ``problem`` says why, in plain English |
| decimals than the currency has, breaks only, or a | (a ``price_invalid`` exception for finance)             |
| fractional break quantity                         |                                                         |

Pure: no I/O, unit-tested row by row (``tests/unit/prices/test_records.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from streams.contract import NsItemPricing, NsPriceRow

#: ISO 4217 minor units where they are not 2 (BigCommerce rejects more decimals than the currency has).
MINOR_UNITS: Mapping[str, int] = {
    "bif": 0, "clp": 0, "djf": 0, "gnf": 0, "isk": 0, "jpy": 0, "kmf": 0, "krw": 0, "pyg": 0, "rwf": 0,
    "ugx": 0, "vnd": 0, "vuv": 0, "xaf": 0, "xof": 0, "xpf": 0,
    "bhd": 3, "iqd": 3, "jod": 3, "kwd": 3, "lyd": 3, "omr": 3, "tnd": 3,
}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.lower(), 2)


@dataclass(frozen=True)
class Tier:
    """A bulk pricing tier: ``amount`` per unit from ``quantity_min`` to ``quantity_max`` (None: no end)."""

    quantity_min: int
    quantity_max: int | None
    amount: Decimal

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"quantity_min": self.quantity_min, "type": "fixed", "amount": str(self.amount)}
        if self.quantity_max is not None:
            body["quantity_max"] = self.quantity_max
        return body


@dataclass(frozen=True)
class Level:
    """A configured price level: its key (the configured id or name) and its price list's name."""

    key: str
    list_name: str

    def matches(self, row: NsPriceRow) -> bool:
        return self.key in (row.price_level_id, row.price_level_name)


@dataclass(frozen=True)
class Wanted:
    """One record as it should be; ``price`` None: it should not exist; ``problem``: it cannot be written."""

    level_key: str
    sku: str
    currency: str
    price: Decimal | None
    tiers: tuple[Tier, ...] = ()
    problem: str | None = None

    @property
    def removed(self) -> bool:
        return self.price is None and self.problem is None


def levels_from(mapping: Mapping[str, str], pattern: str, names: Mapping[str, str] | None = None) -> list[Level]:
    """The configured levels; an empty list name is made from ``pattern`` ({level}: name, {id}: the key)."""
    names = names or {}
    return [Level(key, name or pattern.format(level=names.get(key, key), id=key)) for key, name in mapping.items()]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _problem(row: NsPriceRow, currency: str, allow_zero: bool) -> str | None:
    what = f"NetSuite's {row.price_level_name or row.price_level_id} price in {currency.upper()}"
    if row.min_quantity > 1:
        what += f" for {row.min_quantity.normalize():f} or more"
    if row.price < 0:
        return f"{what} is {row.price:f}: a negative price cannot be sold"
    if row.price == 0 and not allow_zero:
        return (f"{what} is 0: the product would be free to these customers (a price never filled in?); set the "
                "price in NetSuite, or allow zero prices with O2C_PRICES_ALLOW_ZERO")
    if _places(row.price) > minor_units(currency):
        return (f"{what} is {row.price.normalize():f}, more decimal places than {currency.upper()} has "
                f"({minor_units(currency)}); BigCommerce would refuse it: round it in NetSuite")
    if row.min_quantity != row.min_quantity.to_integral_value():
        return f"{what} starts at a fractional quantity; BigCommerce's bulk pricing counts whole units"
    return None


def wanted_record(level: Level, sku: str, currency: str, rows: Iterable[NsPriceRow], *,
                  allow_zero: bool = False) -> Wanted:
    """The record of one level and currency from that level's rows in that currency."""
    by_quantity: dict[Decimal, NsPriceRow] = {}
    for row in rows:
        by_quantity[row.min_quantity] = row  # a repeated break: the last row NetSuite listed
    if not by_quantity:
        return Wanted(level.key, sku, currency, None)
    ordered = [by_quantity[q] for q in sorted(by_quantity)]
    for row in ordered:
        if problem := _problem(row, currency, allow_zero):
            return Wanted(level.key, sku, currency, None, problem=problem)
    singles = [row for row in ordered if row.min_quantity <= 1]
    breaks = [row for row in ordered if row.min_quantity > 1]
    if not singles:
        return Wanted(level.key, sku, currency, None, problem=(
            f"NetSuite prices {sku} at {level.key} in {currency.upper()} only from {breaks[0].min_quantity:f} "
            "units on, with no price for one unit; add a base price in NetSuite"))
    cents = Decimal(1).scaleb(-minor_units(currency))  # exact: no row has more places (checked above)
    ends: list[int | None] = [int(nxt.min_quantity) - 1 for nxt in breaks[1:]]
    tiers = tuple(Tier(int(row.min_quantity), end, row.price.quantize(cents))
                  for row, end in zip(breaks, [*ends, None], strict=False))
    return Wanted(level.key, sku, currency, singles[-1].price.quantize(cents), tiers)


def wanted_records(pricing: NsItemPricing, levels: Iterable[Level], currencies: Iterable[str], *,
                   bc_currency: Callable[[str], str], allow_zero: bool = False) -> list[Wanted]:
    """Every record of this item: one per configured level and store currency (removals included)."""
    sold = tuple(currencies)
    out: list[Wanted] = []
    for level in levels:
        mine = [row for row in pricing.prices if level.matches(row)]
        for currency in sold:
            rows = [row for row in mine if bc_currency(row.currency) == currency]
            out.append(wanted_record(level, pricing.sku, currency, rows, allow_zero=allow_zero))
    return out
