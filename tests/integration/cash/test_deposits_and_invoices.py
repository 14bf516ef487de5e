"""Deposits, invoices and deposit applications: the writers called directly with the NetSuite sandbox over
HTTP and the real PostgreSQL (no broker, no worker)."""

from __future__ import annotations

from decimal import Decimal as D

from connectors.netsuite.sandbox import accounts
from state import cash as cash_store
from streams.cash.deposit_writer import DepositWriter
from streams.cash.invoice_writer import InvoiceWriter
from streams.cash.settings import GatewayAccounts
from tests.integration.cash.conftest import (
    CUSTOMER,
    STORE,
    STRIPE,
    Books,
    d,
    order,
    settings,
    txn,
    with_transactions,
)


async def test_payment_captured_after_the_shipment_pays_the_open_invoice(books: Books) -> None:
    cash = settings()
    deposits, invoices = DepositWriter(cash), InvoiceWriter(cash, STORE)
    placed = order(5001, (0, "12.50", 2), (1, "9.99", 1))
    authorised = with_transactions(placed, txn(1, "authorization", placed.total_inc_tax, "pi_late"))
    so = await books.sales_order(authorised)
    assert await deposits.handle(books.pool, books.ns, authorised) == "no payment to deposit"
    assert await books.deposit_rows(placed.order_id) == {}

    lines = await books.goods_lines(so)
    shipped = await books.fulfil(so, placed.order_id, {lines[0]: 2, lines[1]: 1})
    assert await invoices.handle(books.pool, books.ns, shipped) == "invoiced (last)"
    (invoice,) = await books.by_external_id("invoice", f"BC-INV-{STORE}-{placed.order_id}-{shipped.ns_id}")
    assert d(invoice["total"]) == placed.total_inc_tax == D("39.99")
    assert d(invoice["amountRemaining"]) == placed.total_inc_tax, "nothing paid it yet"
    assert await books.records("customerDeposit") == []

    captured = with_transactions(placed, txn(1, "authorization", placed.total_inc_tax, "pi_late"),
                                 txn(2, "capture", placed.total_inc_tax, "pi_late"))
    outcome = await deposits.handle(books.pool, books.ns, captured)
    assert outcome.startswith("1 deposit(s) written, ") and D(outcome.rsplit(" ", 2)[1]) == D("39.99"), outcome
    (deposit,) = await books.by_external_id("customerDeposit", f"BC-DEP-{STORE}-{placed.order_id}-1")
    assert (d(deposit["payment"]), deposit["account"]["id"], deposit["salesOrder"]["id"]) == (
        D("39.99"), "1010", so)
    paid = await books.ns.get("invoice", invoice["id"])
    assert (d(paid["amountRemaining"]), paid["status"]["id"]) == (D(0), "B")
    (application,) = await books.records("depositApplication")
    assert application["deposit"]["id"] == deposit["id"]

    row = (await books.deposit_rows(placed.order_id))["1"]
    assert (row["status"], row["ns_id"], row["applied"], row["gateway_transaction_id"]) == (
        "written", deposit["id"], D("39.99"), "pi_late")
    (stored,) = await books.pool.fetch("SELECT * FROM cash_invoices WHERE order_id = $1", placed.order_id)
    assert (stored["status"], stored["ns_id"], stored["remaining"]) == ("created", invoice["id"], D(0))

    assert await deposits.handle(books.pool, books.ns, captured) == "0 deposit(s) written", "a replay is a no-op"
    assert len(await books.records("customerDeposit")) == len(await books.records("depositApplication")) == 1


async def test_deposit_waits_for_its_sales_order_then_is_written_once(books: Books) -> None:
    deposits = DepositWriter(settings())
    placed = order(5002, (0, "20.00", 1))
    paid = with_transactions(placed, txn(7, "purchase", placed.total_inc_tax, "pi_early"))
    assert await deposits.handle(books.pool, books.ns, paid) == "1 deposit(s) waiting for the sales order"
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert (row["status"], row["ns_id"], row["amount"], row["account_id"]) == (
        "waiting", None, D("25.00"), accounts.STRIPE_CLEARING)
    assert await books.records("customerDeposit") == [], "nothing in NetSuite before the sales order"
    assert (STORE, placed.order_id) in await cash_store.waiting_orders(books.pool)

    so = await books.sales_order(paid, link=False)  # in NetSuite, but o2c has not recorded it yet
    assert await deposits.write_waiting(books.pool, books.ns, STORE, placed.order_id) == (
        "1 deposit(s) waiting for the sales order")
    assert await books.records("customerDeposit") == []

    await books.link(paid, so)
    assert await deposits.write_waiting(books.pool, books.ns, STORE, placed.order_id) == "1 deposit(s) written"
    assert await deposits.write_waiting(books.pool, books.ns, STORE, placed.order_id) == "0 deposit(s) written"
    assert await deposits.handle(books.pool, books.ns, paid) == "0 deposit(s) written"
    (deposit,) = await books.records("customerDeposit")
    assert (deposit["externalId"], d(deposit["payment"]), deposit["salesOrder"]["id"], deposit["customer"]["id"]) == (
        f"BC-DEP-{STORE}-{placed.order_id}-1", D("25.00"), so, CUSTOMER)
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert (row["status"], row["ns_id"]) == ("written", deposit["id"])
    assert (STORE, placed.order_id) not in await cash_store.waiting_orders(books.pool)


