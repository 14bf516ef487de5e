"""Overdue parked orders become exceptions by what they wait for (``streams.orders.waiting``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.orders.waiting import Waiting, overdue_exception

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_an_order_waiting_for_a_sku_is_operations_missing_sku() -> None:
    exc = overdue_exception(Waiting("s", 9, "missing_sku", ("A", "B"), "SKU not in NetSuite: A, B",
                                    NOW - timedelta(minutes=6)), now=NOW)
    assert (exc.kind, exc.owner) == ("missing_sku", "operations")
    assert "SKU A, B" in exc.message and exc.payload["missing"] == ["A", "B"]


def test_an_order_parked_for_a_retry_is_netsuite_unavailable_for_engineering() -> None:
    exc = overdue_exception(Waiting("s", 9, "retry", (), "NetSuite answered 503 (HTTP 503)",
                                    NOW - timedelta(minutes=12)), now=NOW)
    assert (exc.kind, exc.owner) == ("netsuite_unavailable", "engineering")
    assert "12 min" in exc.message and "503" in exc.message and "SKU" not in exc.message
