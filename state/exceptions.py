"""The exceptions store: one open record per object and kind, with an owner and a plain-English message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from state.db import Executor

Owner = Literal["finance", "operations", "customer_service", "engineering"]
Severity = Literal["info", "warning", "error", "critical"]


@dataclass(frozen=True)
class NewException:
    """What a flow reports; ``dedupe_key`` defaults to ``kind:object_type:bc_id``."""

    kind: str
    object_type: str
    owner: Owner
    message: str
    severity: Severity = "error"
    bc_id: str | None = None
    ns_id: str | None = None
    payload: Any = None
    dedupe_key: str | None = None

    def key(self) -> str:
        return self.dedupe_key or f"{self.kind}:{self.object_type}:{self.bc_id or self.ns_id or '-'}"


@dataclass(frozen=True)
class StoredException:
    id: int
    kind: str
    object_type: str
    bc_id: str | None
    ns_id: str | None
    severity: str
    owner: str
    message: str
    status: str
    occurrences: int
    created_at: datetime
    updated_at: datetime
    payload: Any = field(default=None, repr=False)
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None
    retry_requested_at: datetime | None = None
    retry_requested_by: str | None = None
    retries: int = 0
    last_retry_note: str | None = None


_COLUMNS = ("id, kind, object_type, bc_id, ns_id, severity, owner, message, status, occurrences, "
            "created_at, updated_at, payload, resolved_at, resolved_by, resolution_note, retry_requested_at, "
            "retry_requested_by, retries, last_retry_note")
OPEN_STATUSES = ("open", "retrying")
STATUSES = ("open", "retrying", "resolved", "auto_resolved")
OWNERS = ("finance", "operations", "customer_service", "engineering")


@dataclass(frozen=True)
class Filters:
    """What an operator narrows the exceptions to (every field optional; ``status`` ``None`` = open + retrying)."""

    status: tuple[str, ...] | None = None
    owner: str | None = None
    kind: str | None = None
    object_type: str | None = None
    since: datetime | None = None
    text: str | None = None  # matched against the message and both systems' ids (case-insensitive)

    def statuses(self) -> list[str]:
        return list(self.status or OPEN_STATUSES)


async def record(conn: Executor, exc: NewException) -> int:
    """Open an exception, or bump the open one for the same object and kind; return its id."""
    row = await conn.fetchrow(
        """INSERT INTO exceptions (kind, object_type, bc_id, ns_id, severity, owner, message, payload, dedupe_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (dedupe_key) WHERE status IN ('open', 'retrying')
           DO UPDATE SET occurrences = exceptions.occurrences + 1, message = EXCLUDED.message,
                         payload = EXCLUDED.payload, severity = EXCLUDED.severity, updated_at = now()
           RETURNING id""",
        exc.kind, exc.object_type, exc.bc_id, exc.ns_id, exc.severity, exc.owner, exc.message, exc.payload,
        exc.key(),
    )
    assert row is not None
    return int(row["id"])


async def list_open(
    conn: Executor, *, owner: str | None = None, kind: str | None = None, limit: int = 100
) -> list[StoredException]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM exceptions
            WHERE status IN ('open', 'retrying') AND ($1::text IS NULL OR owner = $1)
              AND ($2::text IS NULL OR kind = $2)
            ORDER BY created_at LIMIT $3""",
        owner, kind, limit,
    )
    return [StoredException(**dict(r)) for r in rows]


_SEARCH_WHERE = """status = ANY($1::text[]) AND ($2::text IS NULL OR owner = $2) AND ($3::text IS NULL OR kind = $3)
    AND ($4::text IS NULL OR object_type = $4) AND ($5::timestamptz IS NULL OR created_at >= $5)
    AND ($6::text IS NULL OR message ILIKE '%' || $6 || '%' OR bc_id = $6 OR ns_id = $6)"""


def _filter_args(f: Filters) -> list[Any]:
    return [f.statuses(), f.owner, f.kind, f.object_type, f.since, f.text or None]


