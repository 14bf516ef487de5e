"""Operator actions on exceptions, shared by the ops page and the CLI: retry, resolve, bulk retry.

Every action that changes an exception writes one ``ops_actions`` row (who, which exception, the note) in
the same transaction as the change. The answers are plain English for the operator; nothing here raises
for an operator's mistake (unknown id, a kind o2c does not retry, an exception that is not open).

A retry only sets the exception to ``retrying``: the flow that owns its kind re-reads the object from its
source and sets the outcome (``state.exceptions.retry_outcome``); see docs/operations.md, "Retry: what o2c
re-reads".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from aiolimiter import AsyncLimiter

from state import exceptions as store
from state import ops_actions
from state.db import transaction

_SOURCES = ("page", "cli", "schedule")


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one action, in plain English for the operator."""

    ok: bool
    message: str


@dataclass(frozen=True)
class BulkResult:
    """A bulk retry: how many were set to ``retrying``, refused (kind not retried by o2c) or skipped (not open)."""

    requested: int
    refused: int
    skipped: int

    @property
    def message(self) -> str:
        return (f"{self.requested} retry requested, {self.refused} refused (o2c does not retry their kind: fix "
                f"the cause, then resolve them), {self.skipped} skipped (not open)")


def _source(source: str) -> ops_actions.Source:
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {', '.join(_SOURCES)}, not {source!r}")
    return cast(ops_actions.Source, source)


def _not_open(found: store.StoredException) -> str:
    if found.status == "retrying":
        return f"Exception #{found.id} is already being retried; o2c sets the outcome when the retry finishes."
    return f"Exception #{found.id} is {found.status.replace('_', '-')}, not open: there is nothing to retry."


async def _request(pool: asyncpg.Pool, found: store.StoredException, *, actor: str, role: str | None,
                   source: ops_actions.Source, detail: dict[str, Any] | None = None) -> ActionResult:
    """Set one open, retryable exception to ``retrying`` and record the action (one transaction)."""
    async with transaction(pool) as conn:
        if not await store.request_retry(conn, found.id, by=actor):
            return ActionResult(False, f"Exception #{found.id} is no longer open: there is nothing to retry.")
        await ops_actions.record(conn, actor=actor, role=role, action="retry", object_type="exception",
                                 object_id=str(found.id), source=source,
                                 detail={"kind": found.kind, "object": _object(found), **(detail or {})})
    return ActionResult(True, f"Retry requested for exception #{found.id} ({found.kind}, {_object(found)}): o2c "
                              "reads it again from its source and resolves the exception if that works, or "
                              "sets it back to open with a note.")


def _object(found: store.StoredException) -> str:
    return f"{found.object_type} {found.bc_id or found.ns_id or '-'}"


async def retry(pool: asyncpg.Pool, exception_id: int, *, actor: str, role: str | None,
                source: str) -> ActionResult:
    """Ask o2c to try the exception's object again (status ``retrying``); refuses kinds it does not retry."""
    src = _source(source)
    found = await store.get(pool, exception_id)
    if found is None:
        return ActionResult(False, f"There is no exception #{exception_id}.")
    if found.kind not in store.RETRIED_BY_FLOWS:
        return ActionResult(False, f"o2c does not retry {found.kind} exceptions (#{exception_id}): fix the cause, "
                                   "then resolve it.")
    if found.status != "open":
        return ActionResult(False, _not_open(found))
    return await _request(pool, found, actor=actor, role=role, source=src)


async def resolve(pool: asyncpg.Pool, exception_id: int, *, actor: str, note: str, role: str | None,
                  source: str) -> ActionResult:
    """Mark the exception resolved by ``actor`` with ``note`` (required: what was done about it)."""
    src = _source(source)
    note = (note or "").strip()
    if not note:
        return ActionResult(False, "A note is required: say what was done about the exception.")
    async with transaction(pool) as conn:
        found = await store.get(conn, exception_id)
        if found is None:
            return ActionResult(False, f"There is no exception #{exception_id}.")
        if not await store.resolve(conn, exception_id, by=actor, note=note):
            return ActionResult(False, f"Exception #{exception_id} is {found.status.replace('_', '-')}, not open: "
                                       "there is nothing to resolve.")
        await ops_actions.record(conn, actor=actor, role=role, action="resolve", object_type="exception",
                                 object_id=str(exception_id), note=note, source=src,
                                 detail={"kind": found.kind, "object": _object(found)})
    return ActionResult(True, f"Exception #{exception_id} ({found.kind}, {_object(found)}) resolved.")


async def retry_many(pool: asyncpg.Pool, filters: store.Filters, *, actor: str, role: str | None, source: str,
                     per_second: float, page_size: int = 200) -> BulkResult:
    """Retry every exception matching ``filters`` (all pages), at most ``per_second`` requests a second.

    Kinds o2c does not retry are refused, exceptions that are not open are skipped; each retry requested
    writes its own ``ops_actions`` row (detail ``bulk: true``).
    """
    src = _source(source)
    if per_second <= 0:
        raise ValueError("per_second must be positive")
    limiter = AsyncLimiter(1, 1 / per_second)  # evenly spaced: n requests take at least (n - 1) / per_second s
    requested = refused = skipped = 0
    after_id = 0
    while page := await store.search(pool, filters, after_id=after_id, limit=page_size):
        after_id = page[-1].id
        for found in page:
            if found.kind not in store.RETRIED_BY_FLOWS:
                refused += 1
                continue
            if found.status != "open":
                skipped += 1
                continue
            async with limiter:
                outcome = await _request(pool, found, actor=actor, role=role, source=src, detail={"bulk": True})
            if outcome.ok:
                requested += 1
            else:
                skipped += 1
    return BulkResult(requested=requested, refused=refused, skipped=skipped)
