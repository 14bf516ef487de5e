"""Prices: each configured price level's BigCommerce price list holds exactly NetSuite's prices.

What a record should be is the prices flow's own rule (``streams.prices.records.wanted_records``: one answer
per level, SKU and store currency); this module compares it with the records BigCommerce holds.

| what the two systems hold                                          | finding                              |
|--------------------------------------------------------------------|--------------------------------------|
| NetSuite prices a SKU at the level, the list has no record         | ``price_missing`` (operations)       |
| the record's price or bulk pricing tiers differ from NetSuite's    | ``price_differs`` (operations)       |
| the list has a record NetSuite has no price for                    | ``price_extra`` (operations)         |
| BigCommerce has no price list for a configured level               | ``price_list_missing`` (operations)  |

A NetSuite price o2c cannot write (``price_invalid``, finance's exception) is not compared.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from streams.audit.findings import NewFinding, finding
from streams.prices.records import Wanted

CHECK = "prices"
Key = tuple[str, str, str]  # level key, SKU, currency


@dataclass(frozen=True)
class BcPrice:
    price: Decimal
    tiers: list[dict[str, Any]] = field(default_factory=list)  # as ``Tier.as_json`` (see prices.resync.bc_tiers)
    variant_id: int | None = None


def _tiers(w: Wanted) -> list[dict[str, Any]]:
    return [t.as_json() for t in w.tiers]


def compare(wanted: Iterable[Wanted], bigcommerce: Mapping[Key, BcPrice], *, list_names: Mapping[str, str],
            missing_lists: Collection[str] = ()) -> list[NewFinding]:
    """``list_names``: level key → its price list's name; ``missing_lists``: levels whose list BigCommerce lacks."""
    out: list[NewFinding] = []
    for level in sorted(missing_lists):
        out.append(finding(
            CHECK, "price_list_missing", "price_level", "operations", ns_id=level,
            message=(f"BigCommerce has no price list {list_names.get(level, level)!r} for NetSuite price level "
                     f"{level}, so its customers pay catalogue prices. o2c creates it when the prices flow starts "
                     "(O2C_PRICES_CREATE_MISSING_LISTS); otherwise create it in BigCommerce.")))
    seen: set[Key] = set()
    for w in sorted(wanted, key=lambda w: (w.level_key, w.sku, w.currency)):
        if w.level_key in missing_lists or w.problem is not None:
            continue
        key = (w.level_key, w.sku, w.currency)
        seen.add(key)
        have = bigcommerce.get(key)
        where = f"{w.sku} in {w.currency.upper()} on price list {list_names.get(w.level_key, w.level_key)!r}"
        if w.price is None:
            if have is not None:
                out.append(finding(
                    CHECK, "price_extra", "price_record", "operations", bc_id=w.sku, ns_id=w.level_key,
                    message=(f"BigCommerce sells {where} at {have.price}, but NetSuite has no price for it at level "
                             f"{w.level_key}: those customers should pay the catalogue price. o2c prices resync "
                             "removes the record."),
                    detail={"bc_price": str(have.price), "currency": w.currency}))
            continue
        if have is None:
            out.append(finding(
                CHECK, "price_missing", "price_record", "operations", bc_id=w.sku, ns_id=w.level_key,
                message=(f"BigCommerce has no record for {where}; NetSuite's price is {w.price}, so these customers "
                         "pay the catalogue price. o2c prices resync writes it."),
                detail={"ns_price": str(w.price), "currency": w.currency}))
        elif have.price != w.price or have.tiers != _tiers(w):
            what = (f"price {have.price}, NetSuite {w.price}" if have.price != w.price
                    else f"bulk pricing tiers {have.tiers}, NetSuite {_tiers(w)}")
            out.append(finding(
                CHECK, "price_differs", "price_record", "operations", bc_id=w.sku, ns_id=w.level_key,
                message=(f"BigCommerce's record for {where} differs from NetSuite ({what}). NetSuite is the "
                         "master: o2c prices resync writes NetSuite's price (change it in NetSuite if BigCommerce's "
                         "was right)."),
                detail={"bc_price": str(have.price), "ns_price": str(w.price), "currency": w.currency}))
    for key in sorted(set(bigcommerce) - seen):
        level, sku, currency = key
        if level in missing_lists:
            continue
        out.append(finding(
            CHECK, "price_extra", "price_record", "operations", bc_id=sku, ns_id=level,
            message=(f"BigCommerce sells {sku} in {currency.upper()} on price list "
                     f"{list_names.get(level, level)!r} at {bigcommerce[key].price}, but NetSuite has no such "
                     "item priced at that level. Remove the record (o2c prices resync does) or price the item in "
                     "NetSuite."),
            detail={"bc_price": str(bigcommerce[key].price), "currency": currency}))
    return out
