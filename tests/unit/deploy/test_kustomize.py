"""The kustomize base and overlays render, every object is valid against its schema, and production is safe.

Built-in kinds are checked with ``kubernetes-validate`` (strict: an unknown field is an error); KafkaTopic,
KafkaUser, PodMonitor and PrometheusRule against the openAPIV3Schema of the CRDs in deploy/k8s/crds (copies of
the workspace's shared/specs/k8s, checked to be unchanged where that folder exists).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from deploy.k8s.render import resource_name
from tests.unit.deploy.rendered import BUILDS, ROOT, build, find

SPECS = ROOT / "deploy" / "k8s" / "crds"
SHARED_SPECS = next((p for p in (Path("/work/shared/specs/k8s"), ROOT.parent / "shared" / "specs" / "k8s")
                     if p.exists()), None)
KUBERNETES_VERSION = "1.33"
PRODUCTION = "overlays/production"
SECRET_KEYS = ("O2C_DATABASE_URL", "O2C_BC_STORE_HASH", "O2C_BC_ACCESS_TOKEN", "O2C_BC_WEBHOOK_SECRET",
               "O2C_NS_ACCOUNT_ID", "O2C_NS_CONSUMER_KEY", "O2C_NS_CONSUMER_SECRET", "O2C_NS_TOKEN_ID",
               "O2C_NS_TOKEN_SECRET")
OPS_SECRET_KEYS = ("O2C_OPS_SESSION_SECRET", "O2C_OPS_USERS")


def test_the_vendored_crds_are_the_shared_specs_unchanged() -> None:
    vendored = sorted(SPECS.glob("*.yaml"))
    assert len(vendored) == 4
    if SHARED_SPECS is None:
        pytest.skip("the workspace's shared/specs/k8s is not next to this clone")
    for path in vendored:
        assert path.read_bytes() == (SHARED_SPECS / path.name).read_bytes(), path.name


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → openAPIV3Schema of every CRD version served."""
    schemas = {}
    for path in SPECS.glob("*.yaml"):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
                    schemas[key] = version["schema"]["openAPIV3Schema"]
    return schemas


@pytest.mark.parametrize("path", BUILDS)
def test_every_rendered_object_is_valid(path: str) -> None:
    objects = build(path)
    custom = {"KafkaTopic", "KafkaUser", "PodMonitor", "PrometheusRule"}
    assert custom <= {o["kind"] for o in objects}
    for obj in objects:
        where = f"{path}: {obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] in custom:
            schema = crd_schemas().get((obj["apiVersion"], obj["kind"]))
            assert schema is not None, f"{where}: {obj['apiVersion']} is not served by the CRDs in {SPECS}"
            errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(obj)]
            assert errors == [], where
        else:
            try:
                kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{where}: {error}")
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                            obj["metadata"]["name"]), where


def test_production_renders_exactly_these_objects() -> None:
    objects = build(PRODUCTION)
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] != "KafkaTopic")
    assert kinds == [
        ("ConfigMap", "o2c"), ("ConfigMap", "o2c-ops"), ("Deployment", "o2c-ops"), ("Ingress", "o2c-webhooks"),
        ("KafkaUser", "o2c"), ("NetworkPolicy", "o2c-ops"), ("NetworkPolicy", "o2c-worker"),
        ("PodDisruptionBudget", "o2c"), ("PodMonitor", "o2c"), ("PrometheusRule", "o2c"), ("Service", "o2c"),
        ("Service", "o2c-ops"), ("Service", "o2c-webhooks"), ("StatefulSet", "o2c"),
    ]
    assert {o["metadata"].get("namespace") for o in objects} == {"o2c"}
    base_topics = [o for o in build("base") if o["kind"] == "KafkaTopic"]
    assert [o for o in objects if o["kind"] == "KafkaTopic"] == [
        {**t, "metadata": {**t["metadata"], "namespace": "o2c"}} for t in base_topics]


