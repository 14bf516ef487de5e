"""Faults for one order: every API request about it answers an error (until cleared, or ``times`` times).

"About it" means a route with the order's id in its path (``/v2/orders/{id}`` and everything under it,
``/v3/orders/{id}/...``: products, addresses, coupons, shipments, transactions, refunds, metafields).
Lists that merely contain the order are served as usual, as BigCommerce does when one order's
sub-resources fail. Set at runtime with ``POST /__sandbox/faults/orders`` (see :mod:`.admin`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class OrderFault:
    order_id: int
    status: int = 500
    message: str = "Internal Server Error"
    #: requests still to fail; None = every request until the fault is cleared
    times: int | None = None
    #: requests answered with this fault so far
    served: int = 0


class OrderFaults:
    """The faults of one sandbox, by order id."""

    def __init__(self) -> None:
        self._faults: dict[int, OrderFault] = {}

    def set(self, payload: dict[str, Any]) -> OrderFault:
        """Add or replace a fault from ``{"order_id", "status"?, "message"?, "times"?}`` (ValueError if bad)."""
        status = int(payload.get("status", 500))
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        times = payload.get("times")
        fault = OrderFault(order_id=int(payload["order_id"]), status=status,
                           message=str(payload.get("message") or "Internal Server Error"),
                           times=None if times is None else max(0, int(times)))
        self._faults[fault.order_id] = fault
        return fault

    def clear(self, order_id: int | None = None) -> int:
        """Remove the order's fault (every fault when ``order_id`` is None); how many were removed."""
        if order_id is None:
            count = len(self._faults)
            self._faults.clear()
            return count
        return 1 if self._faults.pop(order_id, None) is not None else 0

    def take(self, order_id: int) -> OrderFault | None:
        """The fault to answer a request about ``order_id`` with, if any (uses up one of its ``times``)."""
        fault = self._faults.get(order_id)
        if fault is None or fault.times == 0:
            return None
        fault.served += 1
        if fault.times is not None:
            fault.times -= 1
        return fault

    def public(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in sorted(self._faults.values(), key=lambda f: f.order_id)]
