"""The health rules: ok, warning or failing, and the plain-English reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.ops.health import BY_KEY, FlowFigures, Systems, flow_health, systems_health, worst

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ORDERS = BY_KEY["orders"]


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def test_a_quiet_flow_that_never_ran_is_ok() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=None), NOW)
    assert (health.status, list(health.reasons)) == ("ok", ["nothing to do yet"])


def test_a_flow_writing_before_its_first_row_says_so() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=None, in_per_min=3, out_per_min=2.5), NOW)
    assert (health.status, list(health.reasons)) == ("ok", ["writing sales orders: 2.5/min"])


def test_a_working_flow_says_when_it_last_wrote() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=ago(minutes=3), in_per_min=12, out_per_min=11), NOW)
    assert (health.status, list(health.reasons)) == ("ok", ["last written 3 min ago"])


def test_an_old_waiting_order_is_a_warning_then_failing() -> None:
    warn = flow_health(ORDERS, FlowFigures(last_success=ago(minutes=1), waiting=2, oldest=ago(minutes=14),
                                           out_per_min=5), NOW)
    assert (warn.status, list(warn.reasons)) == ("warning", ["the oldest waiting order has waited 14 min"])
    fail = flow_health(ORDERS, FlowFigures(last_success=ago(minutes=1), waiting=2, oldest=ago(hours=2, minutes=5),
                                           out_per_min=5), NOW)
    assert (fail.status, list(fail.reasons)) == ("failing", ["the oldest waiting order has waited 2 h 5 min"])


def test_no_write_while_orders_arrive_is_failing() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=ago(minutes=32), in_per_min=20, out_per_min=0), NOW)
    assert health.status == "failing"
    assert list(health.reasons) == ["no sales orders written for 32 min while orders keep arriving"]


def test_no_write_ever_while_orders_wait_is_failing_with_every_reason_worst_first() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=None, waiting=14, oldest=ago(minutes=20), stuck=1,
                                             backlog=5000), NOW)
    assert health.status == "failing"
    assert list(health.reasons) == ["no sales orders written ever while 14 orders wait",
                                    "the oldest waiting order has waited 20 min",
                                    "5,000 events not yet read from Kafka",
                                    "1 order held or refused (see the exceptions)"]


def test_writing_now_is_not_silent_even_if_the_database_lags() -> None:
    health = flow_health(ORDERS, FlowFigures(last_success=ago(hours=3), in_per_min=20, out_per_min=19), NOW)
    assert health.status == "ok"


def test_payouts_wait_a_day_before_a_warning() -> None:
    payouts = BY_KEY["payouts"]
    health = flow_health(payouts, FlowFigures(last_success=ago(hours=2), waiting=1, oldest=ago(hours=20)), NOW)
    assert health.status == "ok"
    later = flow_health(payouts, FlowFigures(last_success=ago(hours=2), waiting=1, oldest=ago(hours=30)), NOW)
    assert (later.status, list(later.reasons)) == ("warning", ["the oldest waiting payout has waited 30 h"])


def test_systems() -> None:
    fine = systems_health(Systems(bc_quota_left=900, bc_quota_size=1000, ns_slots_in_use=3, ns_slot_limit=8,
                                  workers=2))
    assert (fine.status, list(fine.reasons)) == ("ok", ["both systems answer within their limits"])
    busy = systems_health(Systems(bc_quota_left=50, bc_quota_size=1000, ns_slots_in_use=8, ns_slot_limit=8,
                                  workers=2, unreadable=("http://w2/metrics",)))
    assert busy.status == "warning"
    assert list(busy.reasons) == [
        "could not read the metrics of 1 worker: rates and the Kafka backlog are incomplete",
        "every NetSuite slot is in use (8 of 8): writes queue in Kafka (expected during a sale)",
        "BigCommerce's API quota is nearly used up (50 of 1000 requests left in the window)"]
    none = systems_health(Systems())
    assert list(none.reasons) == ["no worker metrics configured (O2C_OPS_METRICS_URLS)"]


def test_worst() -> None:
    assert worst(["ok", "warning", "ok"]) == "warning"
    assert worst(["warning", "failing"]) == "failing"
    assert worst([]) == "ok"
