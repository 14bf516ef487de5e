"""What the refund plan reads: the sales order as NetSuite has it, the order's deposits and invoices as o2c
booked them, and the special items (tax, handling, adjustment) credit memo lines are booked on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.netsuite import operations
from connectors.netsuite.client import NetSuiteClient
from state import cash as cash_store
from state import catalog
from state import returns as store
from state.db import Executor
from streams.returns.plan import Deposit, Gateway, LineKind, OrderState, Rules, SoLine
from streams.returns.settings import ReturnsSettings


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def so_lines(sales_order: dict[str, Any], special: dict[str, str]) -> tuple[SoLine, ...]:
    """The sales order's lines (``special``: item internal id → kind of the special items)."""
    lines = []
    for item in (sales_order.get("item") or {}).get("items") or []:
        item_id = _id(item.get("item"))
        item_type = _id(item.get("itemType"))
        kind: LineKind = "goods" if item_type in operations.GOODS_TYPES else special.get(item_id, "other")  # type: ignore[assignment]
        product = item.get("custcol_bc_order_product_id")
        lines.append(SoLine(
            line=str(item.get("line")), item_id=item_id, kind=kind, quantity=_decimal(item.get("quantity")),
            amount=_decimal(item.get("amount")), fulfilled=_decimal(item.get("quantityFulfilled")),
            returned=_decimal(item.get("quantityReturned")),
            rate=_decimal(item["rate"]) if item.get("rate") not in (None, "") else None,
            order_product_id=int(product) if str(product or "").isdigit() else None,
            tax_amount=_decimal(item["tax1Amt"]) if item.get("tax1Amt") not in (None, "") else None,
            closed=item.get("isClosed") is True, description=str(item.get("description") or ""),
            cancelled=_decimal(item.get(operations.CANCELLED_QUANTITY))))
    return tuple(lines)


async def special_items(pool: Executor, ns: NetSuiteClient, settings: ReturnsSettings) -> dict[str, str]:
    """Kind → internal id of the tax, handling and adjustment items (found, or created once, as orders do)."""
    refs = {"tax": settings.tax_item, "handling": settings.handling_item, "adjustment": settings.adjustment_item}
    known = await catalog.resolve(pool, refs.values())
    ids: dict[str, str] = {}
    for kind, ref in refs.items():
        if ref in known:
            ids[kind] = known[ref]
            continue
        found = await operations.find_item(ns, ref)
        if found is not None:
            ns_id, item_type = found.id, found.item_type
        else:
            result = await ns.upsert("serviceItem", f"O2C-ITEM-{ref}",
                                     {"itemId": ref, "displayName": f"o2c {kind} line"})
            ns_id, item_type = result.id, "serviceItem"
        await catalog.remember(pool, ref, ns_id, item_type)
        ids[kind] = ns_id
    return ids


async def order_state(pool: Executor, ns: NetSuiteClient, *, store_hash: str, order_id: int, refund_id: int,
                      so_id: str, customer_id: str, special: dict[str, str]) -> tuple[OrderState, dict[str, Any]]:
    """The refund's order as NetSuite and o2c's ledger hold it now (and the sales order record)."""
    sales_order = await ns.get("salesOrder", so_id, expand=True)
    deposits = tuple(
        Deposit(n=d.n, ns_id=d.ns_id, kind=d.kind, gateway=d.gateway, gateway_transaction_id=d.gateway_transaction_id,
                amount=d.amount, unapplied=d.unapplied, account_id=d.account_id)
        for d in await cash_store.deposits(pool, store_hash, order_id) if d.status == "written" and d.ns_id)
    invoiced = any(i.status == "created" for i in await cash_store.invoices(pool, store_hash, order_id))
    state = OrderState(
        so_id=so_id, customer_id=customer_id,
        lines=so_lines(sales_order, {v: k for k, v in special.items()}),
        shipping_cost=_decimal(sales_order.get("shippingCost")), deposits=deposits, invoiced=invoiced,
        refunded_before=await store.refunded_by_gateway(pool, store_hash, order_id, refund_id))
    return state, sales_order


def rules(settings: ReturnsSettings, cash: Any) -> Rules:
    """The plan's rules from the returns settings and the money-in flow's (gateways, clearing accounts)."""
    return Rules(
        tax_mode=settings.tax_mode, receive_on_refund=settings.receive_on_refund, location_id=settings.location_id,
        offline_account=settings.offline_account, store_credit_providers=settings.store_credit_providers,
        gateway_keys=dict(cash.gateways),
        gateways={key: Gateway(clearing=accounts.clearing) for key, accounts in cash.accounts.items()})
