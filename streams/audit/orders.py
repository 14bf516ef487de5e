"""Orders: every BigCommerce order o2c should have booked has its sales order, for what was charged.

| BigCommerce order (since) …                                   | finding                                      |
|---------------------------------------------------------------|----------------------------------------------|
| to fulfil, no sales order ``BC-SO-<store>-<id>``, no exception | ``order_without_sales_order`` (engineering)  |
| … but held or parked by o2c with an open exception             | ``order_held`` (the exception's owner)       |
| cancelled, declined, incomplete, awaiting payment, …          | nothing (o2c books only orders to fulfil)    |
| its sales order's total differs from ``total_inc_tax``         | ``total_differs`` (finance)                  |

| NetSuite sales order ``BC-SO-<store>-<id>`` (since) …          | finding                                      |
|---------------------------------------------------------------|----------------------------------------------|
| whose BigCommerce order does not exist (or was archived)       | ``sales_order_without_order`` (finance)      |

Totals are compared only while the order has no refund and is not cancelled: refunds and cancellations
take lines off the sales order on purpose (``streams/returns``, the orders writer).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from streams.audit.findings import NewFinding, Owner, finding

CHECK = "orders"


@dataclass(frozen=True)
class BcOrder:
    id: int
    status_id: int
    status: str
    total: Decimal  # total_inc_tax: what was charged
    currency: str
    refunded: Decimal = Decimal(0)


@dataclass(frozen=True)
class SalesOrder:
    ns_id: str
    tran_id: str
    external_id: str
    order_id: int
    total: Decimal


@dataclass(frozen=True)
class OpenException:
    """An open exception o2c raised for an object (``state.exceptions``)."""

    id: int
    kind: str
    owner: str


@dataclass(frozen=True)
class OrderRules:
    to_fulfil_statuses: frozenset[int]
    cancelled_statuses: frozenset[int]
    tolerance: Decimal = Decimal(0)


def _so_name(so: SalesOrder) -> str:
    return f"sales order {so.tran_id or so.ns_id} ({so.external_id})"


def compare(orders: Iterable[BcOrder], sales_orders: Iterable[SalesOrder], *, missing_orders: Collection[int],
            held: Mapping[int, OpenException], rules: OrderRules) -> list[NewFinding]:
    """Findings for the orders and sales orders read; ``missing_orders``: sales orders' BigCommerce order ids
    that BigCommerce does not have; ``held``: order id → an open exception o2c raised for it."""
    by_order = {so.order_id: so for so in sales_orders}
    out: list[NewFinding] = []
    for order in orders:
        so = by_order.get(order.id)
        if so is None:
            if order.status_id not in rules.to_fulfil_statuses:
                continue  # o2c books only orders to fulfil: this one is skipped on purpose
            exc = held.get(order.id)
            if exc is not None:
                out.append(finding(
                    CHECK, "order_held", "order", owner_of(exc.owner), bc_id=order.id,
                    message=(f"BigCommerce order {order.id} ({order.status}, {order.total} {order.currency}) has no "
                             f"sales order because o2c is holding it: {_why(exc)}. The sales order is written once "
                             "that is resolved or retried; nothing else to do."),
                    detail={"exception_id": exc.id, "exception_kind": exc.kind}))
                continue
            out.append(finding(
                CHECK, "order_without_sales_order", "order", "engineering", bc_id=order.id,
                message=(f"BigCommerce order {order.id} ({order.status}, {order.total} {order.currency}) has no "
                         "NetSuite sales order and o2c raised no exception for it, so it will not be shipped or "
                         "invoiced. Check the worker's logs for the order, then replay it (re-save the order in "
                         "BigCommerce or retry its event)."),
                detail={"total": str(order.total), "status_id": order.status_id}))
            continue
        if order.status_id in rules.cancelled_statuses or order.refunded > 0:
            continue
        if abs(so.total - order.total) > rules.tolerance:
            out.append(finding(
                CHECK, "total_differs", "order", "finance", bc_id=order.id, ns_id=so.ns_id,
                message=(f"BigCommerce order {order.id} was charged {order.total} {order.currency}, but "
                         f"{_so_name(so)} totals {so.total} (a difference of {order.total - so.total}). Correct the "
                         "sales order in NetSuite (someone edited it, or it was booked from an older version of "
                         "the order), then re-run the audit."),
                detail={"bc_total": str(order.total), "ns_total": str(so.total)}))
    for order_id in sorted(missing_orders):
        so = by_order.get(order_id)
        if so is None:
            continue
        out.append(finding(
            CHECK, "sales_order_without_order", "order", "finance", bc_id=order_id, ns_id=so.ns_id,
            message=(f"{_so_name(so)} totals {so.total}, but BigCommerce has no order {order_id} (deleted or "
                     "archived). Check whether the sale happened; if not, close or delete the sales order in NetSuite "
                     "so it is neither shipped nor billed."),
            detail={"ns_total": str(so.total), "external_id": so.external_id}))
    return out


def _why(exc: OpenException) -> str:
    if exc.id:
        return f"exception {exc.id} ({exc.kind}; see o2c exceptions show {exc.id})"
    return f"it is parked, waiting ({exc.kind})"


def owner_of(value: str) -> Owner:
    return value if value in ("finance", "operations", "customer_service") else "engineering"  # type: ignore[return-value]