async def test_gateway_without_accounts_is_held_then_written_once_mapped(books: Books) -> None:
    placed = order(5003, (1, "30.00", 1))
    paid = with_transactions(placed, txn(3, "purchase", placed.total_inc_tax, "bt_77", gateway="braintree"))
    so = await books.sales_order(paid)
    held = DepositWriter(settings())  # stripe and paypal only
    assert await held.handle(books.pool, books.ns, paid) == "0 deposit(s) written"
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert (row["status"], row["account_id"], row["gateway"], row["ns_id"]) == ("held", None, "braintree", None)
    assert await books.records("customerDeposit") == []
    (exc,) = await books.exceptions("gateway_unmapped")
    assert (exc["status"], exc["owner"], exc["bc_id"]) == ("open", "finance", str(placed.order_id))
    assert "'braintree'" in exc["message"] and "O2C_CASH_ACCOUNTS" in exc["message"]
    assert "paypal, stripe" in exc["message"], "the message lists the gateways that are configured"
    assert await held.handle(books.pool, books.ns, paid) == "0 deposit(s) written"
    assert [e["occurrences"] for e in await books.exceptions("gateway_unmapped")] == [2], "one exception, twice"

    braintree = GatewayAccounts(**{**STRIPE.model_dump(), "clearing": accounts.CHECKING})
    mapped = DepositWriter(settings(accounts={"stripe": STRIPE, "braintree": braintree}))
    assert await mapped.handle(books.pool, books.ns, paid) == "1 deposit(s) written"
    (deposit,) = await books.records("customerDeposit")
    assert (deposit["account"]["id"], d(deposit["payment"]), deposit["salesOrder"]["id"]) == (
        accounts.CHECKING, D("35.00"), so)
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert (row["status"], row["account_id"], row["ns_id"]) == ("written", accounts.CHECKING, deposit["id"])
    (exc,) = await books.exceptions("gateway_unmapped")
    assert (exc["status"], exc["resolved_by"]) == ("auto_resolved", "o2c")


async def test_deposit_netsuite_refuses_is_kept_for_finance(books: Books) -> None:
    deposits = DepositWriter(settings())
    placed = order(5004, (2, "18.00", 2))
    paid = with_transactions(placed, txn(4, "purchase", placed.total_inc_tax, "pi_refused"))
    await books.sales_order(paid)
    (await books.admin.patch(f"/__sandbox/records/account/{accounts.STRIPE_CLEARING}",
                             json={"isInactive": True})).raise_for_status()

    assert await deposits.handle(books.pool, books.ns, paid) == "0 deposit(s) written, 1 refused"
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert row["status"] == "refused" and row["ns_id"] is None
    assert "Invalid account reference key 1010" in row["detail"]
    assert (row["amount"], row["gateway_transaction_id"]) == (D("41.00"), "pi_refused"), "nothing lost"
    assert await books.records("customerDeposit") == []
    (exc,) = await books.exceptions("deposit_refused")
    assert (exc["status"], exc["owner"], exc["bc_id"]) == ("open", "finance", str(placed.order_id))
    assert f"BC-DEP-{STORE}-{placed.order_id}-1" in exc["message"]
    assert "Invalid account reference key 1010" in exc["message"], "the message quotes NetSuite"
    assert exc["payload"]["body"]["account"] == {"id": accounts.STRIPE_CLEARING}
    assert exc["payload"]["body"]["payment"] in ("41.00", "41.0000", 41.0), exc["payload"]["body"]

    # A replay does not hammer NetSuite with the refused deposit; the account fixed, finance retries (what the
    # cash catch-up does for a retried deposit_refused: the refused rows waiting again, then written).
    assert await deposits.handle(books.pool, books.ns, paid) == "0 deposit(s) written"
    assert (await books.deposit_rows(placed.order_id))["1"]["status"] == "refused"
    (await books.admin.patch(f"/__sandbox/records/account/{accounts.STRIPE_CLEARING}",
                             json={"isInactive": False})).raise_for_status()
    await books.pool.execute("UPDATE cash_deposits SET status = 'waiting' WHERE store_hash = $1 AND order_id = $2 "
                             "AND status = 'refused'", STORE, placed.order_id)
    assert await deposits.write_waiting(books.pool, books.ns, STORE, placed.order_id) == "1 deposit(s) written"
    (deposit,) = await books.records("customerDeposit")
    assert d(deposit["payment"]) == D("41.00")
    assert (await books.deposit_rows(placed.order_id))["1"]["status"] == "written"
    assert [e["status"] for e in await books.exceptions("deposit_refused")] == ["auto_resolved"]


