"""Run the Faust worker with every flow registered."""

from __future__ import annotations

import asyncio
import logging
import time

import faust

from streams.alerts import agents as _alerts  # noqa: F401  (silent-failure detection)
from streams.audit import agents as _audit  # noqa: F401  (the scheduled audit)
from streams.cash import agents as _cash  # noqa: F401
from streams.contract.topics import PUBLIC_TOPICS, TopicSpec
from streams.fulfilments import agents as _fulfilments  # noqa: F401
from streams.ingest import bigcommerce as _bigcommerce_ingest  # noqa: F401
from streams.ingest import netsuite as _netsuite_ingest  # noqa: F401
from streams.ingest import payouts as _payouts_ingest  # noqa: F401
from streams.inventory import agents as _inventory  # noqa: F401  (register agents, timers, pages)
from streams.orders import agents as _orders  # noqa: F401
from streams.platform import clients, heartbeat, replay, sandbox_guard, web, webhooks  # noqa: F401
from streams.platform.app import STARTED, app, settings
from streams.platform.blocking import run_coroutine_in_thread
from streams.platform.kafka_security import client_options, describe
from streams.platform.logs import setup as setup_logging
from streams.platform.metrics import LOOP_LAG
from streams.platform.topic_admin import ensure_topics
from streams.prices import agents as _prices  # noqa: F401
from streams.returns import agents as _returns  # noqa: F401

log = logging.getLogger(__name__)

LEADER_TOPIC = TopicSpec(f"{settings.app_id}-__assignor-__leader", "-", "Faust's leader election.", "no")


@app.task
async def announce() -> None:
    log.info("o2c worker started", extra={"topics": len(PUBLIC_TOPICS), "bootstrap": settings.bootstrap,
                                          "kafka_security": describe(settings),
                                          "web": f"http://{settings.web_host}:{settings.web_port}",
                                          "webhooks": f"http://{settings.webhook_host}:{settings.webhook_port}",
                                          "sandbox_mode": settings.sandbox_mode or None})


LAG_PROBE_INTERVAL = 0.05


@app.task
async def probe_loop_lag() -> None:
    """Observe how late a due timer fires: the time every NetSuite response also waits before it is read."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LAG_PROBE_INTERVAL
        await asyncio.sleep(LAG_PROBE_INTERVAL)
        LOOP_LAG.observe(max(0.0, loop.time() - due))


def run() -> None:
    """Check the settings, create the topics, then start the worker in this process; SIGINT/SIGTERM stop it.

    Never returns; raises :class:`~streams.platform.settings.ConfigurationError` (the CLI prints it) when the
    systems it would call are sandboxes and ``O2C_SANDBOX_MODE`` is off. Start-up is logged step by step (flows
    loaded, topics, joining the consumer group; ``streams.platform.web`` logs "worker ready"), with the seconds
    since the process began loading o2c.
    """
    setup_logging(settings.log_level, settings.log_format)  # Faust applies the same config when its worker starts
    log.info("flows loaded", extra={"seconds_since_start": round(time.monotonic() - STARTED, 1)})
    sandbox_guard.check(clients.in_use, sandbox_mode=settings.sandbox_mode)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    created = run_coroutine_in_thread(
        ensure_topics(settings.bootstrap, PUBLIC_TOPICS, partitions=settings.topic_partitions,
                      replication=settings.topic_replication, client=client_options(settings))
    )
    # Faust's leader election topic (one partition) too: declared by Faust only after the consumer subscribed,
    # it was seen at the next metadata refresh (5 minutes), and until then no worker ran the leader's timers.
    created += run_coroutine_in_thread(
        ensure_topics(settings.bootstrap, (LEADER_TOPIC,), partitions=1, replication=settings.topic_replication,
                      client=client_options(settings))
    )
    log.info("topics ready" + (f", {len(created)} created" if created else ""),
             extra={"topics": created or None, "seconds_since_start": round(time.monotonic() - STARTED, 1)})
    log.info("joining the consumer group", extra={"group": settings.app_id, "bootstrap": settings.bootstrap})
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.spinner = None  # Faust's terminal spinner writes cursor escapes into o2c run's output, even to a pipe
    worker.execute_from_commandline()
