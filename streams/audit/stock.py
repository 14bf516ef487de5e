"""Stock: what BigCommerce shows per location equals NetSuite's available stock after buffers and holds.

The figure BigCommerce should show is the inventory flow's own rule (``streams.inventory.model.targets``:
the included locations' available stock, minus the safety buffer and the orders NetSuite does not show
yet, floored at zero), worked out by the reader; this module only compares.

| what the two systems hold                                   | finding                         |
|-------------------------------------------------------------|---------------------------------|
| BigCommerce shows another quantity at one of its locations  | ``stock_differs`` (operations)  |

SKUs BigCommerce does not sell (or does not track stock for) are the items check's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streams.audit.findings import NewFinding, finding
from streams.inventory.model import Targets, drift

CHECK = "stock"


@dataclass(frozen=True)
class Tracked:
    """A SKU BigCommerce tracks stock for: the variant (or product) that carries it."""

    sku: str
    product_id: int
    variant_id: int | None


def compare(wanted: Mapping[str, Targets], shown: Mapping[str, Targets], tracked: Mapping[str, Tracked],
            *, item_ids: Mapping[str, str] | None = None) -> list[NewFinding]:
    """``wanted``: SKU → quantity per BigCommerce location from NetSuite; ``shown``: what BigCommerce has."""
    out: list[NewFinding] = []
    for sku in sorted(wanted):
        ref = tracked.get(sku)
        if ref is None:
            continue
        diff = drift(shown.get(sku), wanted[sku])
        if not diff:
            continue
        where = "; ".join(f"location {loc}: BigCommerce {have if have is not None else 'nothing'}, NetSuite {want}"
                          for loc, (have, want) in sorted(diff.items()))
        out.append(finding(
            CHECK, "stock_differs", "inventory", "operations", bc_id=ref.variant_id or ref.product_id,
            ns_id=(item_ids or {}).get(sku),
            message=(f"Stock of {sku} differs ({where}; NetSuite's figure is available stock after the buffer "
                     "and open orders). Customers may buy what is not there, or miss what is. o2c corrects it at its "
                     "next inventory resync (o2c inventory resync runs one now); if it comes back, check the "
                     "stock_sync_failed exceptions and whether someone edits stock in BigCommerce."),
            detail={"sku": sku, "locations": {str(loc): [have, want] for loc, (have, want) in diff.items()}}))
    return out
