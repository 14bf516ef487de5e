"""Carries the invoice rule out for each shipped fulfilment: the invoice, then the order's deposits applied.

NetSuite requests per shipment: one read of the sales order (its lines and what is billed), the
``salesOrder/!transform/invoice`` (externalId ``BC-INV-<store>-<order>-<fulfilment id>``), one read of the
invoice's total, and one ``depositApplication`` per deposit it uses. A ``pending`` row is written before
the transform, so a crash in between looks the invoice up by its externalId instead of billing twice.
With ``O2C_CASH_INVOICING=netsuite`` nothing is billed: the invoices NetSuite made for the sales order are
read (SuiteQL) and the deposits applied to them.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from prometheus_client import Counter

from connectors.http import PermanentError, one_line
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.operations import GOODS_TYPES
from state import cash as store
from state import exceptions as exceptions_store
from state import orders as orders_store
from state.db import Executor
from streams.cash.applying import apply_deposits
from streams.cash.deposit_writer import jsonable
from streams.cash.invoicing import OrderLine, invoice_external_id, plan_invoice
from streams.cash.settings import CashSettings
from streams.contract.netsuite import NsFulfilment

log = logging.getLogger(__name__)

INVOICES = Counter("o2c_invoices_total", "Invoices o2c made in NetSuite (or found, with NetSuite billing)",
                   ["source"])
INVOICE_KINDS = ("invoice_refused",)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def order_lines(sales_order: dict[str, Any]) -> list[OrderLine]:
    """The sales order's open lines as the invoice rule reads them."""
    lines = []
    for item in (sales_order.get("item") or {}).get("items") or []:
        if item.get("isClosed") is True:
            continue  # a closed line (cancelled or refunded before it shipped) is never billed
        item_type = item.get("itemType")
        kind = item_type.get("id") if isinstance(item_type, dict) else item_type
        lines.append(OrderLine(line=str(item.get("line")), goods=kind in GOODS_TYPES,
                               quantity=_decimal(item.get("quantity")), amount=_decimal(item.get("amount")),
                               fulfilled=_decimal(item.get("quantityFulfilled")),
                               billed=_decimal(item.get("quantityBilled"))))
    return lines


