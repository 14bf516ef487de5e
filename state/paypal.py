"""PayPal settlement files: what each imported file left unsettled for the next one (migration 010).

The records are kept as the JSON form of :class:`connectors.payments.paypal.windows.Movement`
(``to_json``/``from_json``); this module does not know their shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from state.db import Executor


@dataclass(frozen=True)
class Carry:
    """What the files imported before one left for it: unsettled records and currencies at a known start."""

    after_file: str | None
    unsettled: list[dict[str, Any]]
    known: frozenset[str]


async def carry_before(conn: Executor, account_id: str, file_name: str) -> Carry:
    """The carry of the latest file of ``account_id`` imported before ``file_name`` (not ``file_name`` itself,
    so a file imported again after a crash reads what it read the first time)."""
    row = await conn.fetchrow(
        "SELECT file_name, unsettled, known FROM paypal_carry WHERE account_id = $1 AND file_name <> $2 "
        "ORDER BY seq DESC LIMIT 1", account_id, file_name)
    if row is None:
        return Carry(None, [], frozenset())
    return Carry(row["file_name"], list(row["unsettled"]), frozenset(row["known"]))


async def save_carry(conn: Executor, account_id: str, file_name: str, unsettled: Sequence[dict[str, Any]],
                     known: Sequence[str]) -> None:
    """What ``file_name`` leaves for the next file (saved again on a re-import: same row, same place)."""
    await conn.execute(
        """INSERT INTO paypal_carry (account_id, file_name, unsettled, known) VALUES ($1, $2, $3, $4)
           ON CONFLICT (account_id, file_name) DO UPDATE SET unsettled = EXCLUDED.unsettled,
               known = EXCLUDED.known""",
        account_id, file_name, list(unsettled), sorted(set(known)))
