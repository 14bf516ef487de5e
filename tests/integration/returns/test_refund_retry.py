"""An operator's retry of a refund exception reads the refund again from BigCommerce (not the copy stored in
PostgreSQL): BigCommerce and NetSuite sandboxes over HTTP, the real PostgreSQL, the returns flow's retry
(``streams.returns.retry``) as its leader timer runs it, without broker or worker.

A refund made in the BigCommerce sandbox reached o2c as a wrong copy (it claims more than the order paid), so
it is held (``refund_over_paid``) with nothing posted. The retry reads the order's refunds from BigCommerce,
plans and writes the refund as BigCommerce holds it, and resolves the exception; handling it once more writes
nothing again. A held refund BigCommerce does not have goes back to ``open`` with a plain-English note.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal as D

import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, PacingPolicy, RateLimitGovernor
from connectors.bigcommerce.models.payments import RefundItem, RefundPayment
from connectors.bigcommerce.sandbox import SandboxConfig as BcConfig
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bc
from state import exceptions as exceptions_store
from state import returns as returns_store
from streams.cash.deposit_writer import DepositWriter
from streams.contract.bigcommerce import BcRefund
from streams.ingest.bigcommerce_reread import read_order, read_refund
from streams.platform import exception_actions
from streams.returns.retry import retry_refund
from streams.returns.writer import RETURN_KINDS, RefundWriter
from tests.integration.cash.conftest import CUSTOMER, SKUS, STORE, Books, d
from tests.integration.returns.test_refund_writer import CASH, one, returns_settings, ship


@pytest.fixture
async def bc() -> AsyncIterator[SandboxServer]:
    server = await start_bc("127.0.0.1", 0, BcConfig(store_hash=STORE, rng_seed=23, styles=1, customers=1,
                                                     tax_rate=D(0)))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bc_client(bc: SandboxServer) -> AsyncIterator[BigCommerceClient]:
    settings = BigCommerceSettings(api_base=bc.url, store_hash=STORE)
    async with BigCommerceClient(settings, governor=RateLimitGovernor(f"rr-{uuid.uuid4().hex[:6]}",
                                                                      policy=PacingPolicy())) as client:
        yield client


async def paid_and_shipped(books: Books, bc: SandboxServer, client: BigCommerceClient) -> tuple[int, int]:
    """A BigCommerce sandbox order of 2 units paid through Stripe, written to NetSuite as the orders flow writes
    it (its line carries the order product id), deposited, shipped and invoiced; (order id, order product id)."""
    variant = min(bc.store.variants.values(), key=lambda v: v["id"])
    address = {"first_name": "Ada", "last_name": "Byron", "street_1": "1 Main St", "city": "Austin",
               "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
               "email": f"ada{uuid.uuid4().hex[:6]}@example.com"}
    order_id = int(bc.store.create_order({
        "customer_id": 0, "status_id": 11, "billing_address": address,
        "shipping_addresses": [{**address, "shipping_method": "Flat Rate", "cost_ex_tax": "5.00",
                                "cost_inc_tax": "5.00"}],
        "products": [{"product_id": variant["product_id"], "variant_id": variant["id"], "quantity": 2}],
        "_sandbox_gateway": "stripe"})["id"])
    placed = await read_order(client, STORE, order_id)
    [line] = placed.lines
    so = await books.ns.upsert("salesOrder", f"BC-SO-{STORE}-{order_id}", {
        "entity": {"id": CUSTOMER}, "location": {"id": "1"}, "currency": {"id": "1"},
        "shippingCost": placed.shipping_cost_ex_tax,
        "item": {"items": [{"item": {"id": books.items[SKUS[0]]}, "quantity": line.quantity,
                            "rate": line.price_ex_tax, "custcol_bc_order_product_id": str(line.order_product_id)}]}})
    await books.link(placed, so.id)
    assert await DepositWriter(CASH).handle(books.pool, books.ns, placed) == "1 deposit(s) written"
    [so_line] = await books.goods_lines(so.id)
    await ship(books, so.id, order_id, {so_line: 2})
    return order_id, line.order_product_id


def claiming(refund: BcRefund, amount: D, **changes: object) -> BcRefund:
    """A wrong copy of ``refund``: its payment (and total) claim ``amount``."""
    payments = tuple(p.model_copy(update={"amount": amount}) for p in refund.payments)
    return refund.model_copy(update={"total_amount": amount, "payments": payments, **changes})


async def retry(books: Books, exception_id: int, client: BigCommerceClient, writer: RefundWriter) -> str:
    """The operator's retry, then one pass of the returns flow's retries (as its leader timer runs them)."""
    result = await exception_actions.retry(books.pool, exception_id, actor="it", role="operator", source="page")
    assert result.ok, result.message
    [exc] = [e for e in await exceptions_store.retrying(books.pool, list(RETURN_KINDS)) if e.id == exception_id]
    return await retry_refund(books.pool, books.ns, client, writer, exc, store_hash=STORE)


async def test_a_retried_refund_is_read_again_from_bigcommerce_and_written_once(
        books: Books, bc: SandboxServer, bc_client: BigCommerceClient) -> None:
    writer = RefundWriter(returns_settings(), CASH)
    order_id, order_product = await paid_and_shipped(books, bc, bc_client)
    items = [RefundItem(item_type="PRODUCT", item_id=order_product, quantity=1)]
    quote = await bc_client.create_refund_quote(order_id, items)
    made = await bc_client.create_refund(order_id, items, [
        RefundPayment(provider_id=m.provider_id, amount=m.amount, offline=m.offline) for m in quote.refund_methods[0]])
    in_bigcommerce = await read_refund(bc_client, STORE, order_id, made.id)
    assert in_bigcommerce is not None and in_bigcommerce.total_amount == made.total_amount > 0

    # o2c got a wrong copy of it: held, nothing posted
    wrong = claiming(in_bigcommerce, made.total_amount + 500)
    assert await writer.handle(books.pool, books.ns, wrong) == "held: refund_over_paid"
    # and a refund BigCommerce never had (or deleted since)
    ghost = claiming(in_bigcommerce, made.total_amount + 500, refund_id=made.id + 1000)
    assert await writer.handle(books.pool, books.ns, ghost) == "held: refund_over_paid"
    by_refund = {int(r["dedupe_key"].rsplit(":", 1)[1]): r["id"] for r in await books.exceptions("refund_over_paid")}
    assert set(by_refund) == {made.id, made.id + 1000}
    assert await books.by_external_id("creditMemo", f"BC-CM-{STORE}-{made.id}") == []

    # the retry reads the refund from BigCommerce: planned and written as BigCommerce holds it, and the writer
    # resolves the exception once the refund is done (retries.settle leaves an exception the flow settled)
    assert await retry(books, by_refund[made.id], bc_client, writer) == "auto_resolved"
    row = await exceptions_store.get(books.pool, by_refund[made.id])
    assert row is not None and row.status == "auto_resolved" and row.resolved_by == "o2c" and row.retries == 1
    stored = await returns_store.get_refund(books.pool, STORE, made.id)
    assert stored is not None and stored.status == "done" and stored.total == made.total_amount
    assert BcRefund.model_validate(stored.payload) == in_bigcommerce
    await one(books, "returnAuthorization", f"BC-RA-{STORE}-{made.id}")
    await one(books, "itemReceipt", f"BC-IR-{STORE}-{made.id}")
    assert d((await one(books, "creditMemo", f"BC-CM-{STORE}-{made.id}"))["total"]) == made.total_amount
    assert d((await one(books, "customerRefund", f"BC-RF-{STORE}-{made.id}-1"))["total"]) == made.total_amount

    # handled again (a second retry, a redelivery): nothing is written twice
    assert await writer.handle(books.pool, books.ns, in_bigcommerce, again=True) == "already done"
    for record_type, prefix in (("returnAuthorization", "RA"), ("itemReceipt", "IR"), ("creditMemo", "CM")):
        await one(books, record_type, f"BC-{prefix}-{STORE}-{made.id}")
    await one(books, "customerRefund", f"BC-RF-{STORE}-{made.id}-1")

    # the refund BigCommerce does not have: open again, with a note saying so; nothing posted
    assert await retry(books, by_refund[made.id + 1000], bc_client, writer) == "open"
    gone = await exceptions_store.get(books.pool, by_refund[made.id + 1000])
    assert gone is not None and gone.status == "open" and gone.last_retry_note
    assert f"BigCommerce refund {made.id + 1000} of order {order_id}" in gone.last_retry_note
    assert "no longer exists" in gone.last_retry_note
    assert await books.by_external_id("creditMemo", f"BC-CM-{STORE}-{made.id + 1000}") == []
