"""What the worker's Faust web server (``O2C_WEB_PORT``) serves: ``/healthz``, ``/readyz``, ``/metrics``, nothing else.

Faust's own views (``/router``, ``/table``, ``/graph``, ``/stats``, ``/performance`` and the index at ``/``)
expose tables, the cluster's topology and internal state. :data:`FAUST_VIEWS_OFF` turns each one off, and
:func:`served_paths_only` answers 404 to any other path, so a view a later Faust adds is not served either.
Webhooks have a server of their own (``streams.platform.webhooks``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

SERVED = frozenset({"/healthz", "/readyz", "/metrics"})

#: faust.App settings that leave out Faust's built-in blueprints.
FAUST_VIEWS_OFF: dict[str, Any] = {
    "web_router_enabled": False,
    "web_tables_enabled": False,
    "web_graph_enabled": False,
    "web_stats_enabled": False,
    "web_metrics_enabled": False,
}


@web.middleware
async def served_paths_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """404 for every path but :data:`SERVED` (Faust's production index at ``/`` has no setting of its own)."""
    if request.path not in SERVED:
        raise web.HTTPNotFound()
    return await handler(request)
