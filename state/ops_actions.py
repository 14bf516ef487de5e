"""The audit trail of operators' actions (page and CLI): who did what to which object, when, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from state.db import Executor

Source = Literal["page", "cli", "schedule"]


@dataclass(frozen=True)
class OpsAction:
    id: int
    at: datetime
    actor: str
    role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    note: str | None
    detail: Any
    source: str


async def record(conn: Executor, *, actor: str, action: str, role: str | None = None,
                 object_type: str | None = None, object_id: str | None = None, note: str | None = None,
                 detail: Any = None, source: Source = "page") -> int:
    value = await conn.fetchval(
        """INSERT INTO ops_actions (actor, role, action, object_type, object_id, note, detail, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id""",
        actor, role, action, object_type, object_id, note, detail, source,
    )
    return int(value)


async def recent(conn: Executor, *, limit: int = 100, object_type: str | None = None,
                 object_id: str | None = None, before_id: int = 0) -> list[OpsAction]:
    """The latest actions (newest first), optionally on one object; ``before_id`` pages back."""
    rows = await conn.fetch(
        """SELECT id, at, actor, role, action, object_type, object_id, note, detail, source FROM ops_actions
           WHERE ($1::text IS NULL OR object_type = $1) AND ($2::text IS NULL OR object_id = $2)
             AND ($3::bigint = 0 OR id < $3)
           ORDER BY id DESC LIMIT $4""",
        object_type, object_id, before_id, limit,
    )
    return [OpsAction(**dict(r)) for r in rows]
