"""stock_stale, exception_spike and payout_unreconciled: samples in, firing conditions out."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from state.alerts import LatePayout, StaleStock
from streams.alerts.exception_spike import exception_spike
from streams.alerts.firing import span
from streams.alerts.payout_unreconciled import payout_unreconciled
from streams.alerts.stock_stale import stock_stale

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_stale_stock_is_one_alert_per_store_naming_the_oldest_skus() -> None:
    rows = [StaleStock("s1", f"SKU-{i:02}", NOW - timedelta(minutes=30 - i)) for i in range(12)]
    found = stock_stale(40, rows, NOW, stale_minutes=10)
    assert [f.subject for f in found] == ["s1"] and found[0].owner is None
    message = found[0].message
    assert message.startswith("The stock of 40 SKUs changed in NetSuite but BigCommerce (store s1) was not updated "
                              "within 10 minutes (the oldest waits for 30 minutes)")
    assert "SKU-00, SKU-01" in message and "SKU-09 and 30 more" in message and "SKU-10" not in message
    assert found[0].payload["count"] == 40 and len(found[0].payload["skus"]) == 12


def test_no_stale_stock_is_clear_and_stores_are_apart() -> None:
    assert stock_stale(0, [], NOW, stale_minutes=10) == []
    two = [StaleStock("a", "X", NOW - timedelta(minutes=11)), StaleStock("b", "Y", NOW - timedelta(minutes=12))]
    found = stock_stale(2, two, NOW, stale_minutes=10)
    assert [(f.subject, f.payload["count"]) for f in found] == [("a", 1), ("b", 1)]
    assert "The stock of 1 SKU changed" in found[0].message


def test_a_spike_fires_per_kind_for_the_kinds_owner() -> None:
    counts = [("missing_sku", "operations", 21), ("total_mismatch", "finance", 20), ("odd", "nobody", 99)]
    found = exception_spike(counts, threshold=20, window_minutes=10)
    assert [(f.subject, f.owner) for f in found] == [("missing_sku", "operations")]
    assert found[0].message.startswith("21 new missing_sku exceptions in the last 10 minutes (more than 20)")


def test_payouts_not_at_zero_after_the_allowed_hours_fire_one_each() -> None:
    late = [LatePayout("stripe", "po_1", "usd", NOW - timedelta(hours=30), "mismatch", Decimal("12.50")),
            LatePayout("paypal", "W-9", "eur", NOW - timedelta(hours=25), "pending", None)]
    found = payout_unreconciled(late, NOW, hours=24)
    assert [f.subject for f in found] == ["stripe:po_1", "paypal:W-9"]
    assert "Stripe payout po_1 was posted to NetSuite 30 hours ago" in found[0].message
    assert "residual is 12.50 USD" in found[0].message and "has not run" in found[1].message
    assert payout_unreconciled([], NOW, hours=24) == []


def test_spans_read_naturally() -> None:
    assert [span(s) for s in (45, 600, 5400, 36000, 200000)] == ["45 seconds", "10 minutes", "1.5 hours",
                                                                 "10 hours", "2 days"]
