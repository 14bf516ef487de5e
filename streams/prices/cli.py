"""``o2c prices resync [--dry-run]``: the on-demand comparison, run from the command line without a worker.

BigCommerce's price lists are read through the same client and governor as the worker and compared with
the records as NetSuite's prices say they should be (PostgreSQL); only the differences are written (by
this command, through the same writer: records are leased, so a running worker never writes one twice at
once), and the drift by list is printed and stored in ``price_resyncs``.
"""

from __future__ import annotations

import asyncpg

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from state.db import create_pool
from streams.platform.settings import Settings
from streams.prices.lists import PriceListDirectory
from streams.prices.resync import resync
from streams.prices.settings import get_prices_settings
from streams.prices.writer import PriceWriter


async def resync_command(settings: Settings, *, dry_run: bool = False) -> int:
    prices = get_prices_settings()
    bc_settings = BigCommerceSettings()
    pool = await create_pool(settings.dsn)
    try:
        async with BigCommerceClient(bc_settings) as client:
            directory = PriceListDirectory(prices, bc_settings.store_hash)
            if not dry_run:
                await directory.ensure_all(client, pool)
            report = await resync(client, pool, directory, trigger="cli-dry-run" if dry_run else "cli",
                                  dry_run=dry_run)
            print(report.render(), flush=True)
            if dry_run:
                return 0

            async def client_factory() -> BigCommerceClient:
                return client

            async def pool_factory() -> asyncpg.Pool:
                return pool

            stats = await PriceWriter(prices, directory, client_factory, pool_factory).drain()
            print(f"written: {stats.upserted} records upserted, {stats.deleted} deleted, {stats.rejected} rejected "
                  f"(price_sync_failed), in {stats.requests} requests", flush=True)
            return 1 if stats.failed_for_now else 0
    finally:
        await pool.close()
