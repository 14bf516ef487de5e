"""Every alert has its runbook anchor and its row in docs/operations.md; README lists every O2C_ALERTS_ setting."""

from pathlib import Path

from streams.alerts.catalog import ALERTS
from streams.alerts.evaluate import set_gauges, stand_down
from streams.alerts.firing import Firing
from streams.alerts.metrics import ACTIVE
from streams.alerts.settings import AlertsSettings

ROOT = Path(__file__).resolve().parents[3]


def test_every_alert_has_a_runbook_anchor_and_a_row_for_its_team() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    for alert in ALERTS:
        assert f'<a id="{alert.anchor}"></a>' in text, alert.anchor
        assert f"| `{alert.kind}` |" in text, alert.kind


def test_readme_documents_every_alerts_setting() -> None:
    text = (ROOT / "README.md").read_text()
    for name in AlertsSettings.model_fields:
        assert f"`O2C_ALERTS_{name.upper()}`" in text, name


def test_the_gauge_is_per_owner_and_a_non_leader_reports_nothing_firing() -> None:
    spike = next(a for a in ALERTS if a.name == "exception_spike")
    set_gauges(spike, [Firing("missing_sku", "…", owner="operations")])
    assert ACTIVE.labels("exception_spike", "operations")._value.get() == 1
    assert ACTIVE.labels("exception_spike", "finance")._value.get() == 0
    stalled = next(a for a in ALERTS if a.name == "orders_stalled")
    set_gauges(stalled, [Firing("store", "…")])
    assert ACTIVE.labels("orders_stalled", "engineering")._value.get() == 1
    stand_down()
    assert ACTIVE.labels("orders_stalled", "engineering")._value.get() == 0
    assert ACTIVE.labels("exception_spike", "operations")._value.get() == 0
