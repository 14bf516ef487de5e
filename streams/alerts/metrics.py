"""Prometheus series of the alert evaluator (the PrometheusRule and dashboard read these names)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ACTIVE = Gauge("o2c_alert_active", "1 while the alert fires, 0 when it is clear (per alert and owning team).",
               ["alert", "owner"])
EVALUATIONS = Counter("o2c_alert_evaluations_total", "Rounds of alert evaluation (every O2C_ALERTS_INTERVAL s, "
                      "on the leader).")
SAMPLE_FAILURES = Counter("o2c_alert_sample_failures_total", "Samples the evaluator could not read (their rules "
                          "keep their last state until the next round).", ["sample"])
LAST_EVALUATION = Gauge("o2c_alert_last_evaluation_timestamp_seconds", "When the leader last evaluated the alert "
                        "rules (Unix time); stale means nobody watches.")
