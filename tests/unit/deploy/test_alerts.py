"""The PrometheusRule is generated from one table, covers every o2c alert, and every rule is complete."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deploy.k8s.alerts import DOCS_URL, RULES, render, table
from streams.alerts.catalog import ALERTS

ROOT = Path(__file__).resolve().parents[3]
RULE_FILE = ROOT / "deploy" / "k8s" / "base" / "prometheusrule.yaml"


def test_the_checked_in_rule_file_is_generated() -> None:
    assert RULE_FILE.read_text() == render(), "run: python -m deploy.k8s.alerts > deploy/k8s/base/prometheusrule.yaml"


def test_one_rule_per_o2c_alert_on_its_active_gauge() -> None:
    own = {r.name: r for r in RULES if r.group == "o2c-alerts"}
    assert set(own) == {a.name for a in ALERTS}
    for alert in ALERTS:
        assert f'o2c_alert_active{{alert="{alert.name}"}}' in own[alert.name].expr
        assert own[alert.name].expr.endswith("== 1")
        assert own[alert.name].owner == (alert.owner or "{{ $labels.owner }}")
        assert own[alert.name].runbook_url == f"{DOCS_URL}/docs/operations.md#{alert.anchor}"


def test_prometheus_side_rules_cover_what_the_worker_cannot_see() -> None:
    exprs = {r.name: r.expr for r in RULES if r.group != "o2c-alerts"}
    assert 'up{job="o2c"} == 0' in exprs["worker_down"]
    assert "kube_pod_container_status_ready" in exprs["worker_not_ready"]
    assert "o2c_faust_topic_partition_end_offset" in exprs["consumer_lag_growing"]
    assert "o2c_netsuite_throttled_total" in exprs["netsuite_throttled"]
    assert "o2c_bigcommerce_quota_left" in exprs["bigcommerce_quota_exhausted"]
    assert "o2c_exceptions_open" in exprs["exceptions_growing"]
    assert "o2c_audit_findings" in exprs["audit_findings"]
    assert "o2c_payouts_unreconciled" in exprs["payouts_not_reconciled"]


def test_every_rule_is_complete_and_unique() -> None:
    doc = yaml.safe_load(RULE_FILE.read_text())
    rules = [rule for group in doc["spec"]["groups"] for rule in group["rules"]]
    assert len(rules) == len(RULES) == len({r["alert"] for r in rules})
    for rule in rules:
        assert re.fullmatch(r"O2c[A-Z][A-Za-z]+", rule["alert"])
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["labels"]["owner"] in {"engineering", "operations", "finance", "customer_service",
                                           "{{ $labels.owner }}"}
        annotations = rule["annotations"]
        assert len(annotations["summary"]) > 15 and len(annotations["description"]) > 60
        assert re.fullmatch(re.escape(DOCS_URL) + r"/docs/(operations|deployment)\.md#alert-[a-z_]+",
                            annotations["runbook_url"])


def test_every_runbook_anchor_exists() -> None:
    """o2c's own alerts: docs/operations.md (the alerts' runbooks); Prometheus-side rules: docs/deployment.md."""
    for rule in RULES:
        doc = (ROOT / "docs" / rule.page).read_text()
        assert f'<a id="alert-{rule.name}"></a>' in doc, f"{rule.page} has no runbook for {rule.name}"


def test_the_deployment_doc_carries_the_generated_rules_table() -> None:
    assert table() in (ROOT / "docs" / "deployment.md").read_text(), "paste: python -m deploy.k8s.alerts --table"
