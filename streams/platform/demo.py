"""``o2c run --demo``: both sandboxes seeded to match, the whole daemon, a demo load, and a live summary.

The sandboxes and the order generator run as child processes of ``o2c run``; the worker is configured
to use them (BigCommerce webhooks + catch-up poller, NetSuite pollers, the order flow).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from streams.platform.settings import Settings

BC_PORT = 8701
NS_PORT = 8702
STYLES = "6"  # the same catalogue on both sides: every BigCommerce variant has its NetSuite matrix child


def sandbox_commands() -> list[list[str]]:
    cli = [sys.executable, "-m", "streams.cli", "sandbox"]
    return [
        [*cli, "bigcommerce", "--port", str(BC_PORT), "--styles", STYLES, "--plan", "pro"],
        [*cli, "netsuite", "--port", str(NS_PORT), "--styles", STYLES, "--latency-ms", "150"],
    ]


def load_command(rate: float) -> list[str]:
    return [sys.executable, "-m", "streams.cli", "sandbox", "bigcommerce-load", "--url",
            f"http://127.0.0.1:{BC_PORT}", "--count", "1000000", "--rate", str(rate)]


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        "O2C_ORDERS_ENABLED": "true",
        "O2C_INVENTORY_ENABLED": "true",
        "O2C_BC_SOURCE_ENABLED": "true",
        "O2C_BC_API_BASE": f"http://127.0.0.1:{BC_PORT}",
        "O2C_BC_WEBHOOK_DESTINATION": f"http://{settings.web_host}:{settings.web_port}/webhooks/bigcommerce",
        "O2C_BC_POLL_INTERVAL": "15",
        "O2C_NS_SOURCE_ENABLED": "true",
        "O2C_NS_BASE_URL": f"http://127.0.0.1:{NS_PORT}",
        "O2C_NS_ITEMS_POLL_SECONDS": "10",
        "O2C_NS_STOCK_POLL_SECONDS": "15",
        "O2C_NS_FULFILMENTS_POLL_SECONDS": "15",
        "O2C_HEARTBEAT_INTERVAL": "0",
        "O2C_LOG_LEVEL": "warning",
    }


async def print_summaries(settings: Settings, every: float = 5.0) -> None:
    """Print one summary line every ``every`` seconds until cancelled."""
    from state.db import create_pool
    from streams.platform.summary import collect

    since = datetime.now(UTC)
    pool = await create_pool(settings.dsn, max_size=1)
    try:
        while True:
            await asyncio.sleep(every)
            summary = await collect(pool, f"http://{settings.web_host}:{settings.web_port}/metrics", since)
            print(f"{datetime.now().strftime('%H:%M:%S')}  {summary.line()}", flush=True)
    finally:
        await pool.close()
