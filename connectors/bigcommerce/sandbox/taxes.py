"""Per-order tax options and ``GET /v2/orders/{id}/taxes``.

An order is priced with the store's settings (``SandboxConfig.tax_inclusive``, ``tax_rate``) unless its
POST body says otherwise; these are sandbox-only (BigCommerce computes them from its tax settings and
tax classes), rates are **percent** as the taxes endpoint shows them (``"20"``, ``"8.875"``):

- order: ``is_tax_inclusive_pricing`` (bool; read-only on BigCommerce, accepted here per order),
  ``_sandbox_tax_rate`` (the order's default rate), ``_sandbox_tax_name``;
  ``_sandbox_shipping_tax_rate`` with ``shipping_cost_tax_class_id``, ``_sandbox_handling_tax_rate`` with
  ``handling_cost_tax_class_id`` (defaults: the order's rate, class 2);
- product line: ``_sandbox_tax_rate`` with ``tax_class_id`` and ``_sandbox_tax_name``.

Tax is rounded half-up to the cent per line, per shipping and per handling amount
(:mod:`.pricing`). The taxes endpoint answers one row per product line, and one per address with a
shipping or handling cost (``class`` "API Tax Override", as for orders created through the V2 API);
``?details=true`` adds ``order_product_id`` and ``line_item_type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .config import SandboxConfig

if TYPE_CHECKING:
    from .state import Store

HUNDRED = Decimal(100)
#: BigCommerce's "Shipping" tax class id in a fresh store (the sandbox's default for shipping/handling).
SHIPPING_CLASS = 2


def rate(raw: Any, name: str) -> Decimal:
    """A percent rate from the body (``"20"``) as a fraction (``0.2``); 400 unless 0 ≤ rate ≤ 100."""
    from .state import ApiError

    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise ApiError(400, f"The field '{name}' is invalid.") from exc
    if not value.is_finite() or not 0 <= value <= HUNDRED:
        raise ApiError(400, f"The field '{name}' must be a percentage between 0 and 100.")
    return value / HUNDRED


@dataclass(frozen=True)
class TaxOptions:
    """How one order is taxed."""

    inclusive: bool
    rate: Decimal  # fraction
    name: str
    shipping_rate: Decimal
    shipping_class_id: int
    handling_rate: Decimal
    handling_class_id: int

    @classmethod
    def of(cls, body: dict[str, Any], config: SandboxConfig) -> TaxOptions:
        default = rate(body["_sandbox_tax_rate"], "_sandbox_tax_rate") if "_sandbox_tax_rate" in body \
            else config.tax_rate
        return cls(
            inclusive=bool(body.get("is_tax_inclusive_pricing", config.tax_inclusive)),
            rate=default,
            name=str(body.get("_sandbox_tax_name") or "Tax"),
            shipping_rate=rate(body["_sandbox_shipping_tax_rate"], "_sandbox_shipping_tax_rate")
            if "_sandbox_shipping_tax_rate" in body else default,
            shipping_class_id=int(body.get("shipping_cost_tax_class_id", SHIPPING_CLASS)),
            handling_rate=rate(body["_sandbox_handling_tax_rate"], "_sandbox_handling_tax_rate")
            if "_sandbox_handling_tax_rate" in body else default,
            handling_class_id=int(body.get("handling_cost_tax_class_id", SHIPPING_CLASS)),
        )

    def line(self, raw: dict[str, Any]) -> tuple[Decimal | None, int, str]:
        """A product line's (rate or None for the order's, tax class id, tax name)."""
        line_rate = rate(raw["_sandbox_tax_rate"], "_sandbox_tax_rate") if "_sandbox_tax_rate" in raw else None
        return line_rate, int(raw.get("tax_class_id") or 0), str(raw.get("_sandbox_tax_name") or self.name)


def _row(order_id: int, address_id: int, class_id: int, name: str, fraction: Decimal, amount: Decimal,
         opid: int | None, kind: str, details: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order_id": order_id,
        "order_address_id": address_id,
        "tax_rate_id": class_id,
        "sales_tax_id": str(class_id),
        "tax_class_id": class_id,
        "name": name,
        "class": "API Tax Override",
        "rate": fraction * HUNDRED,
        "priority": 0,
        "priority_amount": amount,
        "line_amount": amount,
        "order_pickup_method_id": 0,
    }
    if details:
        row["order_product_id"] = str(opid) if opid is not None else None
        row["line_item_type"] = kind
    return row


def rows(store: Store, order_id: int, *, details: bool) -> list[dict[str, Any]]:
    """The order's ``orderTaxes_Base`` rows (ids numbered from 1 within the order)."""
    order = store.get_order(order_id)
    out: list[dict[str, Any]] = []
    for line in store.order_products[order_id]:
        out.append(_row(order_id, line["order_address_id"], line["_tax_class_id"], line["_tax_name"],
                        line["_tax_rate"], line["_net_tax"], line["id"], "item", details))
    for address in store.order_addresses[order_id]:
        if address["cost_inc_tax"]:
            out.append(_row(order_id, address["id"], address["cost_tax_class_id"], order["_tax_name"],
                            order["_shipping_tax_rate"], address["cost_tax"], None, "shipping", details))
        if address["handling_cost_inc_tax"]:
            out.append(_row(order_id, address["id"], address["handling_cost_tax_class_id"], order["_tax_name"],
                            order["_handling_tax_rate"], address["handling_cost_tax"], None, "handling", details))
    return [{"id": i, **row} for i, row in enumerate(out, start=1)]
