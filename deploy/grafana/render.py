"""Render o2c's Grafana dashboard (``deploy/grafana/o2c.json``) from the panel table below.

    python -m deploy.grafana.render > deploy/grafana/o2c.json

A test checks the checked-in file equals :func:`render`, that it is a valid dashboard (schema version, unique
panel ids, a datasource, targets and a grid position on every panel) and that every metric its queries read
is one the worker exports. Import it in Grafana (Dashboards → Import) and pick the Prometheus datasource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

UID = "o2c-overview"
SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
#: Every query is limited to the namespace picked at the top (the worker pods' ``namespace`` label).
NS = 'namespace="$namespace"'
RATE = "$__rate_interval"

PanelType = Literal["timeseries", "stat", "table", "row"]


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: PanelType = "timeseries"
    width: int = 12
    height: int = 8
    description: str = ""
    stack: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def _lag(selector: str = NS) -> str:
    return (f"sum by (topic) (max by (topic, partition) (o2c_faust_topic_partition_end_offset{{{selector}}})"
            f" - max by (topic, partition) (o2c_faust_topic_partition_offset_commited{{{selector}}}))")


def _quantiles(metric: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{{{NS}}}[{RATE}])))", f"p{int(q * 100)}")
                 for q in (0.5, 0.95, 0.99))


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    ("Health", (
        Panel("Workers up", ((f'sum(up{{job="o2c", {NS}}})', "scraped"),), kind="stat", width=4, height=4,
              description="Workers Prometheus reaches (the PodMonitor's job o2c)."),
        Panel("Alerts firing (o2c's own)", ((f"sum(max by (alert, owner) (o2c_alert_active{{{NS}}}))", "firing"),),
              kind="stat", width=4, height=4, description="Silent-failure alerts the leader evaluates "
              "(docs/operations.md)."),
        Panel("Open exceptions", ((f"sum(max by (kind, owner) (o2c_exceptions_open{{{NS}}}))", "open"),),
              kind="stat", width=4, height=4),
        Panel("Audit findings (last run)", ((f"sum(max by (check, kind) (o2c_audit_findings{{{NS}}}))", "findings"),),
              kind="stat", width=4, height=4),
        Panel("Payouts unreconciled", ((f"max(o2c_payouts_unreconciled{{{NS}}})", "payouts"),), kind="stat",
              width=4, height=4),
        Panel("Event loop lag p95", (
            (f"histogram_quantile(0.95, sum by (le) (rate(o2c_event_loop_lag_seconds_bucket{{{NS}}}[{RATE}])))",
             "p95"),), unit="s", kind="stat", width=4, height=4),
        Panel("Alerts active by alert and owner", (
            (f"max by (alert, owner) (o2c_alert_active{{{NS}}}) == 1", "{{alert}} ({{owner}})"),),
            kind="table", width=12, options={"showHeader": True}),
        Panel("Exceptions open by kind and owner", (
            (f"max by (kind, owner) (o2c_exceptions_open{{{NS}}}) > 0", "{{kind}} ({{owner}})"),),
            stack=True, width=12),
    )),
    ("Kafka", (
        Panel("Consumer lag per topic", ((_lag(), "{{topic}}"),), description="End offset minus committed offset, "
              "summed over the topic's partitions (messages not yet processed)."),
        Panel("Messages received per topic", (
            (f"sum by (topic) (rate(o2c_faust_messages_received_per_topic_total{{{NS}}}[{RATE}]))", "{{topic}}"),),
            unit="ops"),
    )),
    ("Throughput", (
        Panel("Events in per topic (agents)", (
            (f"sum by (topic) (rate(o2c_events_in_total{{{NS}}}[{RATE}]))", "{{topic}}"),), unit="ops",
            description="Events consumed by o2c's agents, per topic (one topic per flow's input)."),
        Panel("Events out per topic (published)", (
            (f"sum by (topic) (rate(o2c_events_out_total{{{NS}}}[{RATE}]))", "{{topic}}"),), unit="ops"),
        Panel("Event outcomes", (
            (f"sum by (outcome) (rate(o2c_event_outcomes_total{{{NS}}}[{RATE}]))", "{{outcome}}"),), unit="ops",
            stack=True),
        Panel("Events waiting on a transient failure", (
            (f"sum by (agent) (o2c_agent_events_waiting{{{NS}}})", "{{agent}}"),)),
    )),
    ("End-to-end latency", (
        Panel("Order → sales order", _quantiles("o2c_order_to_sales_order_seconds"), unit="s", width=8,
              description="BigCommerce order created → NetSuite sales order written."),
        Panel("Fulfilment → shipment", _quantiles("o2c_fulfilment_to_shipment_seconds"), unit="s", width=8,
              description="NetSuite fulfilment shipped → BigCommerce shipment created."),
        Panel("Stock change → storefront", _quantiles("o2c_inventory_change_to_write_seconds"), unit="s", width=8,
              description="NetSuite stock change seen → BigCommerce accepted the write."),
    )),
    ("BigCommerce", (
        Panel("Quota left per window", (
            (f"min by (store) (o2c_bigcommerce_quota_left{{{NS}}})", "left {{store}}"),
            (f"max by (store) (o2c_bigcommerce_quota_size{{{NS}}})", "size {{store}}"),)),
        Panel("Requests and 429s", (
            (f"sum by (status) (rate(o2c_bigcommerce_requests_total{{{NS}}}[{RATE}]))", "{{status}}"),
            (f"sum(rate(o2c_bigcommerce_rate_limited_total{{{NS}}}[{RATE}]))", "429"),), unit="reqps"),
    )),
    ("NetSuite", (
        Panel("Slots in use / limit", (
            (f"sum(o2c_netsuite_slots_in_use{{{NS}}})", "in use"),
            (f"sum(o2c_netsuite_slot_limit{{{NS}}})", "limit"),), description="Concurrency slots of the "
            "account's pool, summed over the workers (each holds limit / O2C_NS_WORKERS)."),
        Panel("429s (CONCURRENCY_LIMIT_EXCEEDED)", (
            (f"sum(rate(o2c_netsuite_throttled_total{{{NS}}}[{RATE}]))", "429/s"),), unit="reqps"),
    )),
    ("Audit and alerts", (
        Panel("Audit findings by check and kind", (
            (f"max by (check, kind) (o2c_audit_findings{{{NS}}}) > 0", "{{check}} {{kind}}"),), stack=True),
        Panel("Alert evaluations", (
            (f"sum(rate(o2c_alert_evaluations_total{{{NS}}}[{RATE}]))", "rounds/s"),), unit="ops"),
    )),
)


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "targets": [{"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": chr(ord("A") + i),
                     **({"instant": True, "format": "table"} if panel.kind == "table" else {})}
                    for i, (expr, legend) in enumerate(panel.targets)],
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": panel.options,
    }
    if panel.kind == "timeseries":
        body["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if panel.stack else "none"}}
        body["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}, **panel.options}
    return body


def dashboard() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y, panel_id = 0, 1
    for title, row in ROWS:
        panels.append({"id": panel_id, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        panel_id, y, x, row_height = panel_id + 1, y + 1, 0, 0
        for panel in row:
            if x + panel.width > 24:
                x, y, row_height = 0, y + row_height, 0
            panels.append(_panel(panel, panel_id, x, y))
            panel_id, x, row_height = panel_id + 1, x + panel.width, max(row_height, panel.height)
        y += row_height
    return {
        "uid": UID,
        "title": "o2c — order to cash",
        "description": "BigCommerce ⇄ NetSuite order to cash: lag, throughput, latency, quotas, exceptions, alerts.",
        "tags": ["o2c"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "timezone": "",
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0},
            {"name": "namespace", "label": "Namespace", "type": "query", "datasource": DATASOURCE,
             "query": {"query": 'label_values(up{job="o2c"}, namespace)', "refId": "namespace"},
             "definition": 'label_values(up{job="o2c"}, namespace)', "refresh": 2, "current": {}, "hide": 0},
        ]},
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
