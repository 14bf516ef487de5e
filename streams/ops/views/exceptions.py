"""``/exceptions`` (filters, keyset paging), ``/exceptions/{id}`` (detail, links, history) and its actions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from state import exceptions as store
from state import ops_actions, ops_health
from streams.ops import links
from streams.ops.web import flash_and_go, identity, operator_only, ops_of, query_string, render
from streams.platform import exception_actions

STATUS_CHOICES = ("open", "retrying", "resolved", "auto_resolved", "all")
MAX_TEXT = 200


def filters_from(query: Mapping[str, str]) -> tuple[store.Filters, dict[str, str], list[str]]:
    """The filters in the query string (unknown values dropped, with a note), and the form's values."""
    problems: list[str] = []
    owner = query.get("owner", "")
    if owner and owner not in store.OWNERS:
        problems.append(f"unknown team {owner!r} ignored")
        owner = ""
    status = query.get("status", "")
    if status and status not in STATUS_CHOICES:
        problems.append(f"unknown status {status!r} ignored")
        status = ""
    since_text = query.get("since", "")
    since = None
    if since_text:
        try:
            since = datetime.strptime(since_text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            problems.append("the date must look like 2024-05-31")
            since_text = ""
    text = query.get("q", "").strip()[:MAX_TEXT]
    statuses: tuple[str, ...] | None = None
    if status == "all":
        statuses = store.STATUSES
    elif status:
        statuses = (status,)
    form = {"owner": owner, "kind": query.get("kind", "")[:100], "status": status,
            "object_type": query.get("object_type", "")[:100], "since": since_text, "q": text}
    filters = store.Filters(status=statuses, owner=owner or None, kind=form["kind"] or None,
                            object_type=form["object_type"] or None, since=since, text=text or None)
    return filters, form, problems


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


async def list_exceptions(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    filters, form, problems = filters_from(request.query)
    size = ops.settings.page_size
    before, after = _int(request.query.get("before")), _int(request.query.get("after"))
    async with ops.pool.acquire() as conn:
        if after:  # newer: the ids just above ``after``, shown newest first
            rows = list(reversed(await store.search(conn, filters, after_id=after, limit=size)))
        else:
            rows = await store.search(conn, filters, after_id=before, limit=size, newest_first=True)
        newer = bool(rows) and bool(await store.search(conn, filters, after_id=rows[0].id, limit=1))
        older = bool(rows) and bool(await store.search(conn, filters, after_id=rows[-1].id, limit=1,
                                                       newest_first=True))
        total = await store.count(conn, filters)
        kinds = await store.kinds(conn)
        object_types = await ops_health.exception_object_types(conn)
        now = await ops_health.database_now(conn)
    base = {k: v for k, v in form.items() if v}
    return render(request, "exceptions.html", title="Exceptions", rows=rows, form=form, problems=problems,
                  total=total, kinds=kinds, object_types=object_types, owners=store.OWNERS,
                  statuses=STATUS_CHOICES, db_now=now,
                  newer_url=f"/exceptions?{query_string(**base, after=rows[0].id)}" if newer else None,
                  older_url=f"/exceptions?{query_string(**base, before=rows[-1].id)}" if older else None)


def _pretty(payload: Any) -> str | None:
    if payload is None:
        return None
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)


async def show_exception(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    exception_id = int(request.match_info["id"])
    async with ops.pool.acquire() as conn:
        found = await store.get(conn, exception_id)
        if found is None:
            return render(request, "error.html", status=404, title="Not found",
                          message=f"There is no exception #{exception_id}.")
        history = await ops_actions.recent(conn, object_type="exception", object_id=str(exception_id), limit=50)
        now = await ops_health.database_now(conn)
    settings = ops.settings
    return render(request, "exception.html", title=f"Exception #{found.id}", e=found, history=history, db_now=now,
                  bc_link=links.bigcommerce(settings.bc_control_panel_url, found.object_type, found.bc_id),
                  ns_link=links.netsuite(settings.ns_app_url, found.object_type, found.ns_id),
                  payload=_pretty(found.payload), retryable=found.kind in store.RETRIED_BY_FLOWS,
                  is_open=found.status == "open", can_act=identity(request).can_act)


@operator_only
async def retry(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    who = identity(request)
    exception_id = int(request.match_info["id"])
    outcome = await exception_actions.retry(ops.pool, exception_id, actor=who.name, role=who.role, source="page")
    return flash_and_go(request, outcome.ok, outcome.message, f"/exceptions/{exception_id}")


@operator_only
async def resolve(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    who = identity(request)
    exception_id = int(request.match_info["id"])
    note = str((await request.post()).get("note") or "").strip()
    if not note:
        return flash_and_go(request, False, "A note is required: say what was done about the exception.",
                            f"/exceptions/{exception_id}#resolve")
    if len(note) > 2000:
        return flash_and_go(request, False, "The note is too long: 2,000 characters at most.",
                            f"/exceptions/{exception_id}#resolve")
    outcome = await exception_actions.resolve(ops.pool, exception_id, actor=who.name, note=note, role=who.role,
                                              source="page")
    return flash_and_go(request, outcome.ok, outcome.message, f"/exceptions/{exception_id}")
