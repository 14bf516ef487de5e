"""The series names the o2c worker exports, and the ones the PrometheusRule and the dashboard read.

Names are compared exactly as Prometheus stores them: a counter ``x`` is the series ``x_total``, a histogram
``h`` the series ``h_bucket``, ``h_sum`` and ``h_count`` (read from the exposition's ``# TYPE`` lines, so a
labelled metric no event has touched yet still counts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deploy.grafana.render import dashboard
from deploy.k8s.alerts import RULES
from deploy.k8s.promql import metric_names

ROOT = Path(__file__).resolve().parents[2]

#: Series the rules and dashboard may read that the worker does not export, and who provides them.
EXTERNAL = {
    "up": "Prometheus itself (one per scrape target)",
    "kube_pod_container_status_ready": "kube-state-metrics",
}

_SUFFIXES = {"counter": ("",), "gauge": ("",), "untyped": ("",), "info": ("",), "stateset": ("",),
             "histogram": ("_bucket", "_sum", "_count"), "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
             "summary": ("", "_sum", "_count")}


def series_from_exposition(text: str) -> set[str]:
    """Every series name a Prometheus text exposition declares (``# TYPE name type`` lines)."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names.update(name + suffix for suffix in _SUFFIXES[kind.strip()])
    return names


_IMPORT_WORKER = """
import streams.worker  # every flow, source, the alerts and Faust's sensors (streams/platform/web.py)
from prometheus_client import REGISTRY, generate_latest
print(generate_latest(REGISTRY).decode())
"""


def worker_series() -> set[str]:
    """The worker's series: ``streams.worker`` imported in a fresh interpreter (its registry only).

    Every o2c metric is created at module level, so the flows' on/off settings do not change the set; the
    environment is cleared of ``O2C_*`` so a developer's settings cannot either.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    out = subprocess.run([sys.executable, "-c", _IMPORT_WORKER], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return series_from_exposition(out)


def rule_references() -> dict[str, set[str]]:
    """Alert name → the metric names its expression reads."""
    return {rule.alert: metric_names(rule.expr) for rule in RULES}


def dashboard_references() -> dict[str, set[str]]:
    """``panel title/refId`` → the metric names the query reads (panels of the generated dashboard)."""
    found = {}
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            found[f"{panel['title']}/{target['refId']}"] = metric_names(target["expr"])
    query = json.dumps(dashboard()["templating"])
    found["templating"] = {"up"} if "up{" in query else set()
    return found


def missing(references: dict[str, set[str]], exported: set[str]) -> dict[str, set[str]]:
    """Each reference's names that are neither exported nor :data:`EXTERNAL` (empty when all are real)."""
    return {where: gone for where, names in references.items() if (gone := names - exported - EXTERNAL.keys())}
