"""The demo catalogue shared by both sandboxes (BigCommerce products/variants, NetSuite matrix items).

Pure and deterministic: ``catalogue(seed, styles)`` always returns the same styles for the same
arguments. SKU scheme: ``<STYLE>-<COLOUR>-<SIZE>``, e.g. ``TEE-BLK-M``; a style code has no dash
(``TEE``, ``HOOD``, ``CAP``...; beyond the base list a numeric suffix: ``TEE2``), colour codes are three
letters, sizes are ``XS S M L XL XXL`` for apparel, ``S M L`` for socks and ``OS`` (one size) for
headwear. Prices are list prices in the store currency as :class:`Decimal` with two places.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SOCK_SIZES = ("S", "M", "L")
ONE_SIZE = ("OS",)

#: (code, name, size run, price range low, high)
BASE_STYLES: tuple[tuple[str, str, tuple[str, ...], int, int], ...] = (
    ("TEE", "Classic Tee", APPAREL_SIZES, 18, 32),
    ("HOOD", "Pullover Hoodie", APPAREL_SIZES, 45, 75),
    ("CAP", "Six-Panel Cap", ONE_SIZE, 18, 30),
    ("SOCK", "Crew Socks", SOCK_SIZES, 8, 14),
    ("JKT", "Coach Jacket", APPAREL_SIZES, 80, 140),
    ("POLO", "Pique Polo", APPAREL_SIZES, 30, 48),
    ("SWT", "Crewneck Sweatshirt", APPAREL_SIZES, 40, 65),
    ("BEAN", "Rib Beanie", ONE_SIZE, 14, 24),
    ("SHRT", "Board Shorts", APPAREL_SIZES[1:5], 28, 45),
    ("PANT", "Chino Pant", APPAREL_SIZES[1:5], 55, 85),
    ("VEST", "Puffer Vest", APPAREL_SIZES, 70, 110),
    ("LSTEE", "Long Sleeve Tee", APPAREL_SIZES, 24, 38),
)

COLOURS: tuple[tuple[str, str], ...] = (
    ("BLK", "Black"),
    ("WHT", "White"),
    ("NVY", "Navy"),
    ("GRY", "Heather Grey"),
    ("RED", "Red"),
    ("GRN", "Forest Green"),
    ("BLU", "Royal Blue"),
    ("OLV", "Olive"),
    ("SND", "Sand"),
    ("BRG", "Burgundy"),
)


@dataclass(frozen=True)
class CatalogueVariant:
    sku: str
    colour_code: str
    colour: str
    size: str


@dataclass(frozen=True)
class CatalogueStyle:
    code: str
    name: str
    price: Decimal
    cost: Decimal
    weight_kg: Decimal
    colours: tuple[tuple[str, str], ...]
    sizes: tuple[str, ...]
    variants: tuple[CatalogueVariant, ...]


def sku_for(style: str, colour_code: str, size: str) -> str:
    return f"{style}-{colour_code}-{size}"


def catalogue(seed: int, styles: int) -> list[CatalogueStyle]:
    """``styles`` product styles with their colour x size variants, deterministic in ``seed``."""
    rng = random.Random(seed)
    out: list[CatalogueStyle] = []
    for index in range(styles):
        code, name, sizes, low, high = BASE_STYLES[index % len(BASE_STYLES)]
        cycle = index // len(BASE_STYLES)
        if cycle:
            code, name = f"{code}{cycle + 1}", f"{name} {cycle + 1}"
        price = Decimal(rng.randint(low, high)) - Decimal("0.01")
        cost = (price * Decimal(rng.randint(30, 45)) / 100).quantize(Decimal("0.01"))
        weight = (Decimal(rng.randint(5, 120)) / 100).quantize(Decimal("0.01"))
        picked = rng.sample(COLOURS, rng.randint(2, 4))
        colours = tuple(sorted(picked, key=COLOURS.index))
        variants = tuple(
            CatalogueVariant(sku_for(code, c_code, size), c_code, c_name, size)
            for c_code, c_name in colours
            for size in sizes
        )
        out.append(CatalogueStyle(code, name, price, cost, weight, colours, sizes, variants))
    return out
