"""The parts of the sales order body beyond the lines: addresses, ship method and ship groups, message,
currency and exchange rate, and the tax of the suitetax and legacy modes. Pure.

- ``suitetax``: ``taxDetailsOverride: true``; each line with a tax code has a ``taxDetailsReference`` and one
  ``taxDetails`` element (``lineType`` Item, the code, basis = the line's amount, rate, BigCommerce's tax);
  shipping is an element of ``lineType`` Shipping with BigCommerce's ``shipping_cost_tax``.
- ``legacy``: each line carries ``taxCode{id}`` and ``tax1Amt``; the header ``shippingTaxCode{id}`` and
  ``shippingTaxAmount``.
- ``line``: nothing is added (the tax is one item line).
"""

from __future__ import annotations

from typing import Any

from streams.contract import SalesOrderCommand
from streams.orders.addresses import subrecord
from streams.orders.mapping import SalesOrderDraft


def header_fields(command: SalesOrderCommand, *, currency_id: str) -> dict[str, Any]:
    """Currency, exchange rate, addresses, ship method and message of the sales order."""
    body: dict[str, Any] = {"currency": {"id": command.currency_id or currency_id}}
    if command.exchange_rate is not None:
        body["exchangeRate"] = command.exchange_rate
    if command.ship_to is not None and not command.ship_groups:
        body["shippingAddress"] = subrecord(command.ship_to)
    if command.bill_to is not None:
        body["billingAddress"] = subrecord(command.bill_to)
    if command.ship_method_id and not command.ship_groups:
        body["shipMethod"] = {"id": command.ship_method_id}
    if command.message:
        body["message"] = command.message[:999]
    if command.ship_groups:
        body["isMultiShipTo"] = True
    return body


def ship_group_fields(command: SalesOrderCommand, items: list[dict[str, Any]], address_ids: dict[str, str]) -> None:
    """Each line of a multi-address order ships to its group's address-book entry, by its group's method."""
    groups = {g.order_address_id: g for g in command.ship_groups}
    fallback = command.ship_groups[0] if command.ship_groups else None
    for line, element in zip(command.lines, items, strict=True):
        group = groups.get(line.ship_group or 0, fallback)
        if group is None or line.kind not in ("product", "custom"):
            continue
        element["shipAddress"] = {"id": address_ids[group.label]}
        if group.ship_method_id:
            element["shipMethod"] = {"id": group.ship_method_id}


def apply_tax(body: dict[str, Any], draft: SalesOrderDraft) -> None:
    """Add the tax of the suitetax or legacy mode to ``body`` (its items are ``draft.lines``, in order)."""
    items: list[dict[str, Any]] = body["item"]["items"]
    if draft.tax_mode == "legacy":
        for line, element in zip(draft.lines, items, strict=True):
            if line.tax_code_id is not None:
                element["taxCode"] = {"id": line.tax_code_id}
                element["tax1Amt"] = line.tax_amount
        if draft.shipping_tax_code_id is not None:
            body["shippingTaxCode"] = {"id": draft.shipping_tax_code_id}
            body["shippingTaxAmount"] = draft.shipping_tax_amount
    elif draft.tax_mode == "suitetax":
        details: list[dict[str, Any]] = []
        for number, (line, element) in enumerate(zip(draft.lines, items, strict=True), start=1):
            if line.tax_code_id is None:
                continue
            reference = f"o2c-{number}"
            element["taxDetailsReference"] = reference
            details.append({"taxDetailsReference": reference, "lineType": "Item", "lineName": line.description[:99],
                            "taxCode": {"id": line.tax_code_id}, "taxBasis": line.amount,
                            "taxRate": line.tax_rate, "taxAmount": line.tax_amount})
        if draft.shipping_tax_code_id is not None:
            details.append({"taxDetailsReference": "o2c-shipping", "lineType": "Shipping", "lineName": "Shipping",
                            "taxCode": {"id": draft.shipping_tax_code_id}, "taxBasis": draft.shipping_cost,
                            "taxRate": draft.shipping_tax_rate, "taxAmount": draft.shipping_tax_amount})
        body["taxDetailsOverride"] = True
        body["taxDetails"] = {"items": details}
