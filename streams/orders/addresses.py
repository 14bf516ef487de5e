"""BigCommerce addresses → NetSuite address subrecords (``shippingAddress`` / ``billingAddress``). Pure.

- ``addressee``: the company when there is one, otherwise "first last";
- ``attention``: the person, when the company is the addressee;
- street lines, city, state, zip, ``country{id}`` from ``country_iso2``, ``addrPhone``;
- every field cut to what NetSuite's address form holds, so a long BigCommerce value never refuses the order.
"""

from __future__ import annotations

from typing import Any

from streams.contract.bigcommerce import BcAddress
from streams.contract.commands import AddressSpec

#: Longest value NetSuite's address subrecord fields take (characters).
LIMITS: dict[str, int] = {"addressee": 150, "attention": 150, "addr1": 150, "addr2": 150, "city": 50,
                          "state": 30, "zip": 36, "country": 2, "phone": 32}


def _cut(name: str, value: str) -> str:
    return " ".join(value.split())[:LIMITS[name]]


def address_spec(address: BcAddress) -> AddressSpec:
    person = " ".join(p for p in (address.first_name.strip(), address.last_name.strip()) if p)
    company = address.company.strip()
    values = {
        "addressee": company or person, "attention": person if company else "",
        "addr1": address.street_1, "addr2": address.street_2, "city": address.city, "state": address.state,
        "zip": address.zip, "country": address.country_iso2.upper(), "phone": address.phone,
    }
    return AddressSpec(**{name: _cut(name, value) for name, value in values.items()})


def subrecord(spec: AddressSpec) -> dict[str, Any]:
    """The NetSuite subrecord body; empty fields are left out (NetSuite keeps its defaults)."""
    body: dict[str, Any] = {name: getattr(spec, name) for name in
                            ("addressee", "attention", "addr1", "addr2", "city", "state", "zip") if getattr(spec, name)}
    if spec.country:
        body["country"] = {"id": spec.country}
    if spec.phone:
        body["addrPhone"] = spec.phone
    return body
