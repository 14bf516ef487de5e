"""``/activity``: the audit trail of operators' actions (sign-ins, retries, resolutions), newest first."""

from __future__ import annotations

from aiohttp import web

from state import ops_actions
from streams.ops.web import ops_of, render


async def activity(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    try:
        before = max(0, int(request.query.get("before", "0")))
    except ValueError:
        before = 0
    size = ops.settings.page_size
    rows = await ops_actions.recent(ops.pool, limit=size + 1, before_id=before)
    older = f"/activity?before={rows[size - 1].id}" if len(rows) > size else None
    return render(request, "activity.html", title="Activity", rows=rows[:size], older_url=older,
                  first_page=before == 0)
