"""Items: every BigCommerce variant is a NetSuite item, and every sellable NetSuite item is on sale.

| what the two systems hold                                            | finding                              |
|----------------------------------------------------------------------|--------------------------------------|
| a BigCommerce variant whose SKU no NetSuite item has                  | ``variant_without_item`` (operations) |
| … a NetSuite item that is inactive                                    | ``variant_item_inactive`` (operations) |
| a sellable NetSuite item (not a matrix parent, active, online) whose  | ``item_without_variant`` (operations) |
| SKU no BigCommerce variant has                                        |                                      |

A SKU of ``custom_skus`` (``O2C_ORDERS_CUSTOM_LINE_SKUS``: sold online, not a NetSuite item by design) is no drift.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from streams.audit.findings import NewFinding, finding

CHECK = "items"


@dataclass(frozen=True)
class BcVariant:
    sku: str
    product_id: int
    variant_id: int
    product_name: str = ""


@dataclass(frozen=True)
class NsItem:
    id: str
    sku: str
    name: str = ""
    matrix_parent: bool = False
    inactive: bool = False
    online: bool = True

    @property
    def sellable(self) -> bool:
        return not self.matrix_parent and not self.inactive and self.online


def compare(variants: Iterable[BcVariant], items: Iterable[NsItem], *,
            custom_skus: Collection[str] = ()) -> list[NewFinding]:
    by_sku = {i.sku: i for i in items if i.sku}
    on_sale: set[str] = set()
    out: list[NewFinding] = []
    for v in sorted(variants, key=lambda v: v.sku):
        on_sale.add(v.sku)
        if not v.sku or v.sku in custom_skus:
            continue
        item = by_sku.get(v.sku)
        where = f"BigCommerce variant {v.sku} (product {v.product_id} {v.product_name!r}, variant {v.variant_id})"
        if item is None:
            out.append(finding(
                CHECK, "variant_without_item", "item", "operations", bc_id=v.variant_id,
                message=(f"{where} has no NetSuite item with that SKU: its orders wait for the item (missing_sku) "
                         "and its stock is never updated. Create the item in NetSuite with exactly this SKU, or "
                         "correct the variant's SKU in BigCommerce."),
                detail={"sku": v.sku, "product_id": v.product_id}))
        elif item.inactive:
            out.append(finding(
                CHECK, "variant_item_inactive", "item", "operations", bc_id=v.variant_id, ns_id=item.id,
                message=(f"{where} is on sale, but NetSuite item {item.id} with that SKU is inactive. Reactivate the "
                         "item in NetSuite, or take the variant off sale in BigCommerce."),
                detail={"sku": v.sku}))
    for item in sorted(by_sku.values(), key=lambda i: i.sku):
        if item.sellable and item.sku not in on_sale:
            out.append(finding(
                CHECK, "item_without_variant", "item", "operations", ns_id=item.id,
                message=(f"NetSuite item {item.sku} ({item.id}, {item.name!r}) is active and online but no "
                         "BigCommerce variant has its SKU, so it cannot be sold on the store. Add the variant in "
                         "BigCommerce with exactly this SKU, or untick 'Display in Web Site' in NetSuite."),
                detail={"sku": item.sku}))
    return out
