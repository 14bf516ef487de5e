"""Refunds: every BigCommerce refund is credited in NetSuite.

o2c books a refund as a credit memo (``BC-CM-<store>-<refund>``) and/or customer refunds
(``BC-RF-<store>-<refund>-<n>``) (``streams.returns.plan``). A refund of goods not yet shipped, paid back as
store credit, only takes lines off the sales order: o2c records it ``done`` with no such document.

| BigCommerce refund (since) …                                     | finding                                   |
|------------------------------------------------------------------|-------------------------------------------|
| has a credit memo or customer refund in NetSuite                   | nothing                                   |
| none, and o2c finished it without one (a sales-order reduction)    | nothing                                   |
| none, held by o2c with an open exception                           | ``refund_held`` (the exception's owner)   |
| none otherwise                                                     | ``refund_without_credit`` (finance)       |
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from streams.audit.findings import NewFinding, finding
from streams.audit.orders import OpenException, owner_of

CHECK = "refunds"


@dataclass(frozen=True)
class BcRefund:
    id: int
    order_id: int
    total: Decimal
    created: str = ""


@dataclass(frozen=True)
class Booked:
    """What o2c recorded for a refund (``state.returns``): its status and the documents it created."""

    status: str
    documents: frozenset[str] = frozenset()  # doc kinds created: ra, ir, so, cm, rf


def compare(refunds: Iterable[BcRefund], credited: Collection[int], *, booked: Mapping[int, Booked],
            held: Mapping[int, OpenException]) -> list[NewFinding]:
    """``credited``: refund ids with a credit memo or customer refund in NetSuite."""
    out: list[NewFinding] = []
    for r in sorted(refunds, key=lambda r: r.id):
        if r.id in credited:
            continue
        mine = booked.get(r.id)
        if mine is not None and mine.status == "done" and not ({"cm", "rf"} & mine.documents):
            continue  # taken off the sales order only: no credit document by design
        what = f"BigCommerce refund {r.id} of order {r.order_id} ({r.total}{', ' + r.created if r.created else ''})"
        exc = held.get(r.id)
        if exc is not None:
            out.append(finding(
                CHECK, "refund_held", "refund", owner_of(exc.owner), bc_id=r.id,
                message=(f"{what} is not credited in NetSuite yet because o2c is holding it: exception {exc.id} "
                         f"({exc.kind}; see o2c exceptions show {exc.id}). The credit is booked once that is "
                         "resolved or retried."),
                detail={"order_id": r.order_id, "exception_id": exc.id, "exception_kind": exc.kind}))
            continue
        lost = mine is not None and bool({"cm", "rf"} & mine.documents)
        out.append(finding(
            CHECK, "refund_without_credit", "refund", "finance", bc_id=r.id,
            message=(f"{what} has no credit memo or customer refund in NetSuite"
                     + (" although o2c had booked one (deleted in NetSuite?)" if lost else "")
                     + ": the customer's balance and the clearing account are off by the refund. Book it (retry the "
                     "refund's exception, or re-send the refund event); if it was booked by hand, give that credit "
                     f"memo the externalId BC-CM-<store>-{r.id}."),
            detail={"order_id": r.order_id, "total": str(r.total), "o2c_status": mine.status if mine else None}))
    return out
