"""Orders that wait too long become exceptions, by what they wait for (pure).

An order parked for a SKU NetSuite lacks is operations' to fix (``missing_sku``); one parked for a
retry because NetSuite did not answer is engineering's (``netsuite_unavailable``). Both stay parked
and are retried by themselves; the exception says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from state.exceptions import NewException


@dataclass(frozen=True)
class Waiting:
    """A parked order past the wait (a row of ``state.orders.overdue``)."""

    store_hash: str
    order_id: int
    reason: str
    missing: Sequence[str]
    detail: str | None
    parked_at: datetime


def overdue_exception(order: Waiting, *, now: datetime) -> NewException:
    """The exception an order waiting since ``order.parked_at`` raises now."""
    minutes = max(1, round((now - order.parked_at).total_seconds() / 60))
    payload = {"store_hash": order.store_hash, "order_id": order.order_id, "reason": order.reason,
               "missing": list(order.missing), "detail": order.detail, "parked_at": order.parked_at.isoformat()}
    if order.reason == "missing_sku":
        skus = ", ".join(order.missing)
        return NewException(
            kind="missing_sku", object_type="order", owner="operations", severity="warning",
            bc_id=str(order.order_id), payload=payload,
            message=(f"BigCommerce order {order.order_id} is waiting because NetSuite has no active item for "
                     f"SKU {skus}. Create or activate the item in NetSuite (or fix the SKU in BigCommerce); "
                     "the order will sync by itself as soon as the item appears."),
        )
    return NewException(
        kind="netsuite_unavailable", object_type="order", owner="engineering", severity="error",
        bc_id=str(order.order_id), payload=payload,
        message=(f"BigCommerce order {order.order_id} has waited {minutes} min to be written to NetSuite, "
                 f"which did not accept it for now (last error: {order.detail or 'unknown'}). o2c keeps "
                 "retrying by itself and closes this exception once the sales order is written; check "
                 "NetSuite's status page, the integration's credentials and its concurrency limit."),
    )
