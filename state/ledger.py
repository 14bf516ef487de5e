"""The sync ledger: one row per business object and direction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from state.db import Executor

Direction = Literal["bc_to_ns", "ns_to_bc"]
Status = Literal["pending", "synced", "parked", "failed", "skipped"]


@dataclass(frozen=True)
class LedgerEntry:
    object_type: str
    direction: str
    source_id: str
    target_id: str | None
    external_id: str | None
    status: str
    attempts: int
    last_error: str | None
    source_version: str | None
    payload_hash: str | None
    updated_at: datetime
    synced_at: datetime | None


async def mark(
    conn: Executor,
    *,
    object_type: str,
    direction: Direction,
    source_id: str,
    status: Status,
    target_id: str | None = None,
    external_id: str | None = None,
    error: str | None = None,
    source_version: str | None = None,
    payload_hash: str | None = None,
) -> None:
    """Record an attempt's outcome; ``attempts`` counts every call, ids are kept once known."""
    await conn.execute(
        """INSERT INTO sync_ledger (object_type, direction, source_id, target_id, external_id, status, attempts,
                                    last_error, source_version, payload_hash, synced_at)
           VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, CASE WHEN $6 = 'synced' THEN now() END)
           ON CONFLICT (object_type, direction, source_id) DO UPDATE SET
               target_id = COALESCE(EXCLUDED.target_id, sync_ledger.target_id),
               external_id = COALESCE(EXCLUDED.external_id, sync_ledger.external_id),
               status = EXCLUDED.status,
               attempts = sync_ledger.attempts + 1,
               last_error = EXCLUDED.last_error,
               source_version = COALESCE(EXCLUDED.source_version, sync_ledger.source_version),
               payload_hash = COALESCE(EXCLUDED.payload_hash, sync_ledger.payload_hash),
               synced_at = CASE WHEN EXCLUDED.status = 'synced' THEN now() ELSE sync_ledger.synced_at END,
               updated_at = now()""",
        object_type, direction, source_id, target_id, external_id, status, error, source_version, payload_hash,
    )


async def get(
    conn: Executor, *, object_type: str, direction: Direction, source_id: str
) -> LedgerEntry | None:
    row = await conn.fetchrow(
        """SELECT object_type, direction, source_id, target_id, external_id, status, attempts, last_error,
                  source_version, payload_hash, updated_at, synced_at
           FROM sync_ledger WHERE object_type = $1 AND direction = $2 AND source_id = $3""",
        object_type, direction, source_id,
    )
    return LedgerEntry(**dict(row)) if row else None
