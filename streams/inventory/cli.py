"""``o2c inventory resync``: the on-demand comparison, run from the command line without a worker.

The buffered aggregate is rebuilt from the inventory tables' changelog topics (every partition), holds
come from PostgreSQL, BigCommerce is read through the same client and governor as the worker, only the
differences are pushed, and the report is printed and stored in ``inventory_resyncs``.
"""

from __future__ import annotations

import time

import asyncpg

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from state.db import create_pool
from streams.inventory.model import Pending, Targets, is_low
from streams.inventory.resync import compare_and_push, targets_from_changelogs
from streams.inventory.settings import get_inventory_settings
from streams.inventory.writer import CatalogueMap, InventoryWriter
from streams.platform.settings import Settings


async def resync_command(settings: Settings, *, dry_run: bool = False, limit: int = 200) -> int:
    inventory = get_inventory_settings()
    bc_settings = BigCommerceSettings()
    pool = await create_pool(settings.dsn)
    try:
        async with BigCommerceClient(bc_settings) as client:
            catalogue = CatalogueMap(bc_settings.store_hash)
            await catalogue.refresh(client, pool)
            wanted = await targets_from_changelogs(settings.bootstrap, settings.app_id, inventory, pool)

            async def client_factory() -> BigCommerceClient:
                return client

            async def pool_factory() -> asyncpg.Pool:
                return pool

            writer = InventoryWriter(inventory, client_factory, catalogue, pool_factory)

            async def push(fixes: list[tuple[str, Targets]]) -> None:
                if dry_run:
                    return
                now, wall = time.monotonic(), time.time()
                low = inventory.low_stock_threshold
                await writer.write([Pending(sku, target, is_low(target, low), now, wall) for sku, target in fixes])

            report = await compare_and_push(client, catalogue, wanted, trigger="cli-dry-run" if dry_run else "cli",
                                            push=push, pool=pool)
            if dry_run:
                report.pushed = 0
            print(report.render(limit=limit), flush=True)
            failed = sorted(writer.stats.failures)
            if failed:
                print(f"writes failed for {len(failed)} SKUs: {', '.join(failed[:20])}", flush=True)
                return 1
            return 0
    finally:
        await pool.close()
