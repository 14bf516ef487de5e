"""What every rule module shares: the finding it returns and the owners (``state.audit`` stores them)."""

from __future__ import annotations

from typing import Any, Literal

from state.audit import NewFinding

Owner = Literal["finance", "operations", "customer_service", "engineering"]


def finding(check: str, kind: str, object_type: str, owner: Owner, message: str, *, bc_id: object = None,
            ns_id: object = None, detail: dict[str, Any] | None = None) -> NewFinding:
    """One finding; ids are kept as text (``None`` when that system has no such object)."""
    return NewFinding(check_name=check, kind=kind, object_type=object_type, owner=owner, message=message,
                      bc_id=None if bc_id is None else str(bc_id), ns_id=None if ns_id is None else str(ns_id),
                      detail=detail)


__all__ = ["NewFinding", "Owner", "finding"]