class InvoiceWriter:
    def __init__(self, settings: CashSettings, store_hash: str) -> None:
        self.settings = settings
        self.store_hash = store_hash

    async def handle(self, pool: Executor, ns: NetSuiteClient, f: NsFulfilment) -> str:
        if f.status != "shipped":
            return f"not shipped ({f.status}): nothing to invoice"
        if f.bc_order_id is None or (f.store_hash and f.store_hash != self.store_hash):
            return "not an order of this store"
        link = await orders_store.get_link(pool, self.store_hash, f.bc_order_id)
        if link is None or link.ns_id is None:
            return "no sales order o2c wrote: left alone"
        order_id = f.bc_order_id
        if self.settings.invoicing == "netsuite":
            found = await self._netsuite_invoices(pool, ns, order_id, link.ns_id)
            applied = await apply_deposits(pool, ns, self.store_hash, order_id)
            return f"{found} NetSuite invoice(s) found, {applied} applied"
        outcome = await self._invoice(pool, ns, f, order_id, link.ns_id)
        applied = await apply_deposits(pool, ns, self.store_hash, order_id)
        return outcome + (f", {applied} applied" if applied else "")

    async def _invoice(self, pool: Executor, ns: NetSuiteClient, f: NsFulfilment, order_id: int, so_id: str) -> str:
        key = f.ns_id
        external_id = invoice_external_id(self.store_hash, order_id, key)
        known = {i.invoice_key: i for i in await store.invoices(pool, self.store_hash, order_id)}
        row = known.get(key)
        if row is not None and row.status == "created":
            return "already invoiced"
        sales_order = await ns.get("salesOrder", so_id, expand=True)
        lines = order_lines(sales_order)
        shipped: dict[str, Decimal] = {}
        for line in f.lines:
            if line.order_line:
                shipped[line.order_line] = shipped.get(line.order_line, Decimal(0)) + line.quantity
        billed = await store.billed_amounts(pool, self.store_hash, order_id, except_invoice=key)
        plan = plan_invoice(lines, shipped, billed)
        if row is not None:  # pending: the transform may have happened before a crash
            found = await ns.find_by_external_id("invoice", external_id)
            if found is not None:
                await self._created(pool, ns, order_id, key, found, plan.lines)
                return "invoice found after a restart"
        if plan.empty:
            return "nothing left to bill for this shipment"
        await store.invoice_pending(pool, store_hash=self.store_hash, order_id=order_id, invoice_key=key,
                                    external_id=external_id)
        body: dict[str, Any] = {
            "externalId": external_id,
            "memo": f"BigCommerce order #{order_id}, shipment {f.tran_id or f.ns_id}",
            "item": {"items": plan.body_lines()},
        }
        if f.ship_date is not None:
            body["tranDate"] = f.ship_date.isoformat()
        try:
            result = await ns.transform("salesOrder", so_id, "invoice", body)
        except PermanentError as error:
            detail = one_line(error)
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="invoice_refused", object_type="fulfilment", owner="finance", severity="error",
                message=(f"NetSuite refused the invoice for shipment {f.tran_id or f.ns_id} of order {order_id}: "
                         f"{detail}. The shipment is not billed, so the order's deposit stays unapplied. Bill it in "
                         "NetSuite, or correct the sales order and retry."),
                bc_id=str(order_id), ns_id=f.ns_id,
                payload={"body": jsonable(body), "fulfilment": f.model_dump(mode="json")},
                dedupe_key=f"invoice_refused:fulfilment:{f.ns_id}"))
            return f"invoice refused: {detail}"
        await self._created(pool, ns, order_id, key, result.id, plan.lines)
        await exceptions_store.auto_resolve_key(pool, f"invoice_refused:fulfilment:{f.ns_id}")
        INVOICES.labels("o2c").inc()
        return f"invoiced ({'last' if plan.last else 'partial'})"

    async def _created(self, pool: Executor, ns: NetSuiteClient, order_id: int, key: str, invoice_id: str,
                       lines: Any) -> None:
        invoice = await ns.get("invoice", invoice_id, fields=["total", "amountRemaining"])
        total = _decimal(invoice.get("total"))
        remaining = _decimal(invoice.get("amountRemaining", total))
        await store.invoice_created(pool, store_hash=self.store_hash, order_id=order_id, invoice_key=key,
                                    ns_id=invoice_id, total=total, remaining=remaining,
                                    lines=[(x.order_line, x.quantity, x.amount) for x in lines])

    async def _netsuite_invoices(self, pool: Executor, ns: NetSuiteClient, order_id: int, so_id: str) -> int:
        known = {i.ns_id for i in await store.invoices(pool, self.store_hash, order_id)}
        found = 0
        query = ("SELECT id, externalid, foreigntotal, foreignamountremaining FROM transaction "
                 "WHERE type = 'CustInvc' AND createdfrom = ?")
        async for row in ns.suiteql(query, [so_id]):
            invoice_id = str(row["id"])
            if invoice_id in known:
                continue
            key = f"ns:{invoice_id}"
            await store.invoice_pending(pool, store_hash=self.store_hash, order_id=order_id, invoice_key=key,
                                        external_id=f"NS-INV-{invoice_id}", source="netsuite")
            await store.invoice_created(pool, store_hash=self.store_hash, order_id=order_id, invoice_key=key,
                                        ns_id=invoice_id, total=_decimal(row.get("foreigntotal")),
                                        remaining=_decimal(row.get("foreignamountremaining")), lines=[])
            INVOICES.labels("netsuite").inc()
            found += 1
        return found

