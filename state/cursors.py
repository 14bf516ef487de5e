"""Poller watermarks: the last modification time seen per source, plus the ids seen at that instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from state.db import Executor


@dataclass(frozen=True)
class Cursor:
    name: str
    watermark: datetime
    seen_ids: frozenset[str]


async def load(conn: Executor, name: str) -> Cursor | None:
    row = await conn.fetchrow("SELECT name, watermark, seen_ids FROM cursors WHERE name = $1", name)
    if row is None:
        return None
    return Cursor(row["name"], row["watermark"], frozenset(row["seen_ids"]))


async def advance(conn: Executor, name: str, watermark: datetime, seen_ids: set[str]) -> None:
    """Move the watermark forward (never back); ids seen exactly at the watermark are kept for dedupe."""
    await conn.execute(
        """INSERT INTO cursors (name, watermark, seen_ids) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET
               watermark = GREATEST(cursors.watermark, EXCLUDED.watermark),
               seen_ids = CASE
                   WHEN EXCLUDED.watermark > cursors.watermark THEN EXCLUDED.seen_ids
                   WHEN EXCLUDED.watermark = cursors.watermark
                       THEN ARRAY(SELECT DISTINCT unnest(cursors.seen_ids || EXCLUDED.seen_ids))
                   ELSE cursors.seen_ids END,
               updated_at = now()""",
        name, watermark, sorted(seen_ids),
    )
