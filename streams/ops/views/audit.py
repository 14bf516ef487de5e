"""``/audit`` (the runs), ``/audit/{id}`` (findings by check and kind) and ``/audit/{id}.csv``."""

from __future__ import annotations

import csv
import io
from itertools import groupby

from aiohttp import web

from state import audit
from streams.ops import links
from streams.ops.web import ops_of, render

SHOWN = 1000
CSV_COLUMNS = ("check", "kind", "object_type", "bc_id", "ns_id", "owner", "message")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str | None) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a leading = + - @ gets a quote)."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA) else text


async def runs(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    return render(request, "audit_runs.html", title="Audit", runs=await audit.list_runs(ops.pool, limit=100))


async def run(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    run_id = int(request.match_info["id"])
    async with ops.pool.acquire() as conn:
        found = await audit.get_run(conn, run_id)
        if found is None:
            return render(request, "error.html", status=404, title="Not found",
                          message=f"There is no audit run #{run_id}.")
        counts = await audit.counts(conn, run_id)
        findings = await audit.findings(conn, run_id, limit=SHOWN)
    settings = ops.settings
    groups = [(check, kind, [(f, links.bigcommerce(settings.bc_control_panel_url, f.object_type, f.bc_id),
                              links.netsuite(settings.ns_app_url, f.object_type, f.ns_id)) for f in items])
              for (check, kind), items in groupby(findings, key=lambda f: (f.check_name, f.kind))]
    return render(request, "audit_run.html", title=f"Audit run #{run_id}", run=found, counts=counts, groups=groups,
                  shown=len(findings), total=sum(counts.values()))


async def run_csv(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    run_id = int(request.match_info["id"])
    if await audit.get_run(ops.pool, run_id) is None:
        return render(request, "error.html", status=404, title="Not found", message=f"There is no audit run #{run_id}.")
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="o2c-audit-{run_id}.csv"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    offset = 0
    while page := await audit.findings(ops.pool, run_id, limit=SHOWN, offset=offset):
        for f in page:
            writer.writerow([cell(v) for v in (f.check_name, f.kind, f.object_type, f.bc_id, f.ns_id, f.owner,
                                               f.message)])
        await response.write(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()
        offset += len(page)
    if buffer.getvalue():
        await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response
