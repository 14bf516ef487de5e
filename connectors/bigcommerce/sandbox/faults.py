"""Faults for one order.

- :class:`OrderFaults`: every API request about the order answers an error (until cleared, or ``times``
  times). "About it" means a route with the order's id in its path (``/v2/orders/{id}`` and everything
  under it, ``/v3/orders/{id}/...``: products, addresses, coupons, shipments, transactions, refunds,
  metafields). Lists that merely contain the order are served as usual, as BigCommerce does when one
  order's sub-resources fail. A fault may be narrowed to one sub-resource (``path``: ``"shipments"``
  matches ``/v2/orders/{id}/shipments`` and under it) and one ``method`` (``"POST"``), e.g. to make one
  order's shipment POST answer 422 while its reads work. Set at runtime with
  ``POST /__sandbox/faults/orders`` (see :mod:`.admin`).
- :class:`RowFaults`: the order's row is served malformed — one field replaced by a value of another
  shape — in every orders list (``GET /v2/orders``, with or without its lines) and, unless
  ``lists_only``, in ``GET /v2/orders/{id}``; the request itself succeeds. Set with
  ``POST /__sandbox/faults/rows``.
- :class:`PriceRecordFaults`: price records of a SKU are refused by every records upsert (per-item error,
  whole request 422). Set with ``POST /__sandbox/faults/price_records``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: A row fault's defaults: a status *name* where the order has its status id (an integer).
ROW_FIELD = "status_id"
ROW_VALUE = "Awaiting Fulfillment"


@dataclass
class OrderFault:
    order_id: int
    status: int = 500
    message: str = "Internal Server Error"
    #: requests still to fail; None = every request until the fault is cleared
    times: int | None = None
    #: requests answered with this fault so far
    served: int = 0
    #: only requests under this sub-resource of the order (``"shipments"``, ``"payment_actions/capture"``)
    path: str | None = None
    #: only requests with this HTTP method (upper case)
    method: str | None = None

    def matches(self, method: str, sub_path: str) -> bool:
        """Whether a request (``method``, path after ``/orders/{id}/``) is one this fault answers."""
        if self.method is not None and method.upper() != self.method:
            return False
        if self.path is None:
            return True
        return sub_path == self.path or sub_path.startswith(self.path + "/")


class OrderFaults:
    """The faults of one sandbox, by order id."""

    def __init__(self) -> None:
        self._faults: dict[int, OrderFault] = {}

    def set(self, payload: dict[str, Any]) -> OrderFault:
        """Add or replace a fault from ``{"order_id", "status"?, "message"?, "times"?, "path"?, "method"?}``
        (ValueError if bad)."""
        status = int(payload.get("status", 500))
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        times = payload.get("times")
        fault = OrderFault(order_id=int(payload["order_id"]), status=status,
                           message=str(payload.get("message") or "Internal Server Error"),
                           times=None if times is None else max(0, int(times)),
                           path=str(payload["path"]).strip("/") if payload.get("path") else None,
                           method=str(payload["method"]).upper() if payload.get("method") else None)
        self._faults[fault.order_id] = fault
        return fault

    def clear(self, order_id: int | None = None) -> int:
        """Remove the order's fault (every fault when ``order_id`` is None); how many were removed."""
        if order_id is None:
            count = len(self._faults)
            self._faults.clear()
            return count
        return 1 if self._faults.pop(order_id, None) is not None else 0

    def take(self, order_id: int, method: str = "GET", sub_path: str = "") -> OrderFault | None:
        """The fault to answer a request about ``order_id`` with, if any (uses up one of its ``times``).
        ``sub_path``: the request's path after ``/orders/{id}/`` (``""`` for the order itself)."""
        fault = self._faults.get(order_id)
        if fault is None or fault.times == 0 or not fault.matches(method, sub_path):
            return None
        fault.served += 1
        if fault.times is not None:
            fault.times -= 1
        return fault

    def public(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in sorted(self._faults.values(), key=lambda f: f.order_id)]


