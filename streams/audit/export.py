"""A run's findings as CSV (the CLI; the ops page has its own route), JSON or plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import orjson

COLUMNS = ("check", "kind", "owner", "object_type", "bc_id", "ns_id", "message")


class FindingLike(Protocol):
    """``state.audit.Finding`` (stored) or ``NewFinding`` (just made)."""

    @property
    def check_name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def bc_id(self) -> str | None: ...
    @property
    def ns_id(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def detail(self) -> Any: ...


def _row(f: FindingLike) -> dict[str, Any]:
    return {"check": f.check_name, "kind": f.kind, "owner": f.owner, "object_type": f.object_type,
            "bc_id": f.bc_id or "", "ns_id": f.ns_id or "", "message": f.message}


def to_csv(findings: Iterable[FindingLike]) -> str:
    """One row per finding, with a header (``COLUMNS``); spreadsheet-safe quoting."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for f in findings:
        writer.writerow(_row(f))
    return out.getvalue()


def to_json(findings: Iterable[FindingLike], **run: Any) -> str:
    """``{...run, "findings": [...]}`` with each finding's detail."""
    body = {**run, "findings": [{**_row(f), "detail": f.detail} for f in findings]}
    return orjson.dumps(body, option=orjson.OPT_INDENT_2, default=str).decode()


def to_text(findings: Sequence[FindingLike], counts: dict[str, int], *, run_id: int,
            errors: dict[str, str]) -> str:
    """Counts per check, then each finding grouped by check: what an operator reads in a terminal."""
    lines = [f"audit run {run_id}: {len(findings)} finding(s)"]
    for check, n in counts.items():
        state = f"FAILED ({errors[check]})" if check in errors else f"{n} finding(s)"
        lines.append(f"  {check:<10} {state}")
    current = None
    for f in sorted(findings, key=lambda f: (f.check_name, f.kind)):
        if f.check_name != current:
            current = f.check_name
            lines.append(f"\n{current}:")
        ids = ", ".join(x for x in (f"BigCommerce {f.bc_id}" if f.bc_id else "",
                                     f"NetSuite {f.ns_id}" if f.ns_id else "") if x)
        lines.append(f"  [{f.kind}] ({f.owner}; {ids}) {f.message}")
    return "\n".join(lines)
