"""One audit run: the selected checks one after another, the run and its findings stored (``state.audit``).

A check that fails (an API down, a query refused) is recorded in the run's ``error`` and the run goes on
with the next check; such a run ends ``failed`` with every finding the other checks made. Metrics:
``o2c_audit_findings{check,kind}`` (the last run's), ``o2c_audit_last_run_timestamp_seconds``,
``o2c_audit_run_failures_total{check}``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge

from connectors.http import one_line
from state import audit as store
from streams.audit.checks import CHECK_FUNCTIONS, Context
from streams.audit.findings import NewFinding
from streams.audit.settings import CHECKS

log = logging.getLogger(__name__)

FINDINGS = Gauge("o2c_audit_findings", "Findings of the last audit run, per check and kind", ["check", "kind"])
LAST_RUN = Gauge("o2c_audit_last_run_timestamp_seconds", "When the last audit run finished (Unix time)")
FAILURES = Counter("o2c_audit_run_failures_total", "Audit checks that failed to run", ["check"])
_shown: dict[str, set[str]] = {}  # check → kinds the gauge has a value for


@dataclass
class RunResult:
    run_id: int
    checks: list[str]
    compared: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    findings: list[NewFinding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        """Findings per check (every check run, with 0 for a clean one)."""
        tally = Tally(f.check_name for f in self.findings)
        return {c: tally.get(c, 0) for c in self.checks}


def selected(names: Iterable[str] | None) -> list[str]:
    """The checks asked for, in run order (none named: all). An unknown name is a ValueError."""
    wanted = set(names or CHECKS)
    unknown = sorted(wanted - set(CHECKS))
    if unknown:
        raise ValueError(f"unknown audit check {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    return [c for c in CHECKS if c in wanted]


def _publish(check: str, found: list[NewFinding]) -> None:
    kinds = Tally(f.kind for f in found)
    for kind in _shown.get(check, set()) - set(kinds):
        FINDINGS.labels(check, kind).set(0)
    for kind, n in kinds.items():
        FINDINGS.labels(check, kind).set(n)
    _shown[check] = _shown.get(check, set()) | set(kinds)


async def run_audit(ctx: Context, checks: Iterable[str] | None = None, *, trigger: str) -> RunResult:
    """Run the checks against both systems, store the run and its findings, and return them."""
    names = selected(checks)
    run_id = await store.start_run(ctx.pool, trigger=trigger, checks=names, since=ctx.since)
    result = RunResult(run_id, names)
    log.info("audit started", extra={"run_id": run_id, "checks": names, "since": ctx.since.isoformat()})
    for name in names:
        started = time.monotonic()
        try:
            outcome = await CHECK_FUNCTIONS[name](ctx)
        except Exception as error:  # one check's failure is the run's error, never the others'
            FAILURES.labels(name).inc()
            result.errors[name] = one_line(error) or type(error).__name__
            log.warning("audit check %s failed: %s", name, result.errors[name],
                        extra={"run_id": run_id, "check": name}, exc_info=True)
            continue
        result.compared[name] = outcome.compared
        result.findings.extend(outcome.findings)
        await store.add_findings(ctx.pool, run_id, outcome.findings)
        _publish(name, outcome.findings)
        log.info("audit check %s: %d compared, %d findings", name, outcome.compared, len(outcome.findings),
                 extra={"run_id": run_id, "check": name, "seconds": round(time.monotonic() - started, 2)})
    failed = "; ".join(f"{name}: {text}" for name, text in result.errors.items()) or None
    await store.finish_run(ctx.pool, run_id, compared=result.compared, error=failed)
    LAST_RUN.set(time.time())
    return result
