"""The layering check: which packages may import which (DESIGN §3, docs/architecture.md "Layout").

``python -m tests.support.layers`` prints every import that breaks a rule and exits 1 if there is one;
``tests/unit/test_layers.py`` runs the same check in the suite. Imports inside functions count too.

Rules:

- ``connectors/`` never imports ``streams/`` (sources hand their own models to a callback);
- ``state/`` imports neither ``streams/`` nor ``connectors/``;
- ``streams/contract/`` (the event contract) imports nothing else of o2c;
- ``streams/platform/`` imports no flow and no source (``streams.orders``, ``streams.inventory``,
  ``streams.ingest``);
- a flow folder does not import another flow folder, except a declared dependency (``FLOW_DEPENDS``: returns
  are built on cash's deposit model, so ``streams.returns`` may import ``streams.cash``);
- the surfaces over every flow (``streams.audit``, ``streams.ops``) may read a flow's rules and settings but
  never its ``agents`` module (importing it registers the flow's agents in the process);
- production code (``streams/``, ``connectors/``, ``state/``) never imports ``deploy.local``, a sandbox,
  ``tests`` or ``bench`` — except the CLI (``streams/cli.py``), whose ``up``, ``run`` and ``sandbox``
  commands start the local stack and the sandboxes, and the sandboxes themselves.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("streams", "connectors", "state")
FLOWS = ("streams.orders", "streams.inventory", "streams.fulfilments", "streams.cash", "streams.returns",
         "streams.prices")
FLOW_DEPENDS = {"streams.returns": ("streams.cash",)}
SURFACES = ("streams.audit", "streams.ops", "streams.alerts")
CLI_EXEMPT = {"streams.cli"}


@dataclass(frozen=True)
class Violation:
    module: str
    imported: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.rule}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every absolute module an o2c file imports (``from x import y`` also yields ``x.y``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_sandbox(name: str) -> bool:
    return ".sandbox" in f".{name}." and within(name, "connectors")


def rule_broken(module: str, imported: str) -> str | None:
    """The rule ``module`` importing ``imported`` breaks, or None."""
    if within(module, "connectors") and within(imported, "streams"):
        return "connectors never import streams"
    if within(module, "state") and (within(imported, "streams") or within(imported, "connectors")):
        return "state imports neither streams nor connectors"
    if within(module, "streams.contract") and any(
            within(imported, p) for p in ("streams", "connectors", "state")) and not within(imported,
                                                                                           "streams.contract"):
        return "the event contract imports nothing else of o2c"
    if within(module, "streams.platform") and any(
            within(imported, p) for p in (*FLOWS, "streams.ingest", "streams.worker", "streams.cli")):
        return "the platform imports no flow or source"
    for flow in FLOWS:
        allowed = (flow, *FLOW_DEPENDS.get(flow, ()))
        if within(module, flow) and any(within(imported, other) for other in FLOWS if other not in allowed):
            return "a flow does not import another flow"
    if any(within(module, s) for s in SURFACES) and any(within(imported, f"{flow}.agents") for flow in FLOWS):
        return "a surface reads a flow's rules, never its agents"
    if within(module, "streams.platform") and any(within(imported, s) for s in SURFACES):
        return "the platform imports no flow or source"
    production = any(within(module, p) for p in PRODUCTION) and module not in CLI_EXEMPT and not is_sandbox(module)
    if production and (within(imported, "deploy.local") or within(imported, "tests") or within(imported, "bench")
                       or is_sandbox(imported)):
        return "production code never imports deploy.local, a sandbox, tests or bench"
    return None


def violations(root: Path = ROOT) -> list[Violation]:
    found = []
    for package in PRODUCTION:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path)
            seen: set[int] = set()
            for imported, line in imports(path):
                rule = rule_broken(module, imported)
                if rule and line not in seen:  # one report per import statement
                    seen.add(line)
                    found.append(Violation(module, imported, line, rule))
    return found


def main() -> int:
    found = violations()
    for violation in found:
        print(violation)
    print(f"layers: {len(found)} violation(s)" if found else "layers: every import points the right way")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
