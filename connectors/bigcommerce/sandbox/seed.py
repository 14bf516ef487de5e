"""Fill a sandbox store with a deterministic, realistic catalogue and customer base.

- products from :func:`.catalogue.catalogue` (one per style, ``inventory_tracking: variant``),
  options ``Colour`` and ``Size``, one variant per colour x size with SKU ``<STYLE>-<COLOUR>-<SIZE>``;
- locations: the default ``BC-LOCATION-1`` plus ``WH-EAST`` and ``WH-WEST``, stock per variant per location;
- customer groups: ``Retail`` (default), B2B ``Wholesale`` and ``Trade Partners``; a ``Wholesale`` price
  list (60 % of list price) assigned to the Wholesale group;
- registered customers (about a quarter in B2B groups); guests have no record and order with customer_id 0.
Same ``seed`` → same store, ids included.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .catalogue import catalogue
from .pricing import q2
from .state import Store, now

FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kira",
    "Leo",
    "Maya",
    "Noah",
)
LAST = (
    "Smith",
    "Jones",
    "Garcia",
    "Chen",
    "Patel",
    "Brown",
    "Nguyen",
    "Muller",
    "Rossi",
    "Kowalski",
    "Silva",
)
#: The NetSuite sandbox's customer on the Wholesale price level (the demo moves them into that group).
ACME_BUYER = "buyer@acme-outfitters.example"
COMPANIES = ("Acme Outfitters", "Northwind Retail", "Summit Sports", "Harbor Goods", "Blue Ridge Supply")
WHOLESALE_SHARE = Decimal("0.60")


def seed_store(store: Store, *, seed: int = 7, styles: int = 8, customers: int = 20) -> None:
    rng = random.Random(seed)
    created = now()
    store.add_location("WH-EAST", "East Warehouse")
    store.add_location("WH-WEST", "West Warehouse")
    for style in catalogue(seed, styles):
        pid = store.next_id("product")
        colour_opt, size_opt = store.next_id("option"), store.next_id("option")
        colour_values = {code: store.next_id("option_value") for code, _ in style.colours}
        size_values = {size: store.next_id("option_value") for size in style.sizes}
        variant_ids: list[int] = []
        for v in style.variants:
            vid = store.next_id("variant")
            variant_ids.append(vid)
            store.variants[vid] = {
                "id": vid,
                "product_id": pid,
                "sku": v.sku,
                "sku_id": vid + 1000,
                "price": style.price,
                "sale_price": None,
                "retail_price": None,
                "map_price": None,
                "cost_price": style.cost,
                "weight": style.weight_kg,
                "width": Decimal(0),
                "height": Decimal(0),
                "depth": Decimal(0),
                "is_free_shipping": False,
                "fixed_cost_shipping_price": None,
                "purchasing_disabled": False,
                "purchasing_disabled_message": "",
                "upc": "",
                "mpn": "",
                "gtin": "",
                "inventory_warning_level": 5,
                "bin_picking_number": "",
                "option_values": [
                    {
                        "id": colour_values[v.colour_code],
                        "option_id": colour_opt,
                        "option_display_name": "Colour",
                        "label": v.colour,
                    },
                    {
                        "id": size_values[v.size],
                        "option_id": size_opt,
                        "option_display_name": "Size",
                        "label": v.size,
                    },
                ],
            }
            for loc in sorted(store.locations):
                store.stock[(vid, loc)] = rng.randint(0, 60) if loc == 1 else rng.randint(0, 30)
        store.products[pid] = {
            "id": pid,
            "name": style.name,
            "type": "physical",
            "sku": style.code,
            "description": f"<p>{style.name}</p>",
            "weight": style.weight_kg,
            "width": Decimal(0),
            "depth": Decimal(0),
            "height": Decimal(0),
            "price": style.price,
            "cost_price": style.cost,
            "retail_price": Decimal(0),
            "sale_price": Decimal(0),
            "map_price": Decimal(0),
            "tax_class_id": 0,
            "product_tax_code": "",
            "categories": [23],
            "brand_id": 0,
            "inventory_warning_level": 0,
            "inventory_tracking": "variant",
            "is_visible": True,
            "base_variant_id": None,
            "date_created": created,
            "date_modified": created,
            "variant_ids": variant_ids,
        }
    groups: dict[str, dict[str, Any]] = {}
    for name, default in (("Retail", True), ("Wholesale", False), ("Trade Partners", False)):
        gid = store.next_id("group")
        groups[name] = store.groups[gid] = {
            "id": gid,
            "name": name,
            "is_default": default,
            "category_access": {"type": "all"},
            "discount_rules": [],
            "date_created": created,
            "date_modified": created,
            "is_group_for_guests": False,
        }
    groups["Trade Partners"]["discount_rules"] = [{"type": "all", "method": "percent", "amount": "10.0000"}]
    plid = store.next_id("pricelist")
    store.pricelists[plid] = {
        "id": plid,
        "name": "Wholesale",
        "date_created": created,
        "date_modified": created,
        "active": True,
    }
    for vid, variant in store.variants.items():
        store.price_records[(plid, vid, store.config.currency.lower())] = {
            "price_list_id": plid,
            "variant_id": vid,
            "product_id": variant["product_id"],
            "sku": variant["sku"],
            "currency": store.config.currency.lower(),
            "price": q2(variant["price"] * WHOLESALE_SHARE),
            "date_created": created,
            "date_modified": created,
        }
    aid = store.next_id("assignment")
    store.assignments[aid] = {
        "id": aid,
        "price_list_id": plid,
        "customer_group_id": groups["Wholesale"]["id"],
        "channel_id": 1,
    }
    people = [(rng.choice(FIRST), rng.choice(LAST), f"{index}") for index in range(customers)]
    for index, (first, last, tag) in enumerate([*people, ("Acme", "Buyer", "acme")] if customers else []):
        cid = store.next_id("customer")
        b2b = index % 4 == 3 or tag == "acme"
        group = groups["Wholesale"] if b2b and index % 8 == 3 else groups["Trade Partners"] if b2b else groups["Retail"]
        if tag == "acme":  # the NetSuite sandbox's Acme Outfitters (price level Wholesale), still in Retail here
            group = groups["Retail"]
        store.customers[cid] = {
            "id": cid,
            "email": ACME_BUYER if tag == "acme" else f"{first}.{last}.{index}@example.com".lower(),
            "first_name": first,
            "last_name": last,
            "company": "Acme Outfitters" if tag == "acme" else rng.choice(COMPANIES) if b2b else "",
            "phone": f"555-01{index:02d}",
            "registration_ip_address": "127.0.0.1",
            "notes": "",
            "tax_exempt_category": "G" if b2b else "",
            "customer_group_id": group["id"],
            "date_created": created,
            "date_modified": created,
            "address_count": 1,
            "attribute_count": 0,
            "authentication": {"force_password_reset": False},
            "accepts_product_review_abandoned_cart_emails": False,
            "store_credit_amounts": [{"amount": 0}],
            "origin_channel_id": 1,
            "channel_ids": None,
        }


def add_stock_products(store: Store, *, prefix: str, products: int, variants: int = 1, tracking: str = "variant",
                       quantity: int = 0, skus: Sequence[str] | None = None,
                       price: Decimal = Decimal("10.00")) -> list[dict[str, Any]]:
    """Add ``products`` simple products for stock tests and benchmarks; returns ``[{sku, product_id, variant_id}]``.

    ``tracking="variant"``: ``variants`` variants each, SKUs ``<prefix>-<n>-<v>`` — or, with ``skus``, these
    SKUs ``variants`` to a product (``products`` is then how many that takes); ``tracking="product"``: one
    base variant per product whose SKU is the product's (``<prefix>-<n>``), stock set by product id.
    Every variant starts with ``quantity`` on hand at every location; products cost ``price``.
    """
    created = now()
    out: list[dict[str, Any]] = []
    if skus is not None:
        if tracking != "variant" or variants < 1:
            raise ValueError("skus need tracking=variant and at least one variant per product")
        products = -(-len(skus) // variants)
    for n in range(products):
        pid = store.next_id("product")
        product_sku = f"{prefix}-{n}"
        count = 1 if tracking == "product" else variants
        if skus is not None:
            count = min(variants, len(skus) - n * variants)
        variant_ids: list[int] = []
        for v in range(count):
            vid = store.next_id("variant")
            sku = (product_sku if tracking == "product" else f"{prefix}-{n}-{v}") if skus is None else (
                skus[n * variants + v])
            variant_ids.append(vid)
            store.variants[vid] = {
                "id": vid, "product_id": pid, "sku": sku, "sku_id": None if tracking == "product" else vid + 1000,
                "price": None, "sale_price": None, "retail_price": None, "map_price": None,
                "cost_price": None, "weight": Decimal("0.2"), "width": Decimal(0), "height": Decimal(0),
                "depth": Decimal(0), "is_free_shipping": False, "fixed_cost_shipping_price": None,
                "purchasing_disabled": False, "purchasing_disabled_message": "", "upc": "", "mpn": "", "gtin": "",
                "inventory_warning_level": 0, "bin_picking_number": "", "option_values": [],
            }
            for loc in store.locations:
                store.stock[(vid, loc)] = quantity
            out.append({"sku": sku, "product_id": pid, "variant_id": vid})
        store.products[pid] = {
            "id": pid, "name": f"Stock item {product_sku}", "type": "physical", "sku": product_sku,
            "description": "", "weight": Decimal("0.2"), "width": Decimal(0), "depth": Decimal(0),
            "height": Decimal(0), "price": price, "cost_price": Decimal("4.00"),
            "retail_price": Decimal(0), "sale_price": Decimal(0), "map_price": Decimal(0), "tax_class_id": 0,
            "product_tax_code": "", "categories": [23], "brand_id": 0, "inventory_warning_level": 0,
            "inventory_tracking": tracking, "is_visible": True,
            "base_variant_id": variant_ids[0] if tracking == "product" else None,
            "date_created": created, "date_modified": created, "variant_ids": variant_ids,
        }
    return out


def add_customers(store: Store, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add registered customers from ``{email, first_name?, last_name?, company?, customer_group_id?}``
    (group 0 = none; it must exist); returns ``[{id, email, customer_group_id}]``. ValueError if bad."""
    taken = {c["email"].lower() for c in store.customers.values()}
    for row in rows:
        email = str(row.get("email") or "")
        if "@" not in email or email.lower() in taken:
            raise ValueError(f"email {email!r} is missing, invalid or already taken")
        taken.add(email.lower())
        group = int(row.get("customer_group_id") or 0)
        if group and group not in store.groups:
            raise ValueError(f"customer group {group} does not exist")
    created = now()
    out: list[dict[str, Any]] = []
    for row in rows:
        cid = store.next_id("customer")
        store.customers[cid] = {
            "id": cid, "email": str(row["email"]).lower(), "first_name": str(row.get("first_name") or "Test"),
            "last_name": str(row.get("last_name") or f"Customer {cid}"), "company": str(row.get("company") or ""),
            "phone": "", "registration_ip_address": "127.0.0.1", "notes": "", "tax_exempt_category": "",
            "customer_group_id": int(row.get("customer_group_id") or 0), "date_created": created,
            "date_modified": created, "address_count": 0, "attribute_count": 0,
            "authentication": {"force_password_reset": False}, "accepts_product_review_abandoned_cart_emails": False,
            "store_credit_amounts": [{"amount": 0}], "origin_channel_id": 1, "channel_ids": None,
        }
        out.append({"id": cid, "email": store.customers[cid]["email"], "customer_group_id":
                    store.customers[cid]["customer_group_id"]})
    return out
