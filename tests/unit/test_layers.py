"""Layers point one way (``tests.support.layers``): the check itself, and the tree passing it."""

from __future__ import annotations

import pytest

from tests.support.layers import rule_broken, violations


@pytest.mark.parametrize(("module", "imported"), [
    ("connectors.bigcommerce.source", "streams.contract"),
    ("state.orders", "connectors.http"),
    ("state.orders", "streams.platform.app"),
    ("streams.contract.topics", "streams.platform.settings"),
    ("streams.platform.web", "streams.orders.runtime"),
    ("streams.platform.app", "streams.ingest.bigcommerce"),
    ("streams.orders.planner", "streams.inventory.model"),
    ("streams.inventory.agents", "deploy.local.procs"),
    ("streams.orders.writer", "tests.support.orders"),
    ("connectors.netsuite.client", "connectors.netsuite.sandbox.app"),
    ("streams.platform.demo", "bench.stack"),
    ("streams.prices.records", "streams.orders.settings"),
    ("streams.cash.deposits", "streams.returns.plan"),
    ("streams.audit.checks", "streams.inventory.agents"),
    ("streams.ops.server", "streams.prices.agents"),
    ("streams.platform.web", "streams.ops.server"),
])
def test_each_forbidden_direction_is_caught(module: str, imported: str) -> None:
    assert rule_broken(module, imported) is not None


@pytest.mark.parametrize(("module", "imported"), [
    ("streams.orders.planner", "streams.contract"),
    ("streams.orders.planner", "state.orders"),
    ("streams.ingest.bigcommerce", "connectors.bigcommerce.source"),
    ("connectors.netsuite.source", "state.cursors"),
    ("streams.cli", "deploy.local.kafka"),
    ("streams.cli", "connectors.bigcommerce.sandbox.load"),
    ("connectors.bigcommerce.sandbox.app", "connectors.bigcommerce.sandbox.state"),
    ("deploy.k8s.render", "streams.contract.topics"),
    ("streams.returns.writer", "streams.cash.deposit_writer"),
    ("streams.audit.checks", "streams.inventory.model"),
])
def test_allowed_directions_pass(module: str, imported: str) -> None:
    assert rule_broken(module, imported) is None


def test_the_tree_keeps_its_layers() -> None:
    assert [str(v) for v in violations()] == []


def test_no_module_is_over_500_lines_outside_the_sandboxes() -> None:
    from tests.support.layers import ROOT

    long = [f"{p.relative_to(ROOT)}: {n} lines"
            for package in ("streams", "connectors", "state", "deploy", "tests", "bench")
            for p in sorted((ROOT / package).rglob("*.py")) if "sandbox" not in p.parts
            for n in [len(p.read_text().splitlines())] if n > 500]
    assert long == []
