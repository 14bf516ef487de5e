"""The checked-in Grafana dashboard is the generated one and a valid dashboard."""

from __future__ import annotations

import json
from pathlib import Path

from deploy.grafana.render import SCHEMA_VERSION, render

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "o2c.json"


def test_the_checked_in_dashboard_is_generated() -> None:
    assert DASHBOARD.read_text() == render(), "run: python -m deploy.grafana.render > deploy/grafana/o2c.json"


def test_it_is_a_valid_dashboard() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["schemaVersion"] == SCHEMA_VERSION >= 36 and board["uid"] and board["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert set(grid) == {"h", "w", "x", "y"} and grid["w"] > 0 and grid["h"] > 0
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        covered = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                   for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not covered & cells, f"{panel['title']} overlaps another panel"
        cells |= covered
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(t["expr"].strip() for t in panel["targets"])


def test_the_panels_the_issue_asks_for_are_there() -> None:
    board = json.loads(DASHBOARD.read_text())
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p.get("targets", []))
    for metric in ("o2c_faust_topic_partition_end_offset", "o2c_events_in_total", "o2c_events_out_total",
                   "o2c_order_to_sales_order_seconds_bucket", "o2c_fulfilment_to_shipment_seconds_bucket",
                   "o2c_inventory_change_to_write_seconds_bucket", "o2c_bigcommerce_quota_left",
                   "o2c_netsuite_slots_in_use", "o2c_netsuite_slot_limit", "o2c_netsuite_throttled_total",
                   "o2c_exceptions_open", "o2c_alert_active", "o2c_audit_findings"):
        assert metric in exprs, metric
