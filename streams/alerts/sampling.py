"""The samples that are not PostgreSQL rows: the worker group's consumer lag (Kafka admin client) and the
store's hooks (BigCommerce client)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from connectors.bigcommerce.client import BigCommerceClient
from streams.alerts.backlog import Lag
from streams.alerts.webhook_deactivated import Hooks

TIMEOUT_MS = 10_000


async def consumer_lag(bootstrap: str, group: str, options: Mapping[str, Any] | None = None) -> Lag:
    """End offset − the group's committed offset, summed per topic, over every partition the group committed
    (``options``: the clients' connection keywords, e.g. TLS and SASL)."""
    options = dict(options or {})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS, **options)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    positions = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
    if not positions:
        return Lag(group, {})
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                request_timeout_ms=TIMEOUT_MS, **options)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(positions))
    finally:
        await consumer.stop()
    by_topic: dict[str, int] = defaultdict(int)
    for tp, offset in positions.items():
        by_topic[tp.topic] += max(0, ends.get(tp, offset) - offset)
    return Lag(group, dict(by_topic))


async def store_hooks(client: BigCommerceClient, store_hash: str, destination: str,
                      scopes: tuple[str, ...]) -> Hooks:
    """o2c's hooks (those at ``destination``) and whether each is active."""
    found: dict[str, bool] = {}
    for hook in await client.list_webhooks():
        if hook.destination == destination and hook.scope in scopes:
            found[hook.scope] = found.get(hook.scope, False) or bool(hook.is_active)
    return Hooks(store_hash, destination, scopes, found)
