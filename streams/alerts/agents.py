"""Silent-failure detection in the worker: with ``O2C_ALERTS_ENABLED`` (default on), a timer every
``O2C_ALERTS_INTERVAL`` seconds evaluates every alert on the group's leader (``streams.alerts.evaluate``);
the other workers report nothing firing."""

from __future__ import annotations

from typing import Any

from streams.alerts.checks import Memory, Scope, checks
from streams.alerts.evaluate import evaluate, stand_down
from streams.alerts.settings import get_alerts_settings
from streams.inventory.settings import get_inventory_settings
from streams.orders.settings import get_order_settings
from streams.platform import clients, supervised
from streams.platform.app import app, settings
from streams.platform.kafka_security import client_options
from streams.platform.runtime import database

alerts_settings = get_alerts_settings()
scope = Scope(settings=alerts_settings, bc=clients.bigcommerce_settings(), ns=clients.netsuite_settings(),
              orders=get_order_settings().enabled, inventory=get_inventory_settings().enabled,
              bootstrap=settings.bootstrap, kafka_options=client_options(settings), group=settings.app_id,
              pool=database.acquire_pool,
              bc_client=clients.bigcommerce_client)


class _Leading:
    memory: Memory | None = None  # reset whenever this worker stops leading


leading = _Leading()


async def evaluate_alerts() -> dict[str, Any] | None:
    if not app.is_leader():
        if leading.memory is not None:
            leading.memory = None
            stand_down()
        return None
    if leading.memory is None:
        leading.memory = Memory()
    return await evaluate(database.acquire_pool, checks(scope, leading.memory))


if alerts_settings.enabled:
    if scope.bc.source_enabled and scope.bc.webhook_destination:
        clients.bigcommerce()  # the hooks are read with the worker's client
    stand_down()  # every o2c_alert_active series exists (0) from the start

    async def tick() -> None:
        await evaluate_alerts()

    supervised.timer(app, alerts_settings.interval, name="alerts_evaluate")(tick)
