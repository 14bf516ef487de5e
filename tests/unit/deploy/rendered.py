"""The kustomize builds of deploy/k8s, rendered once per test session with the project's own kustomize binary."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZE = ROOT / ".local" / "bin" / "kustomize"
BUILDS = ("base", "overlays/production", "overlays/production-mtls")


@cache
def build(path: str) -> tuple[dict[str, Any], ...]:
    """Every object ``kustomize build deploy/k8s/<path>`` renders."""
    assert KUSTOMIZE.exists(), f"{KUSTOMIZE} is missing: run `make kustomize` (make test does)"
    out = subprocess.run([str(KUSTOMIZE), "build", str(K8S / path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def find(objects: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]
