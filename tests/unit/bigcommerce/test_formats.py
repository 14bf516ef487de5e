from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.bigcommerce.formats import (
    dumps,
    format_rfc2822,
    format_v2_money,
    loads,
    parse_money,
    parse_rfc2822,
)
from connectors.bigcommerce.models import Order, OrderProduct


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("62.6793", Decimal("62.6793")),
        ("0.0000", Decimal("0")),
        ("", Decimal("0")),
        (None, Decimal("0")),
        (12, Decimal("12")),
        (Decimal("21.83"), Decimal("21.83")),
        (0.1, Decimal("0.1")),
    ],
)
def test_parse_money(raw, expected):
    assert parse_money(raw) == expected
    assert isinstance(parse_money(raw), Decimal)


def test_parse_money_rejects_garbage():
    with pytest.raises(ValueError):
        parse_money("twelve")
    with pytest.raises(ValueError):
        parse_money(True)


def test_v2_money_has_four_places():
    assert format_v2_money(Decimal("12.5")) == "12.5000"


def test_rfc2822_round_trip():
    parsed = parse_rfc2822("Tue, 05 Mar 2019 21:40:11 +0000")
    assert parsed == datetime(2019, 3, 5, 21, 40, 11, tzinfo=UTC)
    assert format_rfc2822(parsed) == "Tue, 05 Mar 2019 21:40:11 +0000"


def test_rfc2822_other_offsets_become_utc():
    parsed = parse_rfc2822("Thu, 20 Apr 2017 11:32:00 -0400")
    assert parsed == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)


def test_empty_date_is_none_and_iso_is_accepted():
    assert parse_rfc2822("") is None
    assert parse_rfc2822("2017-04-20T11:32:00-04:00") == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_rfc2822("yesterday")


def test_json_numbers_stay_decimal_both_ways():
    body = loads(b'{"amount": 21.83, "n": 3}')
    assert body["amount"] == Decimal("21.83") and isinstance(body["amount"], Decimal)
    assert dumps({"amount": Decimal("21.83"), "n": Decimal("3"), "z": Decimal("5.00")}) == (
        b'{"amount":21.83,"n":3,"z":5.0}'
    )


def test_order_model_parses_v2_strings_and_dates():
    order = Order.model_validate(
        {
            "id": 1,
            "status_id": 11,
            "date_created": "Tue, 05 Mar 2019 21:40:11 +0000",
            "date_shipped": "",
            "total_inc_tax": "69.8400",
            "subtotal_ex_tax": "62.6793",
            "unknown_new_field": "kept",
        }
    )
    assert order.total_inc_tax == Decimal("69.84")
    assert order.subtotal_ex_tax == Decimal("62.6793")
    assert order.date_shipped is None
    assert order.date_created == datetime(2019, 3, 5, 21, 40, 11, tzinfo=UTC)


def test_order_product_discounts():
    line = OrderProduct.model_validate(
        {
            "id": 5,
            "order_id": 1,
            "quantity": 2,
            "discounted_total_inc_tax": "20.0000",
            "applied_discounts": [{"id": "coupon", "amount": "2.5000", "code": "X", "target": "order"}],
        }
    )
    assert line.applied_discounts[0].amount == Decimal("2.5")
