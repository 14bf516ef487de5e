"""Parsing Prometheus text, rates between two scrapes (restarts included) and the Kafka backlog."""

from __future__ import annotations

from state.ops_health import FlowRow
from streams.ops.figures import flow_figures, systems
from streams.ops.metrics_scrape import Scrapes, Snapshot, parse

TEXT = """# HELP o2c_bigcommerce_source_events_total Events published
# TYPE o2c_bigcommerce_source_events_total counter
o2c_bigcommerce_source_events_total{store="s1",kind="order",path="webhook"} {orders}
o2c_bigcommerce_source_events_total{store="s1",kind="refund",path="poll"} 4.0
# TYPE o2c_faust_topic_partition_end_offset gauge
o2c_faust_topic_partition_end_offset{topic="bc.orders",partition="0"} 120.0
o2c_faust_topic_partition_end_offset{topic="bc.refunds",partition="0"} 9.0
# TYPE o2c_faust_topic_partition_offset_commited gauge
o2c_faust_topic_partition_offset_commited{topic="bc.orders",partition="0"} 100.0
# TYPE o2c_inventory_pending_skus gauge
o2c_inventory_pending_skus 7.0
# TYPE o2c_netsuite_slots_in_use gauge
o2c_netsuite_slots_in_use 3.0
"""


def scrape(orders: float, at: float) -> Snapshot:
    return parse(TEXT.replace("{orders}", str(orders)), at)


def test_parse_keeps_every_sample_with_its_labels() -> None:
    snapshot = parse(TEXT.replace("{orders}", "10"), at=5.0)
    assert snapshot.total("o2c_bigcommerce_source_events_total") == 14.0
    assert snapshot.total("o2c_bigcommerce_source_events_total", kind="order") == 10.0
    assert snapshot.series("o2c_inventory_pending_skus") == [({}, 7.0)]


def test_rates_per_minute_over_workers_and_restarts() -> None:
    order = [("o2c_bigcommerce_source_events_total", {"kind": "order"})]
    two_workers = Scrapes(pairs=[(scrape(10, 0.0), scrape(40, 30.0)),   # +30 in 30 s: 60/min
                                 (scrape(500, 0.0), scrape(20, 60.0))])  # restarted: 20 in a minute
    assert two_workers.rate_per_minute(order) == 80.0
    assert Scrapes(pairs=[(None, scrape(10, 0.0))]).rate_per_minute(order) is None
    assert Scrapes(pairs=[]).total("o2c_netsuite_slots_in_use") is None


def test_backlog_is_end_less_committed_offsets_of_the_topics() -> None:
    scrapes = Scrapes(pairs=[(None, scrape(1, 0.0))])
    assert scrapes.backlog(["bc.orders"]) == 20
    assert scrapes.backlog(["bc.refunds"]) == 9  # nothing committed yet: every event waits
    assert scrapes.backlog(["ns.prices"]) is None


def test_flow_figures_and_systems_from_scrapes() -> None:
    scrapes = Scrapes(pairs=[(scrape(10, 0.0), scrape(70, 60.0))], errors={"http://w2/metrics": "refused"})
    row = FlowRow(last_success=None, waiting=2, oldest=None, stuck=1)
    orders = flow_figures("orders", row, scrapes)
    assert (orders.in_per_min, orders.out_per_min, orders.backlog, orders.waiting) == (60.0, 0.0, 20, 2)
    assert flow_figures("inventory", row, scrapes).waiting == 9  # 2 in PostgreSQL + 7 in the writer
    found = systems(scrapes, targets=2)
    assert (found.ns_slots_in_use, found.bc_quota_left, found.workers, tuple(found.unreadable)) == \
        (3.0, None, 2, ("http://w2/metrics",))
