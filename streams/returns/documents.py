"""The NetSuite requests of a refund's documents (bodies from the plan; each returns the record id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.netsuite.client import NetSuiteClient
from streams.contract.bigcommerce import BcRefund
from streams.returns.plan import CustomerRefund, RefundPlan, so_marker

NAMES = {"so": "sales order change", "ra": "return authorization", "ir": "item receipt", "cm": "credit memo",
         "rf": "customer refund"}
ADJUSTMENT = "Adjustment to BigCommerce's refund total"


def _memo(refund: BcRefund) -> str:
    reason = f": {refund.reason}" if refund.reason else ""
    return f"BigCommerce refund {refund.refund_id} of order #{refund.order_id}{reason}"[:999]


async def reduce_sales_order(ns: NetSuiteClient, so_id: str, refund: BcRefund, plan: RefundPlan,
                             adjustment_item: str) -> tuple[str, Any]:
    """Close or reduce the refunded unshipped lines (and, before anything shipped, shipping, handling and tax),
    with a marker line that takes the rest off, so the order's total falls by exactly what the deposit refunds."""
    reduction = plan.reduction
    assert reduction is not None
    lines: list[dict[str, Any]] = []
    for change in reduction.changes:
        if change.close:
            lines.append({"line": int(change.line), "isClosed": True})
        else:
            element: dict[str, Any] = {"line": int(change.line), "quantity": change.quantity}
            if change.tax_amount is not None:
                element["tax1Amt"] = change.tax_amount
            lines.append(element)
    body: dict[str, Any] = {"item": {"items": lines}}
    if not reduction.close_all:
        order = await ns.get("salesOrder", so_id, expand=True)
        marker = so_marker(refund.refund_id)
        if any(str(x.get("description") or "") == marker for x in (order.get("item") or {}).get("items") or []):
            return so_id, None  # written before a restart
        lines.extend({"line": int(line), "amount": amount} for line, amount in reduction.line_amounts)
        lines.append({"item": {"id": adjustment_item}, "quantity": 1, "amount": reduction.adjustment,
                      "description": marker})
        if reduction.shipping_cost is not None:
            body["shippingCost"] = reduction.shipping_cost
    await ns.patch("salesOrder", so_id, body)
    return so_id, body


async def return_authorization(ns: NetSuiteClient, so_id: str, external_id: str, refund: BcRefund,
                               plan: RefundPlan) -> tuple[str, Any]:
    items = [{"orderLine": int(line), "quantity": quantity} for line, quantity in plan.returns]
    body = {"externalId": external_id, "memo": _memo(refund), "item": {"items": items}}
    result = await ns.transform("salesOrder", so_id, "returnAuthorization", body, replace=["item"])
    return result.id, body


async def item_receipt(ns: NetSuiteClient, ra_id: str, external_id: str, refund: BcRefund,
                       location_id: str) -> tuple[str, Any]:
    body = {"externalId": external_id, "memo": _memo(refund), "location": {"id": location_id}}
    result = await ns.transform("returnAuthorization", ra_id, "itemReceipt", body)
    return result.id, body


def _credit_lines(plan: RefundPlan, special: dict[str, str], standalone: bool) -> tuple[list[dict[str, Any]], Decimal]:
    lines = [{"item": {"id": special[x.kind]}, "quantity": 1, "rate": x.amount, "amount": x.amount,
              "description": x.description} for x in plan.credit_lines]
    shipping = plan.shipping_credit
    if standalone and not lines:  # a credit memo needs a line: the whole credit on the adjustment item
        lines = [{"item": {"id": special["adjustment"]}, "quantity": 1, "rate": plan.credit_total,
                  "amount": plan.credit_total, "description": ADJUSTMENT}]
        shipping = Decimal(0)
    return lines, shipping


async def credit_memo(ns: NetSuiteClient, ra_id: str | None, external_id: str, refund: BcRefund, plan: RefundPlan,
                      customer_id: str, special: dict[str, str]) -> tuple[str, Any]:
    """From the return authorization (its lines, plus the other credits), or standalone."""
    lines, shipping = _credit_lines(plan, special, standalone=ra_id is None)
    body: dict[str, Any] = {"externalId": external_id, "memo": _memo(refund)}
    if lines:
        body["item"] = {"items": lines}
    if shipping:
        body["shippingCost"] = shipping
    if ra_id is not None:
        result = await ns.transform("returnAuthorization", ra_id, "creditMemo", body)
    else:
        body["entity"] = {"id": customer_id}
        result = await ns.upsert("creditMemo", external_id, {k: v for k, v in body.items() if k != "externalId"},
                                 replace=["item"])
    return result.id, body


async def credit_to_the_cent(ns: NetSuiteClient, cm_id: str, target: Decimal, adjustment_item: str) -> Decimal:
    """Make the credit memo's total the refund's (NetSuite computed its tax): the adjustment added, if any."""
    record = await ns.get("creditMemo", cm_id, fields=["total"])
    total = Decimal(str(record.get("total") or 0))
    difference = target - total
    if difference:
        await ns.patch("creditMemo", cm_id, {"item": {"items": [
            {"item": {"id": adjustment_item}, "quantity": 1, "rate": difference, "amount": difference,
             "description": ADJUSTMENT}]}})
    return difference


def customer_refund_body(rf: CustomerRefund, customer_id: str, cm_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"customer": {"id": customer_id}, "account": {"id": rf.account_id}, "total": rf.amount,
                            "memo": rf.memo[:999]}
    if rf.to_credit_memo:
        assert cm_id is not None, "a customer refund applied to a credit memo needs the credit memo"
        body["apply"] = {"items": [{"doc": {"id": cm_id}, "apply": True, "amount": rf.to_credit_memo}]}
    if rf.from_deposits:
        body["deposit"] = {"items": [{"doc": {"id": ns_id}, "apply": True, "amount": amount}
                                     for ns_id, amount in rf.from_deposits]}
    return body
