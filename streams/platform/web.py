"""Health, readiness and metrics on the worker's web server (DESIGN §12).

- ``/healthz``: the event loop answers. Never fails during a rebalance or a recovery.
- ``/readyz``: the first partition assignment (and table recovery) is complete, not rebalancing, not
  recovering, PostgreSQL answers; 503 with the reasons otherwise. Either way ``phase`` says in plain
  words what the worker is doing (``joining the consumer group``, ``recovering tables``, ``waiting for
  PostgreSQL``, ``ready``): the demo's summary prints exactly this answer, so the two always agree.
- ``/metrics``: Prometheus text (Faust's own series plus o2c's).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from faust.sensors.prometheus import setup_prometheus_sensors

from state import exceptions as exceptions_store
from streams.platform import supervised
from streams.platform.app import STARTED, app
from streams.platform.metrics import EXCEPTIONS_OPEN
from streams.platform.runtime import database

log = logging.getLogger(__name__)

setup_prometheus_sensors(app, pattern="/metrics", name_prefix="o2c_faust")

_first_assignment_done = False
_ready_seen = False  # a later rebalance reads "rebalancing", the first one "joining the consumer group"


@app.on_rebalance_complete.connect  # type: ignore[arg-type]  # mode's handler type is narrower than it accepts
async def _rebalance_complete(sender: Any, **kwargs: Any) -> None:
    """Faust sends this once partitions are assigned and their tables recovered."""
    global _first_assignment_done
    if not _first_assignment_done:
        log.info("worker ready: partitions assigned, tables recovered",
                 extra={"seconds_since_start": round(time.monotonic() - STARTED, 1)})
    _first_assignment_done = True


async def readiness() -> tuple[str, list[str]]:
    """What the worker is doing now (``phase``) and why it is not ready (``reasons``, empty when ready)."""
    reasons = []
    if not _first_assignment_done:
        reasons.append("waiting for the first partition assignment")
    if app.rebalancing:
        reasons.append("rebalancing")
    recovering = bool(getattr(app, "in_recovery", False))
    if recovering:
        reasons.append("recovering tables")
    healthy = await database.healthy()
    if not healthy:
        reasons.append("database unavailable")
    global _ready_seen
    if recovering:
        phase = "recovering tables"
    elif not _first_assignment_done or (app.rebalancing and not _ready_seen):
        phase = "joining the consumer group"  # the first rebalance ends just after its completion signal
    elif app.rebalancing:
        phase = "rebalancing"
    elif not healthy:
        phase = "waiting for PostgreSQL"
    else:
        phase = "ready"
        _ready_seen = True
    return phase, reasons


@app.page("/healthz")
async def healthz(self: Any, request: Any) -> Any:
    return self.json({"status": "ok"})


@app.page("/readyz")
async def readyz(self: Any, request: Any) -> Any:
    phase, reasons = await readiness()
    if reasons:
        return self.json({"status": "not ready", "phase": phase, "reasons": reasons}, status=503)
    return self.json({"status": "ready", "phase": phase})


async def refresh_exception_gauge() -> None:
    """Open exceptions by kind and owner, for alerting (a set-based query, not a loop over rows)."""
    if not await database.healthy():
        return
    EXCEPTIONS_OPEN.clear()
    for kind, owner, n in await exceptions_store.count_open(database.pool):
        EXCEPTIONS_OPEN.labels(kind, owner).set(n)


supervised.timer(app, 15.0, name="refresh_exception_gauge")(refresh_exception_gauge)
