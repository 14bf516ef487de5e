"""Catalog V3 (products, variants) and Inventory V3 (locations, items, absolute adjustments)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from ..governor import Lane
from ..models import (
    InventoryAdjustment,
    InventoryItem,
    InventoryTransaction,
    Location,
    Product,
    Variant,
    VariantUpdate,
)
from .transport import Transport, chunks, csv

VARIANT_BATCH = 50
INVENTORY_BATCH = 2000


class CatalogApi(Transport):
    """``/v3/catalog`` and ``/v3/inventory``."""

    async def list_products(self, *, include_variants: bool = False, lane: Lane = Lane.NORMAL,
                            **filters: Any) -> AsyncIterator[Product]:
        params = dict(filters)
        if include_variants:
            params["include"] = "variants"
        async for row in self._v3_pages("/catalog/products", endpoint="products_list", params=params, lane=lane):
            yield Product.model_validate(row)

    async def get_product(self, product_id: int, *, include_variants: bool = False) -> Product:
        params = {"include": "variants"} if include_variants else None
        data = await self._v3_data("GET", f"/catalog/products/{product_id}", endpoint="product_get", params=params)
        return Product.model_validate(data)

    async def list_variants(
        self, *, sku: str | None = None, product_ids: Iterable[int] | None = None, **filters: Any
    ) -> AsyncIterator[Variant]:
        params = dict(filters)
        if sku is not None:
            params["sku"] = sku
        if product_ids is not None:
            params["product_id:in"] = csv(product_ids)
        async for row in self._v3_pages("/catalog/variants", endpoint="variants_list", params=params):
            yield Variant.model_validate(row)

    async def product_variants(self, product_id: int) -> AsyncIterator[Variant]:
        async for row in self._v3_pages(f"/catalog/products/{product_id}/variants", endpoint="product_variants"):
            yield Variant.model_validate(row)

    async def get_variant(self, product_id: int, variant_id: int) -> Variant:
        data = await self._v3_data(
            "GET", f"/catalog/products/{product_id}/variants/{variant_id}", endpoint="variant_get"
        )
        return Variant.model_validate(data)

    async def update_variants(self, updates: Sequence[VariantUpdate]) -> list[Variant]:
        """Batch ``PUT /v3/catalog/variants``, 50 per request."""
        out: list[Variant] = []
        for chunk in chunks(updates, VARIANT_BATCH):
            data = await self._v3_data(
                "PUT", "/catalog/variants", endpoint="variants_update", json=[u.body() for u in chunk]
            )
            out.extend(Variant.model_validate(r) for r in data or [])
        return out

    async def list_locations(self) -> list[Location]:
        return [
            Location.model_validate(r) async for r in self._v3_pages("/inventory/locations", endpoint="locations_list")
        ]

    async def list_inventory_items(
        self,
        *,
        skus: Iterable[str] | None = None,
        variant_ids: Iterable[int] | None = None,
        location_ids: Iterable[int] | None = None,
        lane: Lane = Lane.NORMAL,
        product_ids: Iterable[int] | None = None,
    ) -> AsyncIterator[InventoryItem]:
        params: dict[str, Any] = {}
        if product_ids is not None:
            params["product_id:in"] = csv(product_ids)
        if skus is not None:
            params["sku:in"] = csv(skus)
        if variant_ids is not None:
            params["variant_id:in"] = csv(variant_ids)
        if location_ids is not None:
            params["location_id:in"] = csv(location_ids)
        async for row in self._v3_pages(
            "/inventory/items", endpoint="inventory_items", params=params, limit=1000, lane=lane
        ):
            yield InventoryItem.model_validate(row)

    async def adjust_inventory_absolute(
        self, items: Sequence[InventoryAdjustment], *, reason: str = "o2c sync", lane: Lane = Lane.NORMAL
    ) -> list[str]:
        """Set on-hand stock (2,000 items per request, one request at a time); returns transaction ids.

        Asynchronous on BigCommerce's side: a read right after may still show the old level.
        """
        ids: list[str] = []
        for chunk in chunks(items, INVENTORY_BATCH):
            body = await self._json(
                "PUT",
                "v3",
                "/inventory/adjustments/absolute",
                endpoint="inventory_absolute",
                json={"reason": reason, "items": [i.body() for i in chunk]},
                lane=lane,
                cap="inventory_adjustment",
            )
            ids.append(InventoryTransaction.model_validate(body).transaction_id)
        return ids
