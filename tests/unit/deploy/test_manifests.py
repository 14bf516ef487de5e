"""The Kubernetes manifests agree with the code: topics match the contract, probes hit real pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy.k8s.render import render
from deploy.local.kafka import KafkaBroker, KafkaJars
from streams.contract.topics import BY_NAME, COMPRESSION, MAX_MESSAGE_BYTES, PUBLIC_TOPICS

BASE = Path(__file__).resolve().parents[3] / "deploy" / "k8s" / "base"


def test_kafka_topics_are_generated_from_the_contract() -> None:
    assert (BASE / "kafkatopics.yaml").read_text() == render(), "run: python -m deploy.k8s.render > …"
    names = {doc["spec"]["topicName"] for doc in yaml.safe_load_all((BASE / "kafkatopics.yaml").read_text())}
    assert names == {t.name for t in PUBLIC_TOPICS}


def test_topics_that_carry_a_whole_order_take_the_large_limit_everywhere(tmp_path: Path) -> None:
    """One constant: the Strimzi topics, the topic configs o2c creates, the local broker and Faust agree."""
    large = {name for name, spec in BY_NAME.items() if spec.large}
    assert {"bc.orders", "bc.refunds", "ns.fulfilments", "ns.commands", "bc.commands", "sync.exceptions"} <= large
    assert MAX_MESSAGE_BYTES > 1024 * 1024  # Kafka's default held about 3,500 order lines

    manifests = {doc["spec"]["topicName"]: doc["spec"]["config"]
                 for doc in yaml.safe_load_all((BASE / "kafkatopics.yaml").read_text())}
    for spec in PUBLIC_TOPICS:
        assert {k: str(v) for k, v in manifests[spec.name].items() if k != "min.insync.replicas"} == spec.config
        assert ("max.message.bytes" in spec.config) == spec.large
        if spec.large:
            assert manifests[spec.name]["max.message.bytes"] == MAX_MESSAGE_BYTES

    broker = KafkaBroker(tmp_path / "kafka", KafkaJars(tmp_path / "libs"))
    broker.data_dir.mkdir()
    props = dict(line.split("=", 1) for line in broker._write_config().read_text().splitlines())
    assert int(props["message.max.bytes"]) == MAX_MESSAGE_BYTES
    assert int(props["replica.fetch.max.bytes"]) >= MAX_MESSAGE_BYTES

    from streams.platform.app import app

    assert app.conf.producer_max_request_size == MAX_MESSAGE_BYTES
    assert app.conf.consumer_max_fetch_size >= MAX_MESSAGE_BYTES
    assert app.conf.producer_compression_type == COMPRESSION


def test_the_compression_codec_is_installed() -> None:
    from aiokafka.producer.producer import AIOKafkaProducer

    checker, _ = AIOKafkaProducer._COMPRESSORS[COMPRESSION]
    assert checker(), f"aiokafka cannot compress with {COMPRESSION}: its library is missing (pyproject.toml)"


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
