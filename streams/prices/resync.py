"""Resync and audit: read BigCommerce's price lists and fix only what differs from NetSuite's prices.

Each configured level's price list is read page by page (records with their bulk pricing tiers) and
compared in PostgreSQL with the records as they should be: a record that differs, one that should not
exist (extra) and one that should exist but was not found (missing) are counted per list and, unless it
is a dry run, made dirty so the writer fixes exactly those. BigCommerce customers in a group o2c manages
whose email no NetSuite customer has are listed (left alone). Every run is stored in ``price_resyncs``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.models import BulkPricingTier
from state import prices as store
from state.prices import BcRecord
from streams.prices.lists import PriceListDirectory
from streams.prices.records import Tier, minor_units

log = logging.getLogger(__name__)

PAGE = 1000


@dataclass
class PriceResyncReport:
    trigger: str
    dry_run: bool
    checked: int = 0
    drift: dict[str, dict[str, int]] = field(default_factory=dict)  # list name → missing/differs/extra
    unmatched_customers: list[str] = field(default_factory=list)
    waiting_levels: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> int:
        return sum(sum(d.values()) for d in self.drift.values())

    def render(self) -> str:
        verb = "would fix" if self.dry_run else "fixed"
        lines = [f"prices resync ({self.trigger}): {self.checked} BigCommerce records checked, "
                 f"{self.drifted} drifted ({verb})"]
        for name, d in sorted(self.drift.items()):
            lines.append(f"  {name}: {d['missing']} missing, {d['differs']} differ, {d['extra']} extra")
        for key in self.waiting_levels:
            lines.append(f"  NetSuite price level {key}: no BigCommerce price list (see price_list_missing)")
        if self.unmatched_customers:
            shown = ", ".join(self.unmatched_customers[:20])
            more = f" and {len(self.unmatched_customers) - 20} more" if len(self.unmatched_customers) > 20 else ""
            lines.append(f"  {len(self.unmatched_customers)} BigCommerce customers in o2c's groups match no "
                         f"NetSuite customer (left alone): {shown}{more}")
        return "\n".join(lines)


def bc_tiers(tiers: list[BulkPricingTier], currency: str) -> list[dict[str, Any]]:
    """BigCommerce's tiers in the form o2c stores (``Tier.as_json``), so equal tiers compare equal."""
    places = Decimal(1).scaleb(-minor_units(currency))
    if any(tier.type != "fixed" for tier in tiers):  # o2c writes absolute unit prices only: these differ
        return [{"type": tier.type, "amount": str(tier.amount)} for tier in tiers]
    return [Tier(tier.quantity_min, tier.quantity_max, tier.amount.quantize(places)).as_json() for tier in tiers]


async def resync(client: BigCommerceClient, pool: asyncpg.Pool, directory: PriceListDirectory, *,
                 trigger: str, dry_run: bool = False) -> PriceResyncReport:
    report = PriceResyncReport(trigger, dry_run)
    started = datetime.now(UTC)
    for level in directory.levels:
        list_id = await directory.list_id(client, pool, level.key)
        if list_id is None:
            report.waiting_levels.append(level.key)
            continue
        checked, drift = await compare_list(client, pool, directory.store_hash, level.key, list_id, started,
                                            fix=not dry_run)
        report.checked += checked
        report.drift[level.list_name] = drift
    report.unmatched_customers = await unmatched_customers(client, pool, directory)
    await store.save_resync(pool, directory.store_hash, trigger=trigger, dry_run=dry_run, checked=report.checked,
                            drift=report.drift, unmatched_customers=len(report.unmatched_customers),
                            started_at=started)
    log.info(report.render(), extra={"checked": report.checked, "drifted": report.drifted, "trigger": trigger})
    return report


async def compare_list(client: BigCommerceClient, pool: asyncpg.Pool, store_hash: str, level_key: str,
                       list_id: int, started: datetime, *, fix: bool) -> tuple[int, dict[str, int]]:
    """One price list against its records as they should be, a page at a time: (checked, drift)."""
    drift = {"missing": 0, "differs": 0, "extra": 0}
    page: list[BcRecord] = []
    checked = 0

    async def flush() -> None:
        nonlocal checked
        differ, extra = await store.compare_page(pool, store_hash, level_key, page, started, fix=fix)
        drift["differs"] += differ
        drift["extra"] += extra
        checked += len(page)
        page.clear()

    async for record in client.list_price_records(list_id, include_tiers=True):
        if record.sku is None or record.price is None:
            continue
        currency = record.currency.lower()
        places = Decimal(1).scaleb(-minor_units(currency))
        page.append(BcRecord(record.sku, currency, Decimal(record.price).quantize(places),
                             bc_tiers(record.bulk_pricing_tiers, currency)))
        if len(page) >= PAGE:
            await flush()
    if page:
        await flush()
    drift["missing"] = await store.finish_audit(pool, store_hash, level_key, started, fix=fix)
    return checked, drift


async def unmatched_customers(client: BigCommerceClient, pool: asyncpg.Pool,
                              directory: PriceListDirectory) -> list[str]:
    """Emails of BigCommerce customers in o2c's groups that no NetSuite customer has."""
    groups = sorted(set((await directory.groups(client)).values()))
    if not groups:
        return []
    known = await store.customer_emails(pool, directory.store_hash)
    found = []
    async for customer in client.list_customers(**{"customer_group_id:in": ",".join(map(str, groups))}):
        if customer.email.lower() not in known:
            found.append(customer.email)
    return sorted(found)
