"""A real worker with every flow enabled exports every metric the PrometheusRule and the dashboard read."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.metric_names import dashboard_references, missing, rule_references, series_from_exposition
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

EVERY_FLOW = {
    "O2C_ORDERS_ENABLED": "true", "O2C_INVENTORY_ENABLED": "true", "O2C_FULFILMENTS_ENABLED": "true",
    "O2C_RETURNS_ENABLED": "true", "O2C_PRICES_ENABLED": "true", "O2C_CASH_ENABLED": "true",
    "O2C_CASH_PAYOUTS_ENABLED": "true", "O2C_ALERTS_ENABLED": "true", "O2C_AUDIT_ENABLED": "true",
}


def test_a_workers_metrics_page_has_every_series_the_rules_and_dashboard_read(
        make_worker: Callable[..., WorkerProcess]) -> None:
    worker = make_worker(**EVERY_FLOW)
    page = httpx.get(f"{worker.url}/metrics", timeout=10.0)
    assert page.status_code == 200
    exported = series_from_exposition(page.text)
    assert "o2c_faust_topic_partition_end_offset" in exported and "o2c_alert_active" in exported
    assert missing(rule_references(), exported) == {}
    assert missing(dashboard_references(), exported) == {}