async def search(conn: Executor, filters: Filters = Filters(), *, after_id: int = 0, limit: int = 100,
                 newest_first: bool = False) -> list[StoredException]:
    """One page of exceptions matching ``filters``, by id (keyset paging: pass the last id seen as ``after_id``;
    with ``newest_first`` the page holds ids below ``after_id`` when it is set)."""
    if newest_first:
        page = "AND ($7::bigint = 0 OR id < $7) ORDER BY id DESC"
    else:
        page = "AND id > $7 ORDER BY id"
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM exceptions WHERE {_SEARCH_WHERE} {page} LIMIT $8",
                            *_filter_args(filters), after_id, limit)
    return [StoredException(**dict(r)) for r in rows]


async def count(conn: Executor, filters: Filters = Filters()) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM exceptions WHERE {_SEARCH_WHERE}", *_filter_args(filters)))


async def open_by_owner(conn: Executor) -> dict[str, int]:
    """Open (and retrying) exceptions per owner, every owner present."""
    rows = await conn.fetch("SELECT owner, count(*) AS n FROM exceptions WHERE status IN ('open', 'retrying') "
                            "GROUP BY owner")
    found = {r["owner"]: int(r["n"]) for r in rows}
    return {owner: found.get(owner, 0) for owner in OWNERS}


async def kinds(conn: Executor) -> list[str]:
    """Every kind ever recorded (for filters)."""
    return [r["kind"] for r in await conn.fetch("SELECT DISTINCT kind FROM exceptions ORDER BY kind")]


async def get(conn: Executor, exception_id: int) -> StoredException | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM exceptions WHERE id = $1", exception_id)
    return StoredException(**dict(row)) if row else None


async def resolve(
    conn: Executor, exception_id: int, *, by: str, note: str | None = None
) -> bool:
    """An operator marks an exception resolved; returns False if it was not open."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'resolved', resolved_at = now(), resolved_by = $2,
                  resolution_note = $3, updated_at = now()
           WHERE id = $1 AND status IN ('open', 'retrying')""",
        exception_id, by, note,
    )
    return result.endswith(" 1")


async def auto_resolve(conn: Executor, *, object_type: str, bc_id: str) -> int:
    """A later success of the object resolves its open exceptions; returns how many."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'auto_resolved', resolved_at = now(), resolved_by = 'o2c',
                  updated_at = now()
           WHERE object_type = $1 AND bc_id = $2 AND status IN ('open', 'retrying')""",
        object_type, bc_id,
    )
    return int(result.split()[-1])


async def count_open(conn: Executor) -> list[tuple[str, str, int]]:
    """Open exceptions by (kind, owner), for the metrics gauge."""
    rows = await conn.fetch(
        "SELECT kind, owner, count(*) AS n FROM exceptions WHERE status IN ('open', 'retrying') GROUP BY 1, 2"
    )
    return [(r["kind"], r["owner"], int(r["n"])) for r in rows]


async def retrying(conn: Executor, kinds: list[str], limit: int = 100) -> list[StoredException]:
    """Exceptions of ``kinds`` an operator asked to retry, oldest request first."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM exceptions WHERE status = 'retrying' AND kind = ANY($1::text[])
            ORDER BY updated_at LIMIT $2""",
        kinds, limit,
    )
    return [StoredException(**dict(r)) for r in rows]


async def mark_retried(conn: Executor, exception_id: int, note: str) -> bool:
    """The retry was carried out (e.g. the payload replayed): resolved by o2c with ``note``."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'resolved', resolved_at = now(), resolved_by = 'o2c',
                  resolution_note = $2, updated_at = now()
           WHERE id = $1 AND status = 'retrying'""",
        exception_id, note,
    )
    return result.endswith(" 1")


#: Kinds whose flow picks up ``retrying`` exceptions (``o2c exceptions retry`` refuses the others).
RETRIED_BY_FLOWS = frozenset({"order_unreadable", "invalid_event", "processing_failed", "fulfilment_unmatched",
                              "tracking_invalid", "shipment_rejected", "gateway_unmapped", "deposit_refused",
                              "invoice_refused", "payout_mismatch", "payout_unbalanced", "payout_unmapped",
                              "payout_refused", "refund_unsynced", "refund_unmapped", "refund_over_paid",
                              "refund_declined", "refund_unbalanced", "refund_refused", "return_location_missing",
                              "price_sync_failed", "price_list_missing", "price_assignment_failed",
                              # held orders (streams.orders.plan.HOLD_KINDS): re-read from BigCommerce, planned again
                              "total_mismatch", "currency_unmapped", "tax_code_unmapped",
                              "multi_address_unsupported"})


