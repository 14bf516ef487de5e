"""Each check: read both systems (and what o2c recorded), then apply its rule. One function per check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from connectors.bigcommerce.client import BigCommerceClient
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from state import audit as store
from streams.audit import (
    customers,
    items,
    orders,
    payouts,
    prices,
    read_bigcommerce,
    read_netsuite,
    refunds,
    shipments,
    stock,
)
from streams.audit.findings import NewFinding
from streams.inventory.resync import compute_targets
from streams.inventory.settings import InventorySettings
from streams.orders.settings import OrderSettings
from streams.prices.records import levels_from, wanted_records
from streams.prices.settings import PricesSettings


@dataclass
class Context:
    """What every check reads with: both clients, the pool, the flows' settings, and the window."""

    bigcommerce: BigCommerceClient
    netsuite: NetSuiteClient
    pool: asyncpg.Pool
    store_hash: str
    since: datetime
    netsuite_settings: NetSuiteSettings
    orders: OrderSettings
    inventory: InventorySettings
    prices: PricesSettings
    cache: dict[str, Any] = field(default_factory=dict)  # reads two checks share (the catalogue, NetSuite's items)

    async def catalogue(self) -> read_bigcommerce.Catalogue:
        if "catalogue" not in self.cache:
            self.cache["catalogue"] = await read_bigcommerce.catalogue(self.bigcommerce)
        found: read_bigcommerce.Catalogue = self.cache["catalogue"]
        return found

    async def item_rows(self) -> list[dict[str, Any]]:
        if "items" not in self.cache:
            self.cache["items"] = await read_netsuite.item_rows(self.netsuite, self.netsuite_settings)
        found: list[dict[str, Any]] = self.cache["items"]
        return found


@dataclass(frozen=True)
class Outcome:
    compared: int
    findings: list[NewFinding]


def _held(found: dict[str, store.OpenException]) -> dict[int, orders.OpenException]:
    return {int(k): orders.OpenException(v.id, v.kind, v.owner) for k, v in found.items() if k.lstrip("-").isdigit()}


async def check_orders(ctx: Context) -> Outcome:
    bc = await read_bigcommerce.orders_since(ctx.bigcommerce, ctx.since)
    sos = await read_netsuite.sales_orders(ctx.netsuite, ctx.netsuite_settings, ctx.store_hash, ctx.since)
    have = {o.id for o in bc}
    missing = await read_bigcommerce.missing_orders(ctx.bigcommerce,
                                                    [s.order_id for s in sos if s.order_id not in have])
    booked = {s.order_id for s in sos}
    unbooked = [o.id for o in bc if o.id not in booked]
    held = _held(await store.open_exceptions(ctx.pool, "order", [str(i) for i in unbooked]))
    for order_id, reason in (await store.parked_orders(ctx.pool, ctx.store_hash, unbooked)).items():
        held.setdefault(order_id, orders.OpenException(0, reason, "operations"))
    rules = orders.OrderRules(frozenset(ctx.orders.to_fulfil_statuses), frozenset(ctx.orders.cancelled_statuses))
    found = orders.compare(bc, sos, missing_orders=missing, held=held, rules=rules)
    return Outcome(len(bc) + len(sos), found)


async def check_customers(ctx: Context) -> Outcome:
    ns = await read_netsuite.customers(ctx.netsuite)
    bc = await read_bigcommerce.customers(ctx.bigcommerce)
    return Outcome(len(ns) + len(bc), customers.compare(ns, bc))


async def check_items(ctx: Context) -> Outcome:
    cat = await ctx.catalogue()
    ns = read_netsuite.items(await ctx.item_rows())
    found = items.compare(cat.variants, ns, custom_skus=frozenset(ctx.orders.custom_line_skus))
    return Outcome(len(cat.variants) + len(ns), found)


async def check_stock(ctx: Context) -> Outcome:
    stocks, item_ids = await read_netsuite.stock(ctx.netsuite, ctx.netsuite_settings)
    buffers = read_netsuite.buffers(await ctx.item_rows(), ctx.netsuite_settings)
    wanted = await compute_targets(stocks, buffers, ctx.inventory, ctx.pool)
    cat = await ctx.catalogue()
    shown = await read_bigcommerce.stock(ctx.bigcommerce, cat.tracked)
    found = stock.compare(wanted, shown, cat.tracked, item_ids=item_ids)
    return Outcome(len([s for s in wanted if s in cat.tracked]), found)


async def check_shipments(ctx: Context) -> Outcome:
    fulfilled = await read_netsuite.fulfilments_since(ctx.netsuite, ctx.netsuite_settings, ctx.store_hash, ctx.since)
    shipped = [f for f in fulfilled if f.status == "shipped"]
    seen, missing = await read_bigcommerce.shipments(ctx.bigcommerce, [f.order_id for f in shipped])
    recorded = await store.recorded_shipments(ctx.pool, ctx.store_hash, [f.ns_id for f in shipped])
    return Outcome(len(shipped), shipments.compare(fulfilled, seen, recorded=recorded, missing_orders=missing))


async def check_refunds(ctx: Context) -> Outcome:
    bc = await read_bigcommerce.refunds_since(ctx.bigcommerce, ctx.since)
    credited = await read_netsuite.credited_refunds(ctx.netsuite, ctx.store_hash, ctx.since)
    ids = [r.id for r in bc if r.id not in credited]
    booked = {k: refunds.Booked(status, docs)
              for k, (status, docs) in (await store.refund_bookings(ctx.pool, ctx.store_hash, ids)).items()}
    held = _held(await store.open_exceptions(ctx.pool, "refund", [str(i) for i in ids]))
    return Outcome(len(bc), refunds.compare(bc, credited, booked=booked, held=held))


async def check_prices(ctx: Context) -> Outcome:
    levels = levels_from(ctx.prices.levels, ctx.prices.list_name_pattern)
    if not levels:
        return Outcome(0, [])  # no price level is synced (O2C_PRICES_LEVELS)
    tables = await read_netsuite.pricing(ctx.netsuite, ctx.netsuite_settings)
    wanted = [w for t in tables for w in wanted_records(t, levels, ctx.prices.currencies,
                                                        bc_currency=ctx.prices.bc_currency,
                                                        allow_zero=ctx.prices.allow_zero)]
    records, missing = await read_bigcommerce.price_records(ctx.bigcommerce, levels)
    found = prices.compare(wanted, records, list_names={lv.key: lv.list_name for lv in levels}, missing_lists=missing)
    return Outcome(len(wanted) + len(records), found)


async def check_payouts(ctx: Context) -> Outcome:
    cent = Decimal("0.01")
    rows = [payouts.Payout(**{**r, "arrival_date": str(r["arrival_date"]), "amount": r["amount"].quantize(cent),
                              "residual": None if r["residual"] is None else r["residual"].quantize(cent)})
            for r in await store.payouts_since(ctx.pool, ctx.since)]
    posted = [p.je_external_id for p in rows if p.je_status == "posted" and p.je_external_id]
    journals = await read_netsuite.journal_entries(ctx.netsuite, posted) if posted else set()
    return Outcome(len(rows), payouts.compare(rows, journals))


CHECK_FUNCTIONS: dict[str, Callable[[Context], Awaitable[Outcome]]] = {
    "orders": check_orders, "customers": check_customers, "items": check_items, "stock": check_stock,
    "shipments": check_shipments, "refunds": check_refunds, "prices": check_prices, "payouts": check_payouts,
}
