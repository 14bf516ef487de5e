"""The Kubernetes manifests agree with the code: topics match the contract, probes hit real pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy.k8s.render import internal_topics, render
from deploy.local.kafka import KafkaBroker, KafkaJars
from streams.contract.topics import BY_NAME, COMPRESSION, MAX_MESSAGE_BYTES, PUBLIC_TOPICS

BASE = Path(__file__).resolve().parents[3] / "deploy" / "k8s" / "base"


def test_kafka_topics_are_generated_from_the_contract_and_the_worker() -> None:
    assert (BASE / "kafkatopics.yaml").read_text() == render(), "run: python -m deploy.k8s.render > …"
    docs = list(yaml.safe_load_all((BASE / "kafkatopics.yaml").read_text()))
    names = {doc["spec"]["topicName"] for doc in docs}
    internal = {t.name for t in internal_topics()}
    assert names == {t.name for t in PUBLIC_TOPICS} | internal
    assert {"o2c-__assignor-__leader", "o2c-inventory-nudges", "o2c-heartbeat-counts-changelog",
            "o2c-inventory-stock-changelog"} <= internal
    for doc in docs:
        name = doc["spec"]["topicName"]
        if name.endswith("-changelog"):
            assert doc["spec"]["config"]["cleanup.policy"] == "compact", name
        assert doc["spec"]["partitions"] == (1 if name.endswith("-__assignor-__leader") else 12), name


_WORKER_TOPICS = """
import streams.worker as worker
from streams.inventory.agents import INTERNAL_TOPICS
from streams.platform.app import app
names = {t.changelog_topic.get_topic_name() for t in app.tables.values()}
names |= {s.name for s in INTERNAL_TOPICS} | {worker.LEADER_TOPIC.name}
print("\\n".join(sorted(names)))
"""


def test_internal_topics_are_the_ones_a_worker_with_every_flow_declares() -> None:
    """In a fresh interpreter with another app id: the rendered names follow O2C_APP_ID's prefix."""
    import os
    import subprocess
    import sys

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("O2C_")}, "O2C_APP_ID": "shop-o2c"}
    out = subprocess.run([sys.executable, "-c", _WORKER_TOPICS], env=env, capture_output=True, text=True,
                         timeout=120, check=True, cwd=BASE.parents[2]).stdout.split()
    assert out == sorted(t.name for t in internal_topics("shop-o2c"))


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
