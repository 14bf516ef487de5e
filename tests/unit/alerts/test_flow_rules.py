"""orders_stalled, source_quiet, webhook_deactivated and backlog: samples in, firing conditions out."""

from datetime import UTC, datetime, timedelta

from state.alerts import OrderFlow, Waiting
from streams.alerts.backlog import Lag, backlog_lag, backlog_waiting, lag_above_since
from streams.alerts.orders_stalled import orders_stalled
from streams.alerts.source_quiet import Poller, Webhooks, quiet_pollers, quiet_webhooks
from streams.alerts.webhook_deactivated import Hooks, webhook_deactivated

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


def test_orders_arriving_with_no_sales_order_written_fire() -> None:
    found = orders_stalled("s1", OrderFlow(12, 0, ago(minutes=40)), NOW, window_minutes=15, minimum=5)
    assert [f.subject for f in found] == ["s1"]
    assert "12 BigCommerce orders of store s1 arrived in the last 15 minutes" in found[0].message
    assert "40 minutes ago" in found[0].message and found[0].payload["written"] == 0


def test_orders_stalled_is_clear_when_one_was_written_or_too_few_arrived() -> None:
    assert orders_stalled("s1", OrderFlow(12, 1, ago(minutes=1)), NOW, window_minutes=15, minimum=5) == []
    assert orders_stalled("s1", OrderFlow(4, 0, None), NOW, window_minutes=15, minimum=5) == []
    assert "never" in orders_stalled("s1", OrderFlow(5, 0, None), NOW, window_minutes=15, minimum=5)[0].message


def test_a_poller_is_quiet_after_k_intervals_with_a_floor() -> None:
    pollers = [Poller("bigcommerce:s:orders", "BigCommerce orders catch-up", 60, ago(seconds=181)),
               Poller("netsuite:a:items", "NetSuite items", 60, ago(seconds=179)),
               Poller("netsuite:a:fulfilments", "NetSuite fulfilments", 2, ago(seconds=100))]  # floor 120 s
    found = quiet_pollers(pollers, NOW, factor=3, floor=120, running_for=3600)
    assert [f.subject for f in found] == ["bigcommerce:s:orders"]
    assert "has not completed for" in found[0].message and "every 60 seconds" in found[0].message


def test_a_poller_that_never_polled_counts_from_the_evaluator_start() -> None:
    never = [Poller("netsuite:a:customers", "NetSuite customers", 300, None)]
    assert quiet_pollers(never, NOW, factor=3, floor=120, running_for=600) == []
    assert "last completed never" in quiet_pollers(never, NOW, factor=3, floor=120, running_for=901)[0].message


def test_webhooks_quiet_while_the_poll_finds_orders() -> None:
    found = quiet_webhooks(Webhooks("s1", 6, ago(hours=2)), NOW, window_minutes=15, minimum=5)
    assert [f.subject for f in found] == ["bigcommerce:s1:webhooks"]
    assert quiet_webhooks(Webhooks("s1", 6, ago(minutes=3)), NOW, window_minutes=15, minimum=5) == []
    assert quiet_webhooks(Webhooks("s1", 2, None), NOW, window_minutes=15, minimum=5) == []


def test_a_deactivated_or_missing_hook_fires_and_all_active_is_clear() -> None:
    wanted = ("store/order/created", "store/order/updated")
    fine = Hooks("s1", "https://o2c/webhooks", wanted, {"store/order/created": True, "store/order/updated": True})
    assert webhook_deactivated(fine, repair_interval=300) == []
    off = Hooks("s1", "https://o2c/webhooks", wanted, {"store/order/created": False})
    found = webhook_deactivated(off, repair_interval=300)
    assert len(found) == 1 and found[0].subject == "s1"
    assert "deactivated store/order/created and has no hook for store/order/updated" in found[0].message
    assert found[0].payload == {"store": "s1", "destination": "https://o2c/webhooks",
                                "inactive": ["store/order/created"], "missing": ["store/order/updated"]}


def test_lag_fires_only_after_staying_above_the_maximum() -> None:
    lag = Lag("o2c", {"bc.orders": 9_000, "ns.inventory": 2_000, "ns.items": 0})
    since = lag_above_since(lag, None, ago(minutes=20), maximum=10_000)
    assert since == ago(minutes=20)
    assert lag_above_since(lag, since, NOW, maximum=10_000) == since  # kept while above
    assert lag_above_since(Lag("o2c", {"bc.orders": 10}), since, NOW, maximum=10_000) is None
    assert backlog_lag(lag, ago(minutes=14), NOW, maximum=10_000, lag_minutes=15) == []
    found = backlog_lag(lag, since, NOW, maximum=10_000, lag_minutes=15)
    assert [f.subject for f in found] == ["lag:o2c"]
    assert "11,000 messages behind (bc.orders: 9,000, ns.inventory: 2,000)" in found[0].message
    assert backlog_lag(lag, None, NOW, maximum=10_000, lag_minutes=15) == []


def test_orders_waiting_for_netsuite_too_long_fire() -> None:
    assert backlog_waiting(Waiting(0, None), NOW, waiting_minutes=60) == []
    found = backlog_waiting(Waiting(3, ago(hours=2)), NOW, waiting_minutes=60)
    assert found[0].subject == "orders:waiting" and "3 orders have waited more than 60 minutes" in found[0].message
