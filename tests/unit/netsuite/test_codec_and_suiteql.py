from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.netsuite import codec
from connectors.netsuite.sandbox.suiteql import SuiteQLError, execute


def test_decimal_round_trip_without_float():
    data = codec.loads(b'{"rate": 19.99, "quantity": 2, "total": 39.98}')
    assert data["rate"] == Decimal("19.99") and isinstance(data["rate"], Decimal)
    assert codec.dumps({"amount": Decimal("10.10"), "ok": True, "n": None}) == b'{"amount":10.10,"ok":true,"n":null}'
    with pytest.raises(TypeError):
        codec.dumps({"rate": 1.5})


TABLES = {
    "item": [
        {
            "id": 1,
            "itemid": "TEE-BLK-M",
            "isinactive": "F",
            "lastmodifieddate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
        {"id": 2, "itemid": "TEE-WHT-M", "isinactive": "T", "lastmodifieddate": datetime(2026, 1, 3, tzinfo=UTC)},
        {"id": 3, "itemid": "CAP-RED-OS", "isinactive": "F", "lastmodifieddate": None},
    ],
    "aggregateitemlocation": [
        {"item": 1, "location": "1", "quantityavailable": Decimal(5)},
        {"item": 1, "location": "2", "quantityavailable": Decimal(7)},
        {"item": 1, "location": "3", "quantityavailable": Decimal(100)},
        {"item": 3, "location": "1", "quantityavailable": Decimal(-2)},
    ],
}


def run(query, params=()):
    return execute(query, list(params), lambda name, keys=None: TABLES[name], datetime(2026, 2, 1, tzinfo=UTC))


def test_watermark_filter_order_and_to_char():
    rows = run(
        "SELECT id, itemid, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') lmd FROM item "
        "WHERE lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate DESC, id",
        ["2026-01-02 03:04:05"],
    )
    assert rows == [
        {"id": "2", "itemid": "TEE-WHT-M", "lmd": "2026-01-03 00:00:00"},
        {"id": "1", "itemid": "TEE-BLK-M", "lmd": "2026-01-02 03:04:05"},
    ]


def test_join_group_sum_and_in_list():
    rows = run(
        "SELECT i.itemid sku, SUM(a.quantityavailable) avail FROM aggregateitemlocation a "
        "JOIN item i ON i.id = a.item WHERE a.location IN (1, 2) AND i.isinactive = 'F' "
        "GROUP BY i.itemid ORDER BY i.itemid"
    )
    assert rows == [{"sku": "CAP-RED-OS", "avail": "-2"}, {"sku": "TEE-BLK-M", "avail": "12"}]


def test_plain_dates_use_user_format_and_nulls_are_omitted():
    rows = run("SELECT id, lastmodifieddate FROM item WHERE LOWER(itemid) LIKE 'cap%' OR id = 1 ORDER BY id")
    assert rows == [{"id": "1", "lastmodifieddate": "1/2/2026"}, {"id": "3"}]


def test_bad_query_is_an_error():
    with pytest.raises(SuiteQLError):
        run("SELECT FROM WHERE")
    with pytest.raises(SuiteQLError):
        run("SELECT id FROM item WHERE id = ")
