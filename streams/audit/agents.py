"""The scheduled audit: with ``O2C_AUDIT_ENABLED`` (the default) and ``O2C_AUDIT_INTERVAL`` > 0, the leader runs
the configured checks (``O2C_AUDIT_CHECKS``) every interval over the last ``O2C_AUDIT_LOOKBACK`` days, through
the worker's own clients (BigCommerce's LOW lane), and stores the run (trigger ``schedule``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from state import ops_actions
from streams.audit.checks import Context
from streams.audit.runner import run_audit
from streams.audit.settings import get_audit_settings
from streams.inventory.settings import get_inventory_settings
from streams.orders.settings import get_order_settings
from streams.platform import clients, supervised
from streams.platform.app import app
from streams.platform.runtime import database
from streams.prices.settings import get_prices_settings

audit_settings = get_audit_settings()


async def scheduled_audit() -> None:
    since = datetime.now(UTC) - timedelta(days=audit_settings.lookback)
    pool = await database.acquire_pool()
    ctx = Context(await clients.bigcommerce_client(), await clients.netsuite_client(), pool,
                  clients.bigcommerce_settings().store_hash, since, clients.netsuite_settings(),
                  get_order_settings(), get_inventory_settings(), get_prices_settings())
    result = await run_audit(ctx, audit_settings.checks, trigger="schedule")
    await ops_actions.record(pool, actor="o2c", action="audit_run", object_type="audit_run",
                             object_id=str(result.run_id), source="schedule",
                             detail={"checks": result.checks, "findings": len(result.findings),
                                     "errors": result.errors or None})


if audit_settings.enabled and audit_settings.interval > 0:
    clients.bigcommerce()
    clients.netsuite()
    supervised.timer(app, audit_settings.interval, name="audit", on_leader=True)(scheduled_audit)
