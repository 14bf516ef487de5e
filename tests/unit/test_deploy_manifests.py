"""The Kubernetes manifests agree with the code: topics match the contract, probes hit real pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy.k8s.render import render
from streams.topics import PUBLIC_TOPICS

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"


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
