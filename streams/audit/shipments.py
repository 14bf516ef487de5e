"""Shipments: every NetSuite item fulfilment that shipped a BigCommerce order is a shipment on that order.

A shipment belongs to a fulfilment when its comments carry o2c's marker (``o2c:<fulfilment id>:<package>``,
``streams.fulfilments.plan.marker``) or when o2c recorded its shipment id for the fulfilment
(``state.fulfilments``).

| NetSuite fulfilment (since), status shipped, of this store's order | finding                                    |
|--------------------------------------------------------------------|--------------------------------------------|
| the BigCommerce order has no shipment of it                         | ``fulfilment_without_shipment`` (operations) |
| the BigCommerce order does not exist                                | ``fulfilment_order_missing`` (operations)  |

Fulfilments still picked or packed wait in o2c (nothing is sent before they ship): not drift.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from streams.audit.findings import NewFinding, finding

CHECK = "shipments"


@dataclass(frozen=True)
class Fulfilment:
    ns_id: str
    tran_id: str
    status: str  # picked, packed, shipped
    order_id: int
    date: str = ""


@dataclass(frozen=True)
class BcShipment:
    id: int
    order_id: int
    comments: str = ""
    tracking_number: str = ""


def _name(f: Fulfilment) -> str:
    return f"NetSuite fulfilment {f.tran_id or f.ns_id} ({f.ns_id}{', ' + f.date if f.date else ''})"


def compare(fulfilments: Iterable[Fulfilment], shipments: Mapping[int, list[BcShipment]], *,
            recorded: Mapping[str, Collection[int]], missing_orders: Collection[int] = ()) -> list[NewFinding]:
    """``shipments``: BigCommerce order id → its shipments (orders read); ``recorded``: fulfilment id → shipment
    ids o2c recorded for it; ``missing_orders``: orders BigCommerce does not have."""
    out: list[NewFinding] = []
    for f in sorted(fulfilments, key=lambda f: (f.order_id, f.ns_id)):
        if f.status != "shipped":
            continue
        if f.order_id in missing_orders:
            out.append(finding(
                CHECK, "fulfilment_order_missing", "fulfilment", "operations", bc_id=f.order_id, ns_id=f.ns_id,
                message=(f"{_name(f)} shipped BigCommerce order {f.order_id}, which BigCommerce does not have "
                         "(deleted or archived). The customer gets no shipment notice; check the order and tell the "
                         "customer if needed.")))
            continue
        seen = shipments.get(f.order_id, [])
        mark = f"o2c:{f.ns_id}:"
        ids = set(recorded.get(f.ns_id, ()))
        if any(mark in s.comments or s.id in ids for s in seen):
            continue
        out.append(finding(
            CHECK, "fulfilment_without_shipment", "fulfilment", "operations", bc_id=f.order_id, ns_id=f.ns_id,
            message=(f"{_name(f)} shipped BigCommerce order {f.order_id}, but the order has no shipment for it "
                     f"({len(seen)} other shipment(s)): the customer has no tracking and the order's status is not "
                     "Shipped. Look for a fulfilment exception (o2c exceptions list --kind fulfilment_unmatched); "
                     "re-saving the fulfilment in NetSuite sends it again."),
            detail={"shipments_on_order": [s.id for s in seen]}))
    return out
