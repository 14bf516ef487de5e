"""The system audit's runs and findings (``streams/audit`` decides what a finding is; this stores them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from state.db import Executor


@dataclass(frozen=True)
class NewFinding:
    check_name: str
    kind: str
    object_type: str
    owner: str
    message: str
    bc_id: str | None = None
    ns_id: str | None = None
    detail: Any = None


@dataclass(frozen=True)
class Finding:
    id: int
    run_id: int
    check_name: str
    kind: str
    object_type: str
    bc_id: str | None
    ns_id: str | None
    owner: str
    message: str
    detail: Any


@dataclass(frozen=True)
class AuditRun:
    id: int
    trigger: str
    checks: list[str]
    since: datetime | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    compared: dict[str, int]
    findings: int
    error: str | None


_RUN = "id, trigger, checks, since, started_at, finished_at, status, compared, findings, error"
_FINDING = "id, run_id, check_name, kind, object_type, bc_id, ns_id, owner, message, detail"


async def start_run(conn: Executor, *, trigger: str, checks: Iterable[str], since: datetime | None) -> int:
    value = await conn.fetchval("INSERT INTO audit_runs (trigger, checks, since) VALUES ($1, $2, $3) RETURNING id",
                                trigger, list(checks), since)
    return int(value)


async def add_findings(conn: Executor, run_id: int, found: Iterable[NewFinding]) -> int:
    rows = [(run_id, f.check_name, f.kind, f.object_type, f.bc_id, f.ns_id, f.owner, f.message, f.detail)
            for f in found]
    if rows:
        await conn.executemany(
            """INSERT INTO audit_findings (run_id, check_name, kind, object_type, bc_id, ns_id, owner, message, detail)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""", rows)
    return len(rows)


async def finish_run(conn: Executor, run_id: int, *, compared: Mapping[str, int], error: str | None = None) -> None:
    """Close a run: ``done`` (or ``failed`` with ``error``), its per-check counts and its number of findings."""
    await conn.execute(
        """UPDATE audit_runs SET finished_at = now(), status = $2, compared = $3, error = $4,
                  findings = (SELECT count(*) FROM audit_findings WHERE run_id = $1)
           WHERE id = $1""",
        run_id, "failed" if error else "done", dict(compared), error,
    )


async def list_runs(conn: Executor, *, limit: int = 50) -> list[AuditRun]:
    rows = await conn.fetch(f"SELECT {_RUN} FROM audit_runs ORDER BY id DESC LIMIT $1", limit)
    return [AuditRun(**dict(r)) for r in rows]


async def get_run(conn: Executor, run_id: int) -> AuditRun | None:
    row = await conn.fetchrow(f"SELECT {_RUN} FROM audit_runs WHERE id = $1", run_id)
    return AuditRun(**dict(row)) if row else None


async def findings(conn: Executor, run_id: int, *, check_name: str | None = None, kind: str | None = None,
                   limit: int = 1000, offset: int = 0) -> list[Finding]:
    rows = await conn.fetch(
        f"""SELECT {_FINDING} FROM audit_findings WHERE run_id = $1 AND ($2::text IS NULL OR check_name = $2)
            AND ($3::text IS NULL OR kind = $3) ORDER BY check_name, kind, id LIMIT $4 OFFSET $5""",
        run_id, check_name, kind, limit, offset)
    return [Finding(**dict(r)) for r in rows]


async def counts(conn: Executor, run_id: int) -> dict[tuple[str, str], int]:
    """Findings of a run per (check, kind)."""
    rows = await conn.fetch("SELECT check_name, kind, count(*) AS n FROM audit_findings WHERE run_id = $1 "
                            "GROUP BY 1, 2 ORDER BY 1, 2", run_id)
    return {(r["check_name"], r["kind"]): int(r["n"]) for r in rows}


# ------------------------------------------------------------------ what o2c recorded, read by the audit's checks


@dataclass(frozen=True)
class OpenException:
    id: int
    kind: str
    owner: str


async def open_exceptions(conn: Executor, object_type: str, bc_ids: Iterable[str]) -> dict[str, OpenException]:
    """The oldest open (or retrying) exception per object of this type, for these BigCommerce ids."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (bc_id) bc_id, id, kind, owner FROM exceptions
           WHERE object_type = $1 AND bc_id = ANY($2::text[]) AND status IN ('open', 'retrying')
           ORDER BY bc_id, created_at, id""", object_type, list(bc_ids))
    return {r["bc_id"]: OpenException(int(r["id"]), r["kind"], r["owner"]) for r in rows}


async def parked_orders(conn: Executor, store_hash: str, order_ids: Iterable[int]) -> dict[int, str]:
    """Orders o2c parked (waiting for an item, a customer, a retry): order id → the reason."""
    rows = await conn.fetch("SELECT order_id, reason FROM parked_orders WHERE store_hash = $1 "
                            "AND order_id = ANY($2::bigint[])", store_hash, list(order_ids))
    return {int(r["order_id"]): r["reason"] for r in rows}


async def refund_bookings(conn: Executor, store_hash: str,
                          refund_ids: Iterable[int]) -> dict[int, tuple[str, frozenset[str]]]:
    """Refund id → (o2c's status, the kinds of document it created for it)."""
    rows = await conn.fetch(
        """SELECT r.refund_id, r.status,
                  coalesce(array_agg(d.doc) FILTER (WHERE d.status = 'created'), '{}') AS docs
           FROM return_refunds r LEFT JOIN return_documents d
             ON d.store_hash = r.store_hash AND d.refund_id = r.refund_id
           WHERE r.store_hash = $1 AND r.refund_id = ANY($2::bigint[]) GROUP BY r.refund_id, r.status""",
        store_hash, list(refund_ids))
    return {int(r["refund_id"]): (r["status"], frozenset(r["docs"])) for r in rows}


async def recorded_shipments(conn: Executor, store_hash: str, ns_ids: Iterable[str]) -> dict[str, set[int]]:
    """Fulfilment id → the BigCommerce shipment ids o2c recorded as created for it."""
    rows = await conn.fetch(
        """SELECT ns_id, shipment_id FROM fulfilment_shipments WHERE store_hash = $1 AND ns_id = ANY($2::text[])
           AND status = 'created' AND shipment_id IS NOT NULL""", store_hash, list(ns_ids))
    out: dict[str, set[int]] = {}
    for r in rows:
        out.setdefault(r["ns_id"], set()).add(int(r["shipment_id"]))
    return out


async def payouts_since(conn: Executor, since: datetime) -> list[dict[str, Any]]:
    """Payouts created or arriving since ``since``, with their journal entry and reconciliation."""
    rows = await conn.fetch(
        """SELECT gateway, payout_id, amount, currency, arrival_date, result, residual, je_status, je_external_id,
                  je_ns_id, detail FROM payouts
           WHERE created >= $1 OR arrival_date >= $1::date ORDER BY gateway, payout_id""", since)
    return [dict(r) for r in rows]