def _pods(objects: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"]["template"] for o in objects if o["kind"] in ("StatefulSet", "Deployment")}


def _config(objects: tuple[dict[str, Any], ...], name: str) -> dict[str, str]:
    data: dict[str, str] = find(objects, "ConfigMap", name)["data"]
    return data


@pytest.mark.parametrize("path", BUILDS)
def test_pods_run_as_non_root_on_a_read_only_root_with_a_pinned_image(path: str) -> None:
    objects = build(path)
    data_dir = _config(objects, "o2c")["O2C_DATA_DIR"]
    for name, pod in _pods(objects).items():
        spec = pod["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert re.fullmatch(r"ghcr\.io/o2c/o2c:\d+\.\d+\.\d+", container["image"]), container["image"]
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}/{container['name']}: Python needs a writable /tmp"
        volumes = {v["name"]: v for v in spec["volumes"]}
        if name == "o2c":
            worker = spec["containers"][0]
            data = {m["mountPath"]: m["name"] for m in worker["volumeMounts"]}[data_dir]
            assert "emptyDir" in volumes[data] or "persistentVolumeClaim" in volumes[data]
            assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^USER 10001(:10001)?$", dockerfile, re.M) and f"O2C_DATA_DIR={data_dir}" in dockerfile
    assert ":latest" not in dockerfile


def test_migrations_run_before_the_worker_and_the_ops_page() -> None:
    for name, pod in _pods(build(PRODUCTION)).items():
        if name == "o2c":
            (init,) = pod["spec"]["initContainers"]
            assert init["args"] == ["migrate"]
            assert init["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "o2c-secrets", "key": "O2C_DATABASE_URL"}


def test_only_webhooks_are_exposed_and_metrics_stay_internal() -> None:
    objects = build(PRODUCTION)
    config = _config(objects, "o2c")
    worker = _pods(objects)["o2c"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert ports == {"web": int(config["O2C_WEB_PORT"]), "webhooks": int(config["O2C_WEBHOOK_PORT"])}
    assert ports == {"web": 6066, "webhooks": 6067}

    ingress = find(objects, "Ingress", "o2c-webhooks")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert [(p["path"], p["pathType"]) for p in paths] == [("/webhooks/", "Prefix")]
    backend = paths[0]["backend"]["service"]
    service = find(objects, "Service", backend["name"])
    (port,) = [p for p in service["spec"]["ports"] if p["name"] == backend["port"]["name"]]
    assert port["targetPort"] == "webhooks"
    assert service["spec"]["selector"] == _pods(objects)["o2c"]["metadata"]["labels"]
    assert [i for i in objects if i["kind"] == "Ingress"] == [ingress]
    for svc in (o for o in objects if o["kind"] == "Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", svc["metadata"]["name"]
        if svc["metadata"]["name"] != "o2c-webhooks":
            assert all(p["targetPort"] != "webhooks" for p in svc["spec"]["ports"])

    host = urlsplit(config["O2C_BC_WEBHOOK_DESTINATION"])
    assert host.scheme == "https" and host.path == "/webhooks/bigcommerce"
    assert [r["host"] for r in ingress["spec"]["rules"]] == [host.hostname]
    assert ingress["spec"]["tls"][0]["hosts"] == [host.hostname]

    policy = find(objects, "NetworkPolicy", "o2c-worker")
    for rule in policy["spec"]["ingress"]:
        if any(p["port"] == "web" for p in rule["ports"]):
            assert rule["from"], "the metrics port is open to everyone"
        else:
            assert [p["port"] for p in rule["ports"]] == ["webhooks"]


def test_the_pod_monitor_scrapes_only_the_workers_metrics_port() -> None:
    objects = build(PRODUCTION)
    monitor = find(objects, "PodMonitor", "o2c")
    selector = monitor["spec"]["selector"]["matchLabels"]
    pods = _pods(objects)

    def selects(labels: dict[str, str]) -> bool:
        return selector.items() <= labels.items()

    assert selects(pods["o2c"]["metadata"]["labels"]) and not selects(pods["o2c-ops"]["metadata"]["labels"])
    assert [(e["port"], e["path"]) for e in monitor["spec"]["podMetricsEndpoints"]] == [("web", "/metrics")]
    job_label = monitor["spec"]["jobLabel"]
    from deploy.k8s.alerts import JOB

    assert pods["o2c"]["metadata"]["labels"][job_label] == JOB


def test_the_ops_page_is_its_own_internal_deployment_reading_every_worker() -> None:
    objects = build(PRODUCTION)
    ops = find(objects, "Deployment", "o2c-ops")["spec"]["template"]["spec"]["containers"][0]
    assert ops["args"] == ["ops"]
    assert {e["secretRef"]["name"] for e in ops["envFrom"] if "secretRef" in e} == {"o2c-ops-secrets"}
    service = find(objects, "Service", "o2c-ops")
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(6070, "http")]
    config = _config(objects, "o2c-ops")
    assert config["O2C_OPS_PORT"] == "6070"
    replicas = find(objects, "StatefulSet", "o2c")["spec"]["replicas"]
    urls = json.loads(config["O2C_OPS_METRICS_URLS"])
    assert urls == [f"http://o2c-{i}.o2c:6066/metrics" for i in range(replicas)]
    assert find(objects, "Service", "o2c")["spec"]["clusterIP"] == "None"  # o2c-N.o2c resolves


@pytest.mark.parametrize("path", [PRODUCTION, "overlays/production-mtls"])
def test_kafka_is_tls_with_strimzi_credentials(path: str) -> None:
    objects = build(path)
    config = _config(objects, "o2c")
    user = find(objects, "KafkaUser", "o2c")
    worker = _pods(objects)["o2c"]["spec"]
    mounts = {m["mountPath"]: m["name"] for m in worker["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in worker["volumes"]}

    def secret_file(setting: str) -> tuple[str, str]:
        folder, file = config[setting].rsplit("/", 1)
        secret = volumes[mounts[folder]]["secret"]
        assert file in {i["path"] for i in secret["items"]}
        return secret["secretName"], file

    assert secret_file("O2C_KAFKA_SSL_CAFILE") == ("o2c-cluster-ca-cert", "ca.crt")
    if path == PRODUCTION:
        assert config["O2C_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert config["O2C_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512" and user["spec"]["authentication"]["type"] == \
            "scram-sha-512"
        assert config["O2C_KAFKA_SASL_USERNAME"] == user["metadata"]["name"]
        (password,) = [e for e in worker["containers"][0]["env"] if e["name"] == "O2C_KAFKA_SASL_PASSWORD"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": user["metadata"]["name"], "key": "password"}
    else:
        assert config["O2C_KAFKA_SECURITY_PROTOCOL"] == "SSL" and user["spec"]["authentication"]["type"] == "tls"
        assert not any(k.startswith("O2C_KAFKA_SASL") for k in config)
        assert secret_file("O2C_KAFKA_SSL_CERTFILE") == (user["metadata"]["name"], "user.crt")
        assert secret_file("O2C_KAFKA_SSL_KEYFILE") == (user["metadata"]["name"], "user.key")


def test_the_kafka_user_may_use_every_declared_topic_and_the_group() -> None:
    objects = build(PRODUCTION)
    acls = find(objects, "KafkaUser", "o2c")["spec"]["authorization"]["acls"]
    config = _config(objects, "o2c")

    def allowed(kind: str, name: str, operation: str) -> bool:
        for acl in acls:
            resource = acl["resource"]
            if resource["type"] != kind or operation not in acl["operations"]:
                continue
            prefix = resource.get("patternType") == "prefix"
            if kind == "cluster" or (name.startswith(resource["name"]) if prefix else name == resource["name"]):
                return True
        return False

    topics = [o["spec"]["topicName"] for o in objects if o["kind"] == "KafkaTopic"]
    for topic in topics:
        assert all(allowed("topic", topic, op) for op in ("Read", "Write", "Describe", "Create")), topic
    assert allowed("group", config["O2C_APP_ID"], "Read")
    assert any(t.endswith("-__assignor-__leader") for t in topics)
    assert all(o["metadata"]["name"] == resource_name(o["spec"]["topicName"]) for o in objects
               if o["kind"] == "KafkaTopic")


def test_production_has_no_sandbox_urls_or_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented secrets plus the rendered ConfigMap pass the worker's own sandbox refusal."""
    from streams.platform import sandbox_guard

    objects = build(PRODUCTION)
    config = _config(objects, "o2c")
    assert config["O2C_SANDBOX_MODE"] == "false"
    for obj in objects:
        if obj["kind"] == "ConfigMap":
            assert not [k for k in obj["data"] if re.search(r"TOKEN|SECRET|PASSWORD|DATABASE_URL|_KEY$", k)]
    text = yaml.safe_dump_all(objects)
    for word in ("127.0.0.1", "localhost", "sandbox", ":8701", ":8702", ":8703", "latest"):
        assert word not in text.replace("O2C_SANDBOX_MODE", ""), word
    for key in [k for k in list(__import__("os").environ) if k.startswith("O2C_")]:
        monkeypatch.delenv(key)
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    for key in SECRET_KEYS:
        monkeypatch.setenv(key, {"O2C_NS_ACCOUNT_ID": "7654321", "O2C_BC_STORE_HASH": "abc123"}.get(key, "x" * 24))
    assert sandbox_guard.problems(["bigcommerce", "netsuite"]) == []
    monkeypatch.delenv("O2C_BC_ACCESS_TOKEN")  # a missing secret key would fall back to the sandbox's default
    assert sandbox_guard.problems(["bigcommerce"]) != []


def test_the_deployment_doc_lists_every_secret_key() -> None:
    doc = (ROOT / "docs" / "deployment.md").read_text()
    for key in (*SECRET_KEYS, *OPS_SECRET_KEYS, "o2c-secrets", "o2c-ops-secrets", "o2c-cluster-ca-cert"):
        assert f"`{key}`" in doc, key


def test_runbook_urls_follow_the_sites_docs_url() -> None:
    objects = build(PRODUCTION)
    site = yaml.safe_load((Path(ROOT / "deploy/k8s/overlays/production/site.yaml")).read_text())["data"]
    rules = [r for g in find(objects, "PrometheusRule", "o2c")["spec"]["groups"] for r in g["rules"]]
    assert rules and all(r["annotations"]["runbook_url"].startswith(site["docsUrl"] + "/docs/") for r in rules)
