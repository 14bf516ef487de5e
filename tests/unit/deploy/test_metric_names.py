"""Every metric the PrometheusRule and the Grafana dashboard read is one the worker really exports."""

from __future__ import annotations

import pytest

from deploy.k8s.promql import metric_names
from tests.support.metric_names import (
    EXTERNAL,
    dashboard_references,
    missing,
    rule_references,
    series_from_exposition,
    worker_series,
)


@pytest.fixture(scope="module")
def exported() -> set[str]:
    return worker_series()


def test_the_worker_exports_its_own_and_fausts_series(exported: set[str]) -> None:
    assert {"o2c_events_in_total", "o2c_exceptions_open", "o2c_order_to_sales_order_seconds_bucket",
            "o2c_alert_active", "o2c_netsuite_throttled_total", "o2c_faust_topic_partition_end_offset",
            "o2c_faust_topic_partition_offset_commited"} <= exported
    assert "o2c_netsuite_throttled" not in exported  # a counter is stored as …_total: names are compared exactly


def test_every_alert_rule_reads_exported_metrics(exported: set[str]) -> None:
    references = rule_references()
    assert all(references.values()), [alert for alert, names in references.items() if not names]
    assert missing(references, exported) == {}


def test_every_dashboard_query_reads_exported_metrics(exported: set[str]) -> None:
    references = dashboard_references()
    assert len(references) > 20
    assert missing(references, exported) == {}


def test_external_series_are_the_documented_few() -> None:
    used = set().union(*rule_references().values(), *dashboard_references().values())
    assert used & EXTERNAL.keys() == EXTERNAL.keys()  # each listed one is used, so the list stays honest


def test_metric_names_skip_functions_labels_ranges_and_keywords() -> None:
    expr = ('sum by (topic) (rate(o2c_events_in_total{namespace="$ns", topic=~"bc.+"}[$__rate_interval])) > 1e3 '
            'and on (topic) deriv((x_lag)[15m:1m]) > 0 unless absent(up{job="o2c"} offset 5m)')
    assert metric_names(expr) == {"o2c_events_in_total", "x_lag", "up"}
    assert metric_names('histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))') == {"h_bucket"}


def test_series_from_exposition_expands_counters_and_histograms() -> None:
    text = ("# HELP a_total x\n# TYPE a_total counter\n# TYPE h_seconds histogram\nh_seconds_count 0.0\n"
            "# TYPE g gauge\n")
    assert series_from_exposition(text) == {"a_total", "h_seconds_bucket", "h_seconds_sum", "h_seconds_count", "g"}
