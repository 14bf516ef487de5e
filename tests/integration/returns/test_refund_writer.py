"""The refund writer against the NetSuite sandbox over HTTP and the real PostgreSQL (no broker, no worker):
each row of the refund plan ends as its documents in NetSuite, once, with the credit equal to the refund."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from connectors.netsuite.errors import RecordChangedError
from state import returns as returns_store
from streams.cash.deposit_writer import DepositWriter
from streams.cash.invoice_writer import InvoiceWriter
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcRefund, BcRefundItem, BcRefundPayment
from streams.returns.settings import ReturnsSettings
from streams.returns.writer import RefundWriter
from tests.integration.cash.conftest import CUSTOMER, STORE, Books, d, order, settings, txn, with_transactions

CASH = settings()


def returns_settings(**changes: Any) -> ReturnsSettings:
    values: dict[str, Any] = {"enabled": True, "receive_on_refund": True, "location_id": "2", "tax_mode": "line"}
    return ReturnsSettings(**{**values, **changes})


async def paid_order(books: Books, order_id: int, *lines: tuple[int, str, int], shipping: str = "5.00"
                     ) -> tuple[BcOrderSnapshot, str, dict[int, str]]:
    """An order written as the orders flow writes it (lines carry their BigCommerce order product id), paid by
    Stripe and deposited; returns the snapshot, the sales order id and order product id → sales order line."""
    placed = order(order_id, *lines, shipping=shipping)
    paid = with_transactions(placed, txn(order_id, "purchase", placed.total_inc_tax, f"pi_{order_id}"))
    body = {"entity": {"id": CUSTOMER}, "location": {"id": "1"}, "currency": {"id": "1"},
            "shippingCost": placed.shipping_cost_ex_tax,
            "item": {"items": [{"item": {"id": books.items[x.sku]}, "quantity": x.quantity, "rate": x.price_ex_tax,
                                "custcol_bc_order_product_id": str(x.order_product_id)} for x in placed.lines]}}
    so = await books.ns.upsert("salesOrder", f"BC-SO-{STORE}-{order_id}", body)
    await books.link(placed, so.id)
    await DepositWriter(CASH).handle(books.pool, books.ns, paid)
    record = await books.ns.get("salesOrder", so.id, expand=True)
    lines_by_product = {int(x["custcol_bc_order_product_id"]): str(x["line"]) for x in record["item"]["items"]
                        if x.get("custcol_bc_order_product_id")}
    return paid, so.id, lines_by_product


async def ship(books: Books, so_id: str, order_id: int, quantities: dict[str, int]) -> None:
    fulfilment = await books.fulfil(so_id, order_id, quantities)
    assert (await InvoiceWriter(CASH, STORE).handle(books.pool, books.ns, fulfilment)).startswith("invoiced")


def bc_refund(order_id: int, refund_id: int, total: str, *items: BcRefundItem, tax: str = "0",
              provider: str = "stripe") -> BcRefund:
    return BcRefund(store_hash=STORE, order_id=order_id, refund_id=refund_id, created=datetime.now(UTC),
                    total_amount=D(total), total_tax=D(tax), items=items,
                    payments=(BcRefundPayment(id=refund_id, provider_id=provider, amount=D(total),
                                              offline=provider == "storecredit"),))


def product(order_product_id: int, quantity: int) -> BcRefundItem:
    return BcRefundItem(item_type="PRODUCT", item_id=order_product_id, quantity=quantity)


async def stock(books: Books, sku: str, location: str) -> D:
    item = next(r for r in await books.records("inventoryItem") if r["itemId"] == sku)
    rows = (item.get("locations") or {}).get("items") or []
    return sum((d(r["quantityOnHand"]) for r in rows if str(r.get("locationId")) == location), D(0))


async def one(books: Books, record_type: str, external_id: str) -> dict[str, Any]:
    found = await books.by_external_id(record_type, external_id)
    assert len(found) == 1, f"{len(found)} {record_type} {external_id}"
    return await books.ns.get(record_type, found[0]["id"], expand=True)


async def test_two_partial_refunds_of_shipped_goods_each_become_one_set_of_documents(books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    placed, so, lines = await paid_order(books, 7001, (0, "20.00", 2), (1, "10.00", 1))
    first, second = placed.lines[0].order_product_id, placed.lines[1].order_product_id
    await ship(books, so, 7001, {lines[first]: 2, lines[second]: 1})
    stock_before = await stock(books, placed.lines[0].sku, "2")

    for refund in (bc_refund(7001, 71, "20.00", product(first, 1)),
                   bc_refund(7001, 72, "15.00", product(second, 1), BcRefundItem(
                       item_type="SHIPPING", item_id=1, requested_amount=D("5.00")))):
        assert (await writer.handle(books.pool, books.ns, refund)).startswith("done")
        assert await writer.handle(books.pool, books.ns, refund) == "already done"  # a redelivery

    for refund_id, total in ((71, "20.00"), (72, "15.00")):
        ra = await one(books, "returnAuthorization", f"BC-RA-{STORE}-{refund_id}")
        await one(books, "itemReceipt", f"BC-IR-{STORE}-{refund_id}")
        cm = await one(books, "creditMemo", f"BC-CM-{STORE}-{refund_id}")
        rf = await one(books, "customerRefund", f"BC-RF-{STORE}-{refund_id}-1")
        assert d(cm["total"]) == D(total) and d(rf["total"]) == D(total) and d(cm["amountRemaining"]) == 0
        assert rf["account"]["id"] == CASH.accounts["stripe"].clearing
        assert len(ra["item"]["items"]) == 1
    assert await stock(books, placed.lines[0].sku, "2") == stock_before + 1
    assert (await returns_store.get_refund(books.pool, STORE, 72)).credit == D("15.00")  # type: ignore[union-attr]


async def test_a_full_refund_before_shipping_closes_the_order_and_refunds_the_deposit(books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    placed, so, _ = await paid_order(books, 7002, (0, "20.00", 1), (1, "10.00", 2))
    total = str(placed.total_inc_tax)
    items = [product(x.order_product_id, x.quantity) for x in placed.lines]
    items.append(BcRefundItem(item_type="SHIPPING", item_id=1, requested_amount=D("5.00")))
    assert (await writer.handle(books.pool, books.ns, bc_refund(7002, 73, total, *items))).startswith("done")
    sales_order = await books.ns.get("salesOrder", so, expand=True)
    assert sales_order["status"]["id"] == "H"
    rf = await one(books, "customerRefund", f"BC-RF-{STORE}-73-1")
    assert d(rf["total"]) == D(total) and rf["deposit"]["items"][0]["amount"] in (float(total), total, D(total))
    assert await books.by_external_id("creditMemo", f"BC-CM-{STORE}-73") == []
    assert await books.by_external_id("returnAuthorization", f"BC-RA-{STORE}-73") == []
    row = (await books.deposit_rows(7002))["1"]
    assert row["applied"] == D(total)


async def test_a_partly_shipped_order_refunded_whole_returns_what_shipped_and_takes_off_the_rest(
        books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    placed, so, lines = await paid_order(books, 7003, (0, "20.00", 1), (1, "10.00", 2), shipping="0")
    shipped, unshipped = placed.lines[0].order_product_id, placed.lines[1].order_product_id
    await ship(books, so, 7003, {lines[shipped]: 1})
    refund = bc_refund(7003, 74, "40.00", product(shipped, 1), product(unshipped, 2))
    assert (await writer.handle(books.pool, books.ns, refund)).startswith("done")
    cm = await one(books, "creditMemo", f"BC-CM-{STORE}-74")
    rf = await one(books, "customerRefund", f"BC-RF-{STORE}-74-1")
    assert d(cm["total"]) == D("20.00") and d(rf["total"]) == D("40.00")
    sales_order = await books.ns.get("salesOrder", so, expand=True)
    closed = {str(x["line"]): x.get("isClosed") for x in sales_order["item"]["items"]}
    assert closed[lines[unshipped]] is True
    assert (await books.deposit_rows(7003))["1"]["applied"] == D("40.00")  # invoiced 20 + refunded 20


async def test_a_store_credit_refund_leaves_the_credit_memo_open_on_the_customer(books: Books) -> None:
    writer = RefundWriter(returns_settings(receive_on_refund=False), CASH)
    placed, so, lines = await paid_order(books, 7004, (0, "20.00", 1))
    await ship(books, so, 7004, {lines[placed.lines[0].order_product_id]: 1})
    refund = bc_refund(7004, 75, "20.00", product(placed.lines[0].order_product_id, 1),
                       provider="storecredit")
    assert (await writer.handle(books.pool, books.ns, refund)).startswith("done")
    cm = await one(books, "creditMemo", f"BC-CM-{STORE}-75")
    assert d(cm["amountRemaining"]) == D("20.00")
    assert await books.by_external_id("customerRefund", f"BC-RF-{STORE}-75-1") == []
    assert await books.by_external_id("itemReceipt", f"BC-IR-{STORE}-75") == []  # the warehouse receives it


async def test_record_changed_on_the_transform_is_retried_into_one_return(books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    placed, so, lines = await paid_order(books, 7005, (0, "20.00", 2))
    opid = placed.lines[0].order_product_id
    await ship(books, so, 7005, {lines[opid]: 2})
    (await books.admin.post("/__sandbox/config", json={"record_changed_next": 1})).raise_for_status()
    refund = bc_refund(7005, 76, "20.00", product(opid, 1))
    with pytest.raises(RecordChangedError):
        await writer.handle(books.pool, books.ns, refund)
    assert (await writer.handle(books.pool, books.ns, refund)).startswith("done")  # the event, redelivered
    await one(books, "returnAuthorization", f"BC-RA-{STORE}-76")
    assert d((await one(books, "creditMemo", f"BC-CM-{STORE}-76"))["total"]) == D("20.00")


async def test_a_refund_of_an_order_not_synced_waits_then_is_posted(books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    refund = bc_refund(7006, 77, "20.00", product(1, 1))
    assert await writer.handle(books.pool, books.ns, refund) == "waiting for the order's sales order"
    [exc] = await books.exceptions("refund_unsynced")
    assert exc["owner"] == "finance" and "7006" in exc["message"]
    placed, so, lines = await paid_order(books, 7006, (0, "20.00", 1))
    await ship(books, so, 7006, {lines[placed.lines[0].order_product_id]: 1})
    late = refund.model_copy(update={"items": (product(placed.lines[0].order_product_id, 1),)})
    await books.pool.execute("UPDATE return_refunds SET payload = $1::jsonb WHERE refund_id = 77",
                             late.model_dump_json())
    assert (await writer.run_order(books.pool, books.ns, STORE, 7006)).startswith("done")
    [exc] = await books.exceptions("refund_unsynced")
    assert exc["status"] == "auto_resolved"


async def test_a_refund_above_what_was_paid_is_held_with_nothing_posted(books: Books) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    placed, so, lines = await paid_order(books, 7007, (0, "20.00", 1), shipping="0")
    opid = placed.lines[0].order_product_id
    await ship(books, so, 7007, {lines[opid]: 1})
    assert await writer.handle(books.pool, books.ns, bc_refund(7007, 78, "25.00", product(opid, 1))) == \
        "held: refund_over_paid"
    assert await books.by_external_id("returnAuthorization", f"BC-RA-{STORE}-78") == []
    [exc] = await books.exceptions("refund_over_paid")
    assert exc["owner"] == "finance"
