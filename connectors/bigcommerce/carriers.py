"""The values BigCommerce accepts as a shipment's ``tracking_carrier`` (AfterShip courier slugs).

``data/tracking_carriers.csv`` is BigCommerce's own list (developer docs repository,
``assets/csv/tracking_carrier_values.csv``; 913 carriers), copied unchanged; a test checks it against
the workspace's copy of the spec. Anything else makes BigCommerce reject the shipment.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    """A carrier name or slug reduced to lower-case letters and digits ("Royal Mail" → "royalmail")."""
    return _NOT_ALNUM.sub("", name.lower())


@lru_cache(maxsize=1)
def carriers() -> dict[str, str]:
    """Every accepted ``tracking_carrier`` value → the carrier's company name."""
    text = resources.files("connectors.bigcommerce").joinpath("data/tracking_carriers.csv").read_text("utf-8")
    rows = csv.reader(text.splitlines())
    next(rows)  # header: company name, value
    return {value.strip(): name.strip() for name, value in rows if value.strip()}


def is_valid(value: str) -> bool:
    """Whether BigCommerce accepts ``value`` as ``tracking_carrier`` (the empty string always is)."""
    return value == "" or value in carriers()


@lru_cache(maxsize=1)
def _by_normalised() -> dict[str, str]:
    found: dict[str, str] = {}
    for value, name in carriers().items():
        found.setdefault(normalise(value), value)
        found.setdefault(normalise(name), value)
    return found


def match(name: str) -> str | None:
    """The accepted value whose slug or company name equals ``name`` once both are normalised; else None.

    An exact match only ("UPS" → ``ups``, "DHL Express" → ``dhl``): never a nearest guess, since a
    wrong carrier sends the customer to the wrong tracking page."""
    key = normalise(name)
    return _by_normalised().get(key) if key else None
