"""Deterministic demo account: subsidiary, currencies, chart of accounts (:mod:`.accounts`), locations,
price levels, ship methods, matrix items with stock per location and prices per level, and a few
pre-existing customers.

Items come from the catalogue shared with the BigCommerce sandbox
(``connectors.bigcommerce.sandbox.catalogue``): parent ``itemId`` = style code (``TEE``), child
``itemId`` = SKU ``<STYLE>-<COLOUR>-<SIZE>`` (``TEE-BLK-M``).
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from connectors.bigcommerce.sandbox.catalogue import catalogue
from connectors.netsuite.sandbox.accounts import CHART, TYPE_NAMES
from connectors.netsuite.sandbox.behaviour import Behaviour
from connectors.netsuite.sandbox.store import Store

WAREHOUSES = ("1", "2")
RETAIL_STORE = "3"
PRICE_LEVELS = (
    ("1", "Base Price", Decimal("0")),
    ("2", "Wholesale", Decimal("-40")),
    ("3", "Trade", Decimal("-25")),
    ("4", "Online Price", Decimal("0")),
)
#: Ship items (``shipMethod`` on sales orders and fulfilments), fixed internal ids.
SHIP_ITEMS = (
    ("301", "UPS Ground"),
    ("302", "FedEx 2Day"),
    ("303", "Free Shipping"),
    ("304", "USPS Priority Mail"),
    ("305", "Royal Mail Tracked 24"),
    ("306", "DHL Express Worldwide"),
    ("307", "Canada Post Expedited"),
)
#: Tax codes (``salesTaxItem``): id, name, rate in percent (``None``: set per address, any amount accepted).
TAX_CODES = (
    ("101", "VAT:S-GB", Decimal("20"), "UK VAT standard rate"),
    ("102", "VAT:R-GB", Decimal("5"), "UK VAT reduced rate"),
    ("103", "VAT:Z-GB", Decimal("0"), "UK VAT zero rate"),
    ("201", "US:SALES", None, "US sales tax (rate by address)"),
    ("202", "US:EXEMPT", Decimal("0"), "US sales tax exempt"),
)


def _fixed(store: Store, record_type: str, record_id: str, body: dict[str, object]) -> None:
    store.create(record_type, body, record_id=record_id)


def seed(store: Store, behaviour: Behaviour, *, seed_value: int = 7, styles: int = 4) -> None:
    """Fill ``store`` with the demo account (same result for the same arguments)."""
    rng = random.Random(seed_value)
    _fixed(store, "subsidiary", "1", {"name": "Honeycomb Apparel Inc.", "country": "US"})
    _fixed(store, "currency", "1", {"name": "USA", "symbol": "USD"})
    _fixed(store, "currency", "2", {"name": "Euro", "symbol": "EUR"})
    _fixed(store, "currency", "3", {"name": "British pound", "symbol": "GBP"})
    _fixed(store, "currency", "4", {"name": "Canadian dollar", "symbol": "CAD"})
    for account_id, name, account_type, special in CHART:  # see connectors.netsuite.sandbox.accounts
        body: dict[str, object] = {"acctNumber": account_id, "acctName": name, "isInactive": False,
                                   "acctType": {"id": account_type, "refName": TYPE_NAMES[account_type]},
                                   "currency": {"id": "1"}, "subsidiary": {"id": "1"}}
        if special:
            body["specialAccountType"] = {"id": special}
        _fixed(store, "account", account_id, body)
    for code_id, name, rate, description in TAX_CODES:
        _fixed(store, "salesTaxItem", code_id, {"itemId": name, "rate": rate, "description": description})
    _fixed(
        store,
        "location",
        "1",
        {
            "name": "Main Warehouse",
            "subsidiary": {"id": "1"},
            "locationType": {"id": "1", "refName": "Warehouse"},
            "makeInventoryAvailable": True,
            "makeInventoryAvailableStore": True,
        },
    )
    _fixed(
        store,
        "location",
        "2",
        {
            "name": "East Coast Warehouse",
            "subsidiary": {"id": "1"},
            "locationType": {"id": "1", "refName": "Warehouse"},
            "makeInventoryAvailable": True,
            "makeInventoryAvailableStore": True,
        },
    )
    _fixed(
        store,
        "location",
        RETAIL_STORE,
        {
            "name": "Retail Store - SoHo",
            "subsidiary": {"id": "1"},
            "locationType": {"id": "2", "refName": "Store"},
            "makeInventoryAvailable": True,
            "makeInventoryAvailableStore": False,
        },
    )
    for level_id, name, pct in PRICE_LEVELS:
        _fixed(
            store,
            "priceLevel",
            level_id,
            {"name": name, "discountPct": pct, "isOnline": level_id in ("1", "4")},
        )
    for ship_id, name in SHIP_ITEMS:
        _fixed(store, "shipItem", ship_id, {"itemId": name, "displayName": name})
    for _ in range(3):  # ids 101-103 (the ship items' before they were fixed): the other items keep theirs
        store.new_id("shipItem")
    store.create("discountItem", {"itemId": "BC-DISCOUNT", "displayName": "BigCommerce discount"})
    store.create("nonInventoryResaleItem", {"itemId": "ROUNDING-ADJ", "displayName": "Rounding adjustment"})

    for style in catalogue(seed_value, styles):
        parent = store.create(
            "inventoryItem",
            {
                "itemId": style.code,
                "displayName": style.name,
                "matrixType": {"id": "PARENT"},
                "isOnline": True,
                "cost": style.cost,
            },
        )
        behaviour.prepare("inventoryItem", parent)
        for variant in style.variants:
            prices = [
                {
                    "priceLevel": {"id": lid},
                    "price": (style.price * (100 + pct) / 100).quantize(Decimal("0.01")),
                    "quantity": Decimal(0),
                    "currencyPage": {"id": "1"},
                }
                for lid, _, pct in PRICE_LEVELS
            ]
            child = store.create(
                "inventoryItem",
                {
                    "itemId": variant.sku,
                    "displayName": f"{style.name} - {variant.colour} / {variant.size}",
                    "matrixType": {"id": "CHILD"},
                    "parent": {"id": parent["id"]},
                    "custitem_color": variant.colour,
                    "custitem_size": variant.size,
                    "isOnline": True,
                    "cost": style.cost,
                    "weight": style.weight_kg,
                    "price": {"items": prices},
                },
            )
            behaviour.prepare("inventoryItem", child)
            for location_id, high in ((WAREHOUSES[0], 60), (WAREHOUSES[1], 40), (RETAIL_STORE, 8)):
                quantity = Decimal(rng.randint(0, high))
                behaviour.set_stock(child["id"], location_id, quantity)

    customers: list[dict[str, Any]] = [
        {"entityId": "Jane Doe", "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com"},
        {"entityId": "Bob Smith", "firstName": "Bob", "lastName": "Smith", "email": "Bob.Smith@Example.COM"},
        {
            "entityId": "Alex Jones (old)",
            "firstName": "Alex",
            "lastName": "Jones",
            "email": "Alex.Jones@Example.com",
            "isInactive": True,
        },
        {
            "entityId": "Alex Jones",
            "firstName": "Alex",
            "lastName": "Jones",
            "email": "alex.jones@example.com",
        },
        {
            "entityId": "Acme Outfitters",
            "companyName": "Acme Outfitters",
            "isPerson": False,
            "email": "buyer@acme-outfitters.example",
            "priceLevel": {"id": "2"},
        },
    ]
    for body in customers:
        record = store.create("customer", {**body, "subsidiary": {"id": "1"}, "currency": {"id": "1"}})
        behaviour.prepare("customer", record)
