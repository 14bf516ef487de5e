"""Catalog V3 (products, variants) and Inventory V3 (locations, items, adjustments)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..formats import parse_money
from .state import ApiError, Store, now
from .web import body, int_list, store, str_list, v3_json, v3_page

V3 = "/stores/{store_hash}/v3"
VARIANT_BATCH = 50


# ------------------------------------------------------------------ catalog


def variant_view(s: Store, variant: dict[str, Any]) -> dict[str, Any]:
    product = s.products[variant["product_id"]]
    price = variant["price"] if variant["price"] is not None else product["price"]
    sale = variant.get("sale_price")
    return {
        **variant,
        "calculated_price": sale if sale else price,
        "inventory_level": s.onhand(variant["id"], 1),
    }


def product_view(s: Store, product: dict[str, Any], include_variants: bool) -> dict[str, Any]:
    variants = [s.variants[v] for v in product["variant_ids"]]
    view = {k: v for k, v in product.items() if k != "variant_ids"}
    view["inventory_level"] = sum(s.onhand(v["id"], 1) for v in variants)
    view["calculated_price"] = product["sale_price"] or product["price"]
    if include_variants:
        view["variants"] = [variant_view(s, v) for v in variants]
    return view


async def list_products(request: web.Request) -> web.Response:
    s = store(request)
    rows = sorted(s.products.values(), key=lambda p: p["id"])
    ids = int_list(request, "id:in")
    if ids is not None:
        rows = [p for p in rows if p["id"] in ids]
    if "sku" in request.query:
        rows = [p for p in rows if p["sku"] == request.query["sku"]]
    if "name" in request.query:
        rows = [p for p in rows if p["name"] == request.query["name"]]
    include = "variants" in (request.query.get("include") or "").split(",")
    return v3_page(request, [product_view(s, p, include) for p in rows])


async def get_product(request: web.Request) -> web.Response:
    s = store(request)
    product = s.products.get(int(request.match_info["product_id"]))
    if product is None:
        raise ApiError(404, "The requested product was not found.")
    include = "variants" in (request.query.get("include") or "").split(",")
    return v3_json(product_view(s, product, include))


def _variants(request: web.Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    s = store(request)
    ids = int_list(request, "id:in")
    if ids is not None:
        rows = [v for v in rows if v["id"] in ids]
    pids = int_list(request, "product_id:in")
    if pids is not None:
        rows = [v for v in rows if v["product_id"] in pids]
    if "sku" in request.query:
        rows = [v for v in rows if v["sku"] == request.query["sku"]]
    skus = str_list(request, "sku:in")
    if skus is not None:
        rows = [v for v in rows if v["sku"] in skus]
    return [variant_view(s, v) for v in rows]


async def list_variants(request: web.Request) -> web.Response:
    rows = sorted(store(request).variants.values(), key=lambda v: v["id"])
    return v3_page(request, _variants(request, rows))


async def product_variants(request: web.Request) -> web.Response:
    s = store(request)
    product = s.products.get(int(request.match_info["product_id"]))
    if product is None:
        raise ApiError(404, "The requested product was not found.")
    return v3_page(request, _variants(request, [s.variants[v] for v in product["variant_ids"]]))


async def get_variant(request: web.Request) -> web.Response:
    s = store(request)
    variant = s.variants.get(int(request.match_info["variant_id"]))
    if variant is None or variant["product_id"] != int(request.match_info["product_id"]):
        raise ApiError(404, "The requested variant was not found.")
    return v3_json(variant_view(s, variant))


async def update_variants(request: web.Request) -> web.Response:
    s = store(request)
    items = await body(request)
    if not isinstance(items, list):
        raise ApiError(422, "The request body must be an array of variants.")
    if len(items) > VARIANT_BATCH:
        raise ApiError(
            413,
            f"The request payload is too large. The maximum items allowed in the array is {VARIANT_BATCH}",
        )
    errors: list[dict[str, Any]] = []
    for item in items:
        variant = s.variants.get(int(item.get("id", 0))) if isinstance(item, dict) else None
        if variant is None:
            errors.append(
                {
                    "status": 422,
                    "title": f"Variant {item.get('id') if isinstance(item, dict) else item} not found",
                    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                    "errors": {"id": "unknown variant"},
                }
            )
    if errors:
        return web.json_response({"batch_errors": errors}, status=422)
    updated = []
    for item in items:
        variant = s.variants[int(item["id"])]
        for key in ("price", "sale_price", "cost_price", "retail_price", "map_price"):
            if key in item:
                variant[key] = None if item[key] is None else parse_money(item[key])
        for key in ("inventory_warning_level", "purchasing_disabled", "upc", "purchasing_disabled_message"):
            if key in item:
                variant[key] = item[key]
        if "inventory_level" in item:
            s.stock[(variant["id"], 1)] = int(item["inventory_level"])
        s.products[variant["product_id"]]["date_modified"] = now()
        s.emit(
            "store/sku/updated",
            {
                "type": "sku",
                "id": variant["id"],
                "sku": {"product_id": variant["product_id"], "variant_id": variant["id"]},
            },
        )
        updated.append(variant_view(s, variant))
    return v3_json(updated)


# ------------------------------------------------------------------ inventory


async def list_locations(request: web.Request) -> web.Response:
    rows = sorted(store(request).locations.values(), key=lambda loc: loc["id"])
    ids = int_list(request, "location_id:in")
    if ids is not None:
        rows = [loc for loc in rows if loc["id"] in ids]
    return v3_page(request, rows)


async def inventory_items(request: web.Request) -> web.Response:
    s = store(request)
    variants = sorted(s.variants.values(), key=lambda v: v["id"])
    skus = str_list(request, "sku:in")
    if skus is not None:
        variants = [v for v in variants if v["sku"] in skus]
    vids = int_list(request, "variant_id:in")
    if vids is not None:
        variants = [v for v in variants if v["id"] in vids]
    pids = int_list(request, "product_id:in")
    if pids is not None:
        variants = [v for v in variants if v["product_id"] in pids]
    locs = int_list(request, "location_id:in")
    locations = [
        loc for loc in sorted(s.locations.values(), key=lambda x: x["id"]) if locs is None or loc["id"] in locs
    ]
    rows = []
    for v in variants:
        entries = []
        for loc in locations:
            onhand = s.onhand(v["id"], loc["id"])
            safety = s.safety.get((v["id"], loc["id"]), 0)
            entries.append(
                {
                    "location_id": loc["id"],
                    "location_code": loc["code"],
                    "location_name": loc["label"],
                    "available_to_sell": max(0, onhand - safety),
                    "total_inventory_onhand": onhand,
                    "location_enabled": loc["enabled"],
                    "settings": {
                        "safety_stock": safety,
                        "is_in_stock": onhand - safety > 0,
                        "warning_level": v.get("inventory_warning_level") or 0,
                        "bin_picking_number": "",
                    },
                }
            )
        rows.append(
            {
                "identity": {
                    "sku": v["sku"],
                    "variant_id": v["id"],
                    "product_id": v["product_id"],
                    "sku_id": v["sku_id"],
                },
                "locations": entries,
            }
        )
    return v3_page(request, rows, default_limit=50, max_limit=1000)


async def _adjust(request: web.Request, absolute: bool) -> web.Response:
    payload = await body(request)
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise ApiError(422, "items is required", {"items": "must be an array"})
    txn = store(request).adjust(payload["items"], absolute=absolute)
    return web.json_response({"transaction_id": txn})


async def adjust_absolute(request: web.Request) -> web.Response:
    return await _adjust(request, True)


async def adjust_relative(request: web.Request) -> web.Response:
    return await _adjust(request, False)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{V3}/catalog/products", list_products)
    r.add_get(f"{V3}/catalog/products/{{product_id}}", get_product)
    r.add_get(f"{V3}/catalog/products/{{product_id}}/variants", product_variants)
    r.add_get(f"{V3}/catalog/products/{{product_id}}/variants/{{variant_id}}", get_variant)
    r.add_get(f"{V3}/catalog/variants", list_variants)
    r.add_put(f"{V3}/catalog/variants", update_variants)
    r.add_get(f"{V3}/inventory/locations", list_locations)
    r.add_get(f"{V3}/inventory/items", inventory_items)
    r.add_put(f"{V3}/inventory/adjustments/absolute", adjust_absolute)
    r.add_post(f"{V3}/inventory/adjustments/relative", adjust_relative)
