"""Which BigCommerce price list and customer group each configured NetSuite price level is, made so.

At start (and whenever a write finds its list gone) every configured level gets its price list, found by
name or created (``O2C_PRICES_CREATE_MISSING_LISTS``); each level mapped to a customer group gets the
group (found by name or created) and the assignment of its price list to that group, on each configured
channel. A list that cannot be had is a ``price_list_missing`` exception and the level waits; an
assignment BigCommerce refuses (e.g. the group has group discounts) is ``price_assignment_failed``.
"""

from __future__ import annotations

import logging

import asyncpg

from connectors.bigcommerce.client import BigCommerceClient
from connectors.http import PermanentError, one_line
from state import exceptions as exceptions_store
from state import prices as store
from streams.prices.records import Level, levels_from
from streams.prices.settings import PricesSettings

log = logging.getLogger(__name__)


class PriceListDirectory:
    """Level key → BigCommerce price list id and customer group id, for one store."""

    def __init__(self, settings: PricesSettings, store_hash: str) -> None:
        self.settings = settings
        self.store_hash = store_hash
        self.levels: list[Level] = levels_from(settings.levels, settings.list_name_pattern)
        self.list_ids: dict[str, int] = {}
        self.group_ids: dict[str, int] = {}
        self.missing: set[str] = set()  # levels whose list cannot be had: their records wait
        self.ready = False  # every list, group and assignment has been made so once

    def level(self, key: str) -> Level:
        return next(level for level in self.levels if level.key == key)

    async def ensure_all(self, client: BigCommerceClient, pool: asyncpg.Pool) -> None:
        """Every level's list; every mapped group, and its assignment."""
        for level in self.levels:
            await self.list_id(client, pool, level.key)
        for key, name in self.settings.groups.items():
            group_id = await self._group(client, name)
            self.group_ids[key] = group_id
            if key in self.list_ids:
                await self._assign(client, pool, key, self.list_ids[key], group_id)
        self.ready = True

    async def list_id(self, client: BigCommerceClient, pool: asyncpg.Pool, key: str) -> int | None:
        """The level's price list: the one stored, else found by name, else created (when allowed)."""
        if key in self.list_ids:
            return self.list_ids[key]
        level = self.level(key)
        stored = (await store.load_lists(pool, self.store_hash)).get(key)
        found = await client.get_price_list(stored[0]) if stored else None
        if found is None:
            found = await client.price_list_by_name(level.list_name)
        if found is None and self.settings.create_missing_lists:
            found = await client.create_price_list(level.list_name)
            log.info("price list created", extra={"price_level": key, "price_list": found.id, "list_name": found.name})
        if found is None:
            self.missing.add(key)
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="price_list_missing", object_type="price_level", owner="operations", ns_id=key,
                message=f"BigCommerce has no price list named '{level.list_name}' for NetSuite price level {key}, "
                        "and o2c is set not to create one (O2C_PRICES_CREATE_MISSING_LISTS=false). Its prices "
                        "wait: create the list in BigCommerce, or change O2C_PRICES_LEVELS, then retry.",
                payload={"level": key, "list_name": level.list_name}))
            return None
        self.missing.discard(key)
        self.list_ids[key] = found.id
        if stored is None or stored[0] != found.id:
            await store.save_list(pool, self.store_hash, key, found.id, found.name)
            if stored is not None:  # a new, empty list: everything the old one held is written again
                count = await store.rewrite_level(pool, self.store_hash, key)
                log.warning("price list replaced; its records are written again",
                            extra={"price_level": key, "price_list": found.id, "records": count})
                if key in self.group_ids:
                    await self._assign(client, pool, key, found.id, self.group_ids[key])
        await exceptions_store.auto_resolve_key(pool, f"price_list_missing:price_level:{key}")
        return found.id

    async def list_gone(self, client: BigCommerceClient, pool: asyncpg.Pool, key: str) -> int | None:
        """A write found the level's list deleted in BigCommerce: have it again (or wait, when not allowed)."""
        self.list_ids.pop(key, None)
        return await self.list_id(client, pool, key)

    async def groups(self, client: BigCommerceClient) -> dict[str, int]:
        """Level key → customer group id, for every level mapped to a group."""
        for key, name in self.settings.groups.items():
            if key not in self.group_ids:
                self.group_ids[key] = await self._group(client, name)
        return dict(self.group_ids)

    async def _group(self, client: BigCommerceClient, name: str) -> int:
        group = await client.customer_group_by_name(name)
        if group is None:
            group = await client.create_customer_group(name)
            log.info("customer group created", extra={"group": group.id, "group_name": name})
        return group.id

    async def _assign(self, client: BigCommerceClient, pool: asyncpg.Pool, key: str, list_id: int,
                      group_id: int) -> None:
        for channel in self.settings.channels:
            where = f" on channel {channel}"
            dedupe = f"price_assignment_failed:price_level:{key}:{channel}"
            try:
                await client.upsert_price_list_assignment(list_id, customer_group_id=group_id, channel_id=channel)
            except PermanentError as error:
                await exceptions_store.record(pool, exceptions_store.NewException(
                    kind="price_assignment_failed", object_type="price_level", owner="operations", ns_id=key,
                    dedupe_key=dedupe,
                    message=f"BigCommerce refused to assign price list {list_id} to customer group {group_id}"
                            f"{where} ({one_line(error)}). Customers of NetSuite price level {key} see catalogue "
                            "prices until it is: a group with group discounts cannot have a price list — remove "
                            "the discounts in BigCommerce, then retry.",
                    payload={"level": key, "price_list_id": list_id, "customer_group_id": group_id,
                             "channel_id": channel}))
                continue
            await exceptions_store.auto_resolve_key(pool, dedupe)