async def test_netsuite_invoicing_applies_the_deposit_to_netsuites_invoice(books: Books) -> None:
    cash = settings(invoicing="netsuite")
    deposits, invoices = DepositWriter(cash), InvoiceWriter(cash, STORE)
    placed = order(5005, (0, "10.00", 3), (1, "7.25", 2))
    paid = with_transactions(placed, txn(5, "purchase", placed.total_inc_tax, "pi_nsbill"))
    so = await books.sales_order(paid)
    assert await deposits.handle(books.pool, books.ns, paid) == "1 deposit(s) written"

    lines = await books.goods_lines(so)
    shipped = await books.fulfil(so, placed.order_id, {lines[0]: 3, lines[1]: 2})
    billed = await books.ns.transform("salesOrder", so, "invoice", {"memo": "billed by the AR clerk"})
    outcome = await invoices.handle(books.pool, books.ns, shipped)
    assert outcome.startswith("1 NetSuite invoice(s) found, ") and D(outcome.split()[-2]) == D("49.50"), outcome
    (invoice,) = await books.records("invoice")
    assert invoice["id"] == billed.id and not invoice.get("externalId"), "o2c made no invoice of its own"
    assert (d(invoice["total"]), d(invoice["amountRemaining"])) == (D("49.50"), D(0))
    (stored,) = await cash_store.invoices(books.pool, STORE, placed.order_id)
    assert (stored.source, stored.ns_id, stored.invoice_key, stored.total, stored.remaining) == (
        "netsuite", billed.id, f"ns:{billed.id}", D("49.50"), D(0))
    row = (await books.deposit_rows(placed.order_id))["1"]
    assert row["applied"] == D("49.50")
    (application,) = await books.records("depositApplication")
    assert application["deposit"]["id"] == row["ns_id"]

    assert await invoices.handle(books.pool, books.ns, shipped) == "0 NetSuite invoice(s) found, 0 applied"
    assert len(await books.records("invoice")) == len(await books.records("depositApplication")) == 1


async def test_store_credit_and_card_both_applied_oldest_first(books: Books) -> None:
    cash = settings()
    deposits, invoices = DepositWriter(cash), InvoiceWriter(cash, STORE)
    placed = order(5006, (0, "20.00", 2), (1, "15.00", 1))  # 40 + 15 + 5 shipping
    paid = with_transactions(placed, txn(6, "purchase", D("35.00"), "pi_split"), store_credit_amount=D("25.00"))
    assert paid.total_inc_tax == D("60.00")
    so = await books.sales_order(paid)
    assert await deposits.handle(books.pool, books.ns, paid) == "2 deposit(s) written"
    rows = await books.deposit_rows(placed.order_id)
    assert {n: (r["kind"], r["amount"], r["account_id"], r["status"]) for n, r in rows.items()} == {
        "1": ("gateway", D("35.00"), accounts.STRIPE_CLEARING, "written"),
        "SC": ("store_credit", D("25.00"), accounts.STORE_CREDIT_CLEARING, "written")}
    made = {r["externalId"]: r for r in await books.records("customerDeposit")}
    assert set(made) == {f"BC-DEP-{STORE}-{placed.order_id}-1", f"BC-DEP-{STORE}-{placed.order_id}-SC"}

    lines = await books.goods_lines(so)
    first = await books.fulfil(so, placed.order_id, {lines[0]: 2})  # 40.00 + 5.00 shipping
    await invoices.handle(books.pool, books.ns, first)
    second = await books.fulfil(so, placed.order_id, {lines[1]: 1})  # 15.00
    await invoices.handle(books.pool, books.ns, second)

    applied = await books.pool.fetch(
        "SELECT a.invoice_key, a.deposit_n, a.amount, a.status FROM cash_applications a "
        "JOIN cash_invoices i USING (store_hash, order_id, invoice_key) WHERE a.order_id = $1 "
        "ORDER BY i.seq, a.deposit_n", placed.order_id)
    assert [(r["invoice_key"], r["deposit_n"], r["amount"], r["status"]) for r in applied] == [
        (first.ns_id, "1", D("35.00"), "created"), (first.ns_id, "SC", D("10.00"), "created"),
        (second.ns_id, "SC", D("15.00"), "created")], "the card first, then the store credit"
    assert sum(r["amount"] for r in applied) == paid.total_inc_tax

    invoiced = {r["externalId"]: r for r in await books.records("invoice")}
    totals = [d(invoiced[f"BC-INV-{STORE}-{placed.order_id}-{f.ns_id}"]["total"]) for f in (first, second)]
    assert totals == [D("45.00"), D("15.00")]
    for f in (first, second):
        invoice = await books.ns.get("invoice", invoiced[f"BC-INV-{STORE}-{placed.order_id}-{f.ns_id}"]["id"])
        assert d(invoice["amountRemaining"]) == 0
    for record in made.values():
        deposit = await books.ns.get("customerDeposit", record["id"])
        assert d(deposit["_unapplied"]) == 0
    by_deposit: dict[str, D] = {}
    for application in await books.records("depositApplication"):
        key = application["deposit"]["id"]
        by_deposit[key] = by_deposit.get(key, D(0)) + d(application["applied"])
    assert by_deposit == {made[f"BC-DEP-{STORE}-{placed.order_id}-1"]["id"]: D("35.00"),
                          made[f"BC-DEP-{STORE}-{placed.order_id}-SC"]["id"]: D("25.00")}


