"""The rule: which BigCommerce customer group a NetSuite customer belongs in, by their price level.

| the NetSuite customer                                   | their BigCommerce customer                      |
|---------------------------------------------------------|-------------------------------------------------|
| inactive, or without an email                           | left alone                                      |
| has a price level mapped to a group                     | moved into that group (nothing when already in) |
| has no price level, or one o2c does not map, and the    | moved out to no group (0): o2c put them there,  |
| BigCommerce customer is in a group o2c manages          | and the level that did is gone                  |
| … and is in a group o2c does not manage                 | left alone (the merchant's own grouping)        |

Pure: unit-tested case by case (``tests/unit/prices/test_customers.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streams.contract import NsCustomer

NO_GROUP = 0


@dataclass(frozen=True)
class Placement:
    """Where the customer should be: ``group_id`` None means leave them where they are."""

    level_key: str | None
    group_id: int | None
    reason: str


def level_key_of(customer: NsCustomer, keys: Iterable[str]) -> str | None:
    """The configured level key (an id or a name) that the customer's price level matches."""
    if customer.price_level_id is None:
        return None
    for key in keys:
        if key in (customer.price_level_id, customer.price_level_name):
            return key
    return None


def placement(customer: NsCustomer, current_group: int, groups: Mapping[str, int]) -> Placement:
    """Where the BigCommerce customer now in ``current_group`` belongs; ``groups``: level key → group id."""
    if customer.is_inactive:
        return Placement(None, None, "inactive in NetSuite: left alone")
    if not customer.email.strip():
        return Placement(None, None, "no email in NetSuite to find them in BigCommerce by: left alone")
    key = level_key_of(customer, groups)
    if key is not None:
        return Placement(key, groups[key], f"price level {customer.price_level_name or key}")
    if current_group in set(groups.values()):
        return Placement(None, NO_GROUP, "their NetSuite price level no longer maps to a group")
    return Placement(None, None, "no mapped price level and not in a group o2c manages: left alone")