@dataclass
class RowFault:
    order_id: int
    #: the top-level field of the order row replaced
    field: str = ROW_FIELD
    #: what it is replaced with (any JSON value)
    value: Any = ROW_VALUE
    #: only list rows are malformed (``GET /v2/orders/{id}`` serves the order as it is)
    lists_only: bool = False
    #: rows served malformed so far
    served: int = 0


class RowFaults:
    """The malformed order rows of one sandbox, by order id."""

    def __init__(self) -> None:
        self._faults: dict[int, RowFault] = {}

    def set(self, payload: dict[str, Any]) -> RowFault:
        """Add or replace one from ``{"order_id", "field"?, "value"?, "lists_only"?}`` (ValueError if bad)."""
        field = str(payload.get("field") or ROW_FIELD)
        if field.startswith("_"):
            raise ValueError("field must be a field of the order row")
        fault = RowFault(order_id=int(payload["order_id"]), field=field, value=payload.get("value", ROW_VALUE),
                         lists_only=bool(payload.get("lists_only", False)))
        self._faults[fault.order_id] = fault
        return fault

    def clear(self, order_id: int | None = None) -> int:
        """Remove the order's fault (every fault when ``order_id`` is None); how many were removed."""
        if order_id is None:
            count = len(self._faults)
            self._faults.clear()
            return count
        return 1 if self._faults.pop(order_id, None) is not None else 0

    def apply(self, row: dict[str, Any], *, listing: bool) -> dict[str, Any]:
        """The order row as served: malformed (a copy) if a fault is set for it, else ``row`` itself.
        ``listing``: the row is part of an orders list (else the single order's GET)."""
        fault = self._faults.get(row["id"])
        if fault is None or (fault.lists_only and not listing):
            return row
        fault.served += 1
        return {**row, fault.field: fault.value}

    def public(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in sorted(self._faults.values(), key=lambda f: f.order_id)]


@dataclass
class PriceRecordFault:
    sku: str
    #: the field BigCommerce names in the item's ``field_errors``
    field: str = "price"
    message: str = "The price is invalid."
    #: upserts still to refuse; None = until cleared
    times: int | None = None
    #: upserts refused because of this SKU so far
    served: int = 0


class PriceRecordFaults:
    """SKUs whose price records every upsert refuses: the item gets a per-item error and, as for any
    invalid item, the whole ``PUT /v3/pricelists/{id}/records`` answers 422 and writes nothing. Set with
    ``POST /__sandbox/faults/price_records``."""

    def __init__(self) -> None:
        self._faults: dict[str, PriceRecordFault] = {}

    def set(self, payload: dict[str, Any]) -> PriceRecordFault:
        """Add or replace one from ``{"sku", "field"?, "message"?, "times"?}`` (ValueError if bad)."""
        sku = str(payload["sku"])
        if not sku:
            raise ValueError("sku must not be empty")
        times = payload.get("times")
        fault = PriceRecordFault(sku=sku, field=str(payload.get("field") or "price"),
                                 message=str(payload.get("message") or "The price is invalid."),
                                 times=None if times is None else max(0, int(times)))
        self._faults[sku] = fault
        return fault

    def clear(self, sku: str | None = None) -> int:
        if sku is None:
            count = len(self._faults)
            self._faults.clear()
            return count
        return 1 if self._faults.pop(sku, None) is not None else 0

    def take(self, sku: str) -> PriceRecordFault | None:
        """The fault refusing an item with this SKU, if one is active (uses up one of its ``times``)."""
        fault = self._faults.get(sku)
        if fault is None or fault.times == 0:
            return None
        fault.served += 1
        if fault.times is not None:
            fault.times -= 1
        return fault

    def public(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in sorted(self._faults.values(), key=lambda f: f.sku)]
