"""Stock the storefront sold that NetSuite does not show yet: what one order holds, per SKU (pure)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from streams.contract import BcOrderSnapshot


def held_quantities(order: BcOrderSnapshot, release_statuses: Collection[int]) -> dict[str, Decimal]:
    """Quantity per SKU the order holds: none once it is released (cancelled, refunded…) or deleted."""
    if order.status_id in release_statuses or order.is_deleted:
        return {}
    lines: dict[str, Decimal] = {}
    for line in order.lines:
        if line.sku:
            lines[line.sku] = lines.get(line.sku, Decimal(0)) + Decimal(line.quantity)
    return lines