async def request_retry(conn: Executor, exception_id: int, *, by: str = "operator") -> bool:
    """An operator asks o2c to try the object again (status ``retrying``); False if it was not open.

    The flow that owns the exception picks it up (the BigCommerce source: on its next poll), re-reads the
    object from its source and resolves the exception on success, or sets it back to ``open`` with a note
    (``retry_outcome``) if the retry failed.
    """
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'retrying', updated_at = now(), retry_requested_at = now(),
                  retry_requested_by = $2, retries = retries + 1
           WHERE id = $1 AND status = 'open'""",
        exception_id, by,
    )
    return result.endswith(" 1")


async def retry_outcome(conn: Executor, exception_id: int, *, resolved: bool, note: str) -> bool:
    """The outcome of a retry arrived: ``resolved`` (by o2c, with ``note``), or ``open`` again with ``note`` as
    the last retry's result. False if the exception was not ``retrying``."""
    if resolved:
        return await mark_retried(conn, exception_id, note)
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'open', updated_at = now(), last_retry_note = $2
           WHERE id = $1 AND status = 'retrying'""",
        exception_id, note,
    )
    return result.endswith(" 1")


async def resolve_retried(conn: Executor, *, object_type: str, bc_id: str, note: str) -> int:
    """The object's retried exceptions succeeded (e.g. its sales order was written): resolved by o2c with
    ``note``; how many. Call before ``auto_resolve``, which closes the ones nobody retried."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'resolved', resolved_at = now(), resolved_by = 'o2c',
                  resolution_note = $3, updated_at = now()
           WHERE object_type = $1 AND bc_id = $2 AND status = 'retrying'""",
        object_type, bc_id, note,
    )
    return int(result.split()[-1])


async def reopen_retried(conn: Executor, *, object_type: str, bc_id: str, note: str) -> int:
    """The object's retry failed further on (e.g. NetSuite refused its sales order): its ``retrying``
    exceptions are ``open`` again with ``note``; how many."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'open', updated_at = now(), last_retry_note = $3
           WHERE object_type = $1 AND bc_id = $2 AND status = 'retrying'""",
        object_type, bc_id, note,
    )
    return int(result.split()[-1])


async def reopen(conn: Executor, exception_id: int) -> bool:
    """A retry failed: the exception is ``open`` again; False if it was not ``retrying``."""
    result: str = await conn.execute(
        "UPDATE exceptions SET status = 'open', updated_at = now() WHERE id = $1 AND status = 'retrying'",
        exception_id,
    )
    return result.endswith(" 1")


async def auto_resolve_key(conn: Executor, dedupe_key: str) -> int:
    """A later success resolves the open exception with this ``dedupe_key`` (only that kind); how many."""
    return await auto_resolve_keys(conn, [dedupe_key])


async def auto_resolve_keys(conn: Executor, dedupe_keys: list[str]) -> int:
    """A later success resolves the open exceptions with these ``dedupe_keys``, in one statement; how many."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'auto_resolved', resolved_at = now(), resolved_by = 'o2c',
                  updated_at = now()
           WHERE dedupe_key = ANY($1::text[]) AND status IN ('open', 'retrying')""",
        dedupe_keys,
    )
    return int(result.split()[-1])


async def auto_resolve_kind_except(conn: Executor, kind: str, still_open: set[str]) -> int:
    """Resolve the open exceptions of ``kind`` whose condition is gone (``dedupe_key`` not in ``still_open``)."""
    result: str = await conn.execute(
        """UPDATE exceptions SET status = 'auto_resolved', resolved_at = now(), resolved_by = 'o2c',
                  updated_at = now()
           WHERE kind = $1 AND status = 'open' AND NOT (dedupe_key = ANY($2::text[]))""",
        kind, sorted(still_open),
    )
    return int(result.split()[-1])
