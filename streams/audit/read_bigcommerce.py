"""The BigCommerce side of each check, read through the worker's client in the governor's LOW lane (after
orders, low stock and routine stock; the store's quota is shared, and the audit can wait)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.formats import format_rfc2822
from connectors.bigcommerce.governor import Lane
from connectors.http import NotFoundError
from streams.audit.customers import BcCustomer
from streams.audit.items import BcVariant
from streams.audit.orders import BcOrder
from streams.audit.prices import BcPrice, Key
from streams.audit.refunds import BcRefund
from streams.audit.shipments import BcShipment
from streams.audit.stock import Tracked
from streams.inventory.model import Targets
from streams.prices.records import Level, minor_units
from streams.prices.resync import bc_tiers

LOW = Lane.LOW
CENT = Decimal("0.01")


async def orders_since(client: BigCommerceClient, since: datetime) -> list[BcOrder]:
    """Orders created at or after ``since``."""
    return [BcOrder(o.id, o.status_id, o.status, o.total_inc_tax.quantize(CENT), o.currency_code,
                    o.refunded_amount.quantize(CENT))
            async for o in client.list_orders(lane=LOW, min_date_created=format_rfc2822(since))
            if not o.is_deleted]


async def missing_orders(client: BigCommerceClient, order_ids: Iterable[int]) -> set[int]:
    """Which of these orders BigCommerce does not have (or has archived): one read each."""
    missing = set()
    for order_id in sorted(set(order_ids)):
        try:
            order = await client.get_order(order_id, lane=LOW)
        except NotFoundError:
            missing.add(order_id)
            continue
        if order.is_deleted:
            missing.add(order_id)
    return missing


async def customers(client: BigCommerceClient) -> list[BcCustomer]:
    """Every customer (the client lists customers in the NORMAL lane: its filters take every other keyword)."""
    return [BcCustomer(c.id, c.email, f"{c.first_name} {c.last_name}".strip())
            async for c in client.list_customers()]


@dataclass
class Catalogue:
    """Every variant on sale, and the SKUs whose stock BigCommerce tracks (by variant, or by product)."""

    variants: list[BcVariant] = field(default_factory=list)
    tracked: dict[str, Tracked] = field(default_factory=dict)


async def catalogue(client: BigCommerceClient) -> Catalogue:
    """One paged read of the products with their variants (``streams.inventory.writer.read_catalogue``'s rule)."""
    out = Catalogue()
    async for product in client.list_products(include_variants=True, lane=LOW):
        variants = product.variants or []
        for v in variants:
            out.variants.append(BcVariant(v.sku, product.id, v.id, product.name))
            if product.inventory_tracking == "variant":
                out.tracked[v.sku] = Tracked(v.sku, product.id, v.id)
        if product.inventory_tracking == "product" and variants:
            base = variants[0] if len(variants) == 1 else None
            sku = product.sku or (base.sku if base else "")
            if sku:
                out.tracked[sku] = Tracked(sku, product.id, base.id if base else product.base_variant_id)
    return out


async def stock(client: BigCommerceClient, tracked: dict[str, Tracked]) -> dict[str, Targets]:
    """On-hand stock per BigCommerce location of every tracked SKU (one paged read of the inventory items)."""
    by_variant = {t.variant_id: sku for sku, t in tracked.items() if t.variant_id is not None}
    by_product = {t.product_id: sku for sku, t in tracked.items()}
    out: dict[str, Targets] = {}
    async for item in client.list_inventory_items(lane=LOW):
        ident = item.identity
        sku = by_variant.get(ident.variant_id) if ident.variant_id is not None else None
        if sku is None and ident.product_id is not None:
            sku = by_product.get(ident.product_id)
        if sku is not None:
            out[sku] = {loc.location_id: loc.total_inventory_onhand for loc in item.locations}
    return out


async def shipments(client: BigCommerceClient, order_ids: Iterable[int]) -> tuple[dict[int, list[BcShipment]],
                                                                                  set[int]]:
    """Each order's shipments (one read per order), and the orders BigCommerce does not have."""
    found: dict[int, list[BcShipment]] = {}
    missing: set[int] = set()
    for order_id in sorted(set(order_ids)):
        try:
            rows = await client.list_shipments(order_id, lane=LOW)
        except NotFoundError:
            missing.add(order_id)
            continue
        found[order_id] = [BcShipment(s.id, s.order_id, s.comments, s.tracking_number) for s in rows]
    return found, missing


async def refunds_since(client: BigCommerceClient, since: datetime) -> list[BcRefund]:
    return [BcRefund(r.id, r.order_id, r.total_amount.quantize(CENT), r.created.isoformat(timespec="seconds"))
            async for r in client.list_all_refunds(created_min=since, lane=LOW)]


async def price_records(client: BigCommerceClient, levels: Iterable[Level]) -> tuple[dict[Key, BcPrice], set[str]]:
    """Every record of each level's price list (found by name; never created), and the levels without a list."""
    records: dict[Key, BcPrice] = {}
    missing: set[str] = set()
    for level in levels:
        found = await client.price_list_by_name(level.list_name)
        if found is None:
            missing.add(level.key)
            continue
        async for r in client.list_price_records(found.id, include_tiers=True, lane=LOW):
            if r.sku is None or r.price is None:
                continue
            currency = r.currency.lower()
            places = Decimal(1).scaleb(-minor_units(currency))
            records[(level.key, r.sku, currency)] = BcPrice(Decimal(r.price).quantize(places),
                                                            bc_tiers(r.bulk_pricing_tiers, currency), r.variant_id)
    return records, missing
