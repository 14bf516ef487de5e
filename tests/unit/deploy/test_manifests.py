"""The Kubernetes manifests agree with the code: topics match the contract, probes hit real pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy.k8s.render import render
from streams.contract.topics import PUBLIC_TOPICS

BASE = Path(__file__).resolve().parents[3] / "deploy" / "k8s" / "base"


def test_kafka_topics_are_generated_from_the_contract() -> None:
    assert (BASE / "kafkatopics.yaml").read_text() == render(), "run: python -m deploy.k8s.render > …"
    names = {doc["spec"]["topicName"] for doc in yaml.safe_load_all((BASE / "kafkatopics.yaml").read_text())}
    assert names == {t.name for t in PUBLIC_TOPICS}


def test_every_base_resource_is_listed_and_probes_use_health_pages() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in BASE.glob("*.yaml")
                                                         if p.name != "kustomization.yaml")
    statefulset = yaml.safe_load((BASE / "statefulset.yaml").read_text())
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def _patched(overlay: dict, kind: str, path: str, default: object) -> object:
    for patch in overlay.get("patches", []):
        if patch["target"]["kind"] == kind:
            for op in yaml.safe_load(patch["patch"]):
                if op["path"] == path:
                    return op["value"]
    return default


def test_netsuite_workers_match_the_replicas_in_base_and_production() -> None:
    """Each replica takes limit / O2C_NS_WORKERS NetSuite slots, so the two must agree (else 429s)."""
    statefulset = yaml.safe_load((BASE / "statefulset.yaml").read_text())
    config = yaml.safe_load((BASE / "configmap.yaml").read_text())["data"]
    assert int(config["O2C_NS_WORKERS"]) == statefulset["spec"]["replicas"]
    production = yaml.safe_load((BASE.parent / "overlays" / "production" / "kustomization.yaml").read_text())
    replicas = _patched(production, "StatefulSet", "/spec/replicas", statefulset["spec"]["replicas"])
    workers = _patched(production, "ConfigMap", "/data/O2C_NS_WORKERS", config["O2C_NS_WORKERS"])
    assert int(str(workers)) == int(str(replicas))