async def test_legacy_tax_invoices_of_three_shipments_add_up_to_the_sales_order(books: Books) -> None:
    (await books.admin.post("/__sandbox/config", json={"tax_engine": "legacy"})).raise_for_status()
    invoices = InvoiceWriter(settings(), STORE)
    discounts = {r["itemId"]: r["id"] for r in await books.records("discountItem")}
    placed = order(5007, (0, "3.33", 3), (1, "12.50", 2), (2, "7.77", 1), shipping="4.99")
    so = (await books.ns.upsert("salesOrder", f"BC-SO-{STORE}-{placed.order_id}", {
        "entity": {"id": CUSTOMER}, "location": {"id": "1"}, "currency": {"id": "3"}, "shippingCost": D("4.99"),
        "shippingTaxCode": {"id": "101"},
        "item": {"items": [
            {"item": {"id": books.items["TEE-BLK-M"]}, "quantity": 3, "rate": D("3.33"), "taxCode": {"id": "101"}},
            {"item": {"id": books.items["TEE-BLK-L"]}, "quantity": 2, "rate": D("12.50"), "taxCode": {"id": "102"}},
            {"item": {"id": books.items["TEE-WHT-S"]}, "quantity": 1, "rate": D("7.77"), "taxCode": {"id": "101"}},
            {"item": {"id": discounts["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-1.00"), "taxCode": {"id": "101"}},
        ]}})).id
    await books.link(placed, so)
    sales_order = await books.ns.get("salesOrder", so)
    # tax 2.00 + 1.25 + 1.55 - 0.20 + 1.00 on shipping; 9.99 + 25.00 + 7.77 - 1.00 + 4.99 + 5.60
    assert (d(sales_order["taxTotal"]), d(sales_order["total"])) == (D("5.60"), D("52.35"))
    lines = await books.goods_lines(so)
    outcomes, made = [], []
    for quantities in ({lines[0]: 1, lines[1]: 1}, {lines[0]: 1, lines[2]: 1}, {lines[0]: 1, lines[1]: 1}):
        f = await books.fulfil(so, placed.order_id, quantities)
        outcomes.append(await invoices.handle(books.pool, books.ns, f))
        made.append(f.ns_id)
    assert outcomes == ["invoiced (partial)", "invoiced (partial)", "invoiced (last)"]

    invoiced = [await books.ns.get("invoice", r["id"], expand=True) for r in await books.records("invoice")]
    assert sorted(i["externalId"] for i in invoiced) == sorted(f"BC-INV-{STORE}-{placed.order_id}-{k}" for k in made)
    assert all(x.get("tax1Amt") is not None for i in invoiced for x in i["item"]["items"]), "tax follows the lines"
    assert sum(d(i["taxTotal"]) for i in invoiced) == d(sales_order["taxTotal"])
    assert sum(d(i["total"]) for i in invoiced) == d(sales_order["total"]), "to the cent"
    discount = [x for i in invoiced for x in i["item"]["items"] if x["item"]["id"] == discounts["BC-DISCOUNT"]]
    assert sum(d(x["amount"]) for x in discount) == D("-1.00"), "the discount is spread and adds up"
    stored = await cash_store.invoices(books.pool, STORE, placed.order_id)
    assert [i.status for i in stored] == ["created"] * 3
    assert sum(i.total or 0 for i in stored) == d(sales_order["total"])
    assert (await books.ns.get("salesOrder", so))["status"]["id"] == "G", "billed in full"
