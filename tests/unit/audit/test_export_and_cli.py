import csv
import io
from datetime import UTC, datetime

import pytest

from streams.audit.cli import parse_since
from streams.audit.export import to_csv, to_json, to_text
from streams.audit.findings import finding
from streams.audit.runner import selected

F = finding("orders", "total_differs", "order", "finance", 'Order 1, "charged" 5', bc_id=1, ns_id="91")


def test_csv_has_a_header_and_quotes() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv([F]))))
    assert rows == [{"check": "orders", "kind": "total_differs", "owner": "finance", "object_type": "order",
                     "bc_id": "1", "ns_id": "91", "message": 'Order 1, "charged" 5'}]


def test_json_and_text() -> None:
    assert '"run_id": 3' in to_json([F], run_id=3)
    text = to_text([F], {"orders": 1, "items": 0}, run_id=3, errors={"items": "boom"})
    assert "audit run 3: 1 finding(s)" in text and "items      FAILED (boom)" in text and "[total_differs]" in text


def test_since_and_checks() -> None:
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert parse_since("7d", now=now) == datetime(2026, 2, 3, tzinfo=UTC)
    assert parse_since("2026-01-31", now=now) == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_since(None, now=now, default_days=1) == datetime(2026, 2, 9, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("last week")
    assert selected(["stock", "orders"]) == ["orders", "stock"]
    with pytest.raises(ValueError):
        selected(["nope"])
