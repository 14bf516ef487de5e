"""Which customer group a NetSuite customer belongs in (streams/prices/customers.py), case by case."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.contract import NsCustomer
from streams.prices.customers import NO_GROUP, placement

GROUPS = {"2": 11, "Trade": 12}  # level key (id or name) → BigCommerce customer group


def customer(level_id: str | None = "2", level_name: str = "Wholesale", **changes: object) -> NsCustomer:
    fields: dict[str, object] = dict(ns_customer_id="42", email="buyer@example.com", price_level_id=level_id,
                                     price_level_name=level_name, last_modified=datetime(2026, 12, 1, tzinfo=UTC))
    fields.update(changes)
    return NsCustomer.model_validate(fields)


def test_a_mapped_level_by_id_puts_them_in_its_group() -> None:
    assert placement(customer(), 0, GROUPS).group_id == 11


def test_a_mapped_level_by_name_puts_them_in_its_group() -> None:
    where = placement(customer("5", "Trade"), 11, GROUPS)
    assert (where.level_key, where.group_id) == ("Trade", 12)


def test_losing_the_level_moves_them_out_of_o2c_s_group() -> None:
    assert placement(customer(None, ""), 11, GROUPS).group_id == NO_GROUP
    assert placement(customer("9", "Unmapped"), 12, GROUPS).group_id == NO_GROUP


def test_no_mapped_level_in_the_merchant_s_own_group_is_left_alone() -> None:
    assert placement(customer(None, ""), 99, GROUPS).group_id is None
    assert placement(customer("9", "Unmapped"), 0, GROUPS).group_id is None


def test_inactive_or_email_less_customers_are_left_alone() -> None:
    assert placement(customer(is_inactive=True), 0, GROUPS).group_id is None
    assert "no email" in placement(customer(email=" "), 0, GROUPS).reason
