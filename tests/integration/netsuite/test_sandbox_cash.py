"""The sandbox's money in, over real HTTP with o2c's NetSuiteClient: the chart of accounts, customer deposits,
invoices billed from partly shipped sales orders (line tax, legacy tax, SuiteTax), deposit applications,
journal entries and the SuiteQL o2c reads them with."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from connectors.http import PermanentError
from connectors.netsuite import NetSuiteClient
from connectors.netsuite.sandbox import accounts


async def _items(admin) -> dict[str, str]:
    found: dict[str, str] = {}
    for record_type in ("inventoryItem", "discountItem", "serviceItem"):
        found.update({r["itemId"]: r["id"] for r in (await admin.get(f"/__sandbox/records/{record_type}")).json()})
    return found


async def _ship(client: NetSuiteClient, so: str, *lines: tuple[int, int]) -> None:
    wanted = {line: quantity for line, quantity in lines}
    order = await client.get("salesOrder", so, expand=True)
    items = [{"orderLine": x["line"], "quantity": wanted[x["line"]]} if x["line"] in wanted
             else {"orderLine": x["line"], "itemReceive": False}  # also lines with nothing left to ship
             for x in order["item"]["items"] if x["itemType"]["id"] == "InvtPart"]
    await client.transform("salesOrder", so, "itemFulfillment", {"item": {"items": items}})


def _d(value: Any) -> D:
    return D(str(value))


async def _line_tax_order(client: NetSuiteClient, admin, external_id: str = "BC-SO-cash-1") -> str:
    """3 × 3.33, a 10% discount line and a 20% VAT service line, 4.99 shipping: 15.78 in GBP."""
    items = await _items(admin)
    if "VAT" not in items:
        items["VAT"] = (await client.create("serviceItem", {"itemId": "VAT", "displayName": "VAT"})).id
    so = await client.upsert("salesOrder", external_id, {
        "entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "3"}, "shippingCost": D("4.99"),
        "item": {"items": [
            {"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": D("3.33")},
            {"item": {"id": items["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-1.00")},
            {"item": {"id": items["VAT"]}, "quantity": 1, "amount": D("1.80")},
        ]}})
    return so.id


async def test_chart_of_accounts_has_fixed_ids(client: NetSuiteClient):
    stripe = await client.get("account", accounts.STRIPE_CLEARING)
    assert (stripe["acctNumber"], stripe["acctName"], stripe["acctType"]["id"], stripe["isInactive"]) == (
        "1010", "Stripe clearing", "Bank", False)
    rows = [r async for r in client.suiteql("SELECT id, accttype, sspecacct FROM account")]
    assert sorted(r["id"] for r in rows) == sorted(a[0] for a in accounts.CHART)
    assert {r["id"]: r.get("sspecacct") for r in rows}[accounts.UNDEPOSITED_FUNDS] == "UndepFunds"
    assert {r["id"]: r["accttype"] for r in rows}[accounts.PAYOUT_ADJUSTMENTS] == "OthExpense"


async def test_deposit_for_a_sales_order(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    body = {"customer": {"id": "101"}, "salesOrder": {"id": so}, "payment": D("15.78"), "undepFunds": False,
            "account": {"id": accounts.STRIPE_CLEARING}, "currency": {"id": "3"}, "tranDate": "2026-12-01",
            "memo": "Stripe ch_1", "paymentOption": {"id": "1"}}
    first = await client.upsert("customerDeposit", "BC-DEP-1", body)
    again = await client.upsert("customerDeposit", "BC-DEP-1", body)
    assert again.id == first.id
    deposit = await client.get("customerDeposit", first.id)
    assert deposit["status"] == {"id": "B", "refName": "Deposited"}
    assert (deposit["total"], deposit["_unapplied"], deposit["account"]["refName"]) == (
        D("15.78"), D("15.78"), "1010 Stripe clearing")
    assert deposit["currency"]["id"] == "3" and deposit["tranId"].startswith("DEP")
    undeposited = await client.create("customerDeposit", {"customer": {"id": "101"}, "salesOrder": {"id": so},
                                                          "payment": 1, "undepFunds": True})
    record = await client.get("customerDeposit", undeposited.id)
    assert record["status"]["id"] == "A" and record["account"]["id"] == accounts.UNDEPOSITED_FUNDS
    assert record["currency"]["id"] == "3"  # the order's
    rows = [r async for r in client.suiteql(
        "SELECT id, externalid, foreigntotal, status FROM transaction WHERE type = 'CustDep' AND entity = ? "
        "ORDER BY id", ["101"])]
    assert [(r["id"], r.get("externalid"), r["foreigntotal"], r["status"]) for r in rows] == [
        (first.id, "BC-DEP-1", "15.78", "B"), (undeposited.id, None, "1", "A")]


async def test_refused_deposits(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    inactive = (await admin.post("/__sandbox/records/account", json={
        "acctNumber": "1099", "acctName": "Old bank", "acctType": {"id": "Bank"}, "isInactive": True})).json()["id"]
    good = {"customer": {"id": "101"}, "salesOrder": {"id": so}, "payment": 5, "undepFunds": False,
            "account": {"id": accounts.STRIPE_CLEARING}}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"payment": 0}, "USER_ERROR", "must be greater than 0"),
        ({"payment": -5}, "USER_ERROR", "must be greater than 0"),
        ({"account": None}, "USER_ERROR", "Please enter value(s) for: Account"),
        ({"account": {"id": inactive}}, "INVALID_CONTENT", f"Invalid account reference key {inactive}"),
        ({"account": {"id": accounts.STRIPE_FEES}}, "INVALID_CONTENT", "Invalid account reference key 5010"),
        ({"customer": {"id": "102"}}, "USER_ERROR", "is not an order of customer 102"),
        ({"currency": {"id": "1"}}, "USER_ERROR", "must be the currency of sales order"),
    ]
    for change, code, text in cases:
        body = {k: v for k, v in {**good, **change}.items() if v is not None}
        with pytest.raises(PermanentError) as refused:
            await client.create("customerDeposit", body)
        assert refused.value.code == code, change
        assert text in str(refused.value), (change, str(refused.value))
    with pytest.raises(PermanentError) as unknown:  # REST's customerDeposit has paymentOption, not paymentMethod
        await client.create("customerDeposit", {**good, "paymentMethod": {"id": "1"}})
    assert unknown.value.code == "NONEXISTENT_FIELD"
    await admin.patch(f"/__sandbox/records/salesOrder/{so}", json={"status": {"id": "C"}})
    with pytest.raises(PermanentError, match="it is cancelled"):
        await client.create("customerDeposit", good)
    assert (await admin.get("/__sandbox/records/customerDeposit")).json() == []


async def test_two_shipments_invoiced_twice_add_up_to_the_order(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    assert (await client.get("salesOrder", so))["total"] == D("15.78")
    await _ship(client, so, (1, 2))
    body = {"externalId": "BC-INV-cash-1-a", "tranDate": "2026-12-01", "memo": "shipment 1", "item": {"items": [
        {"orderLine": 1, "quantity": 2},
        {"orderLine": 2, "quantity": "0.666667", "amount": D("-0.67")},
        {"orderLine": 3, "quantity": "0.666667", "amount": D("1.20")}]}}
    first = await client.transform("salesOrder", so, "invoice", body)
    retried = await client.transform("salesOrder", so, "invoice", body)  # the same invoice, not a second one
    assert retried.id == first.id and retried.already_existed
    a = await client.get("invoice", first.id, expand=True)
    assert [(x["orderLine"], x["amount"]) for x in a["item"]["items"]] == [
        (1, D("6.66")), (2, D("-0.67")), (3, D("1.20"))]
    assert (a["shippingCost"], a["total"], a["amountRemaining"], a["status"]["id"], a["memo"]) == (
        D("4.99"), D("12.18"), D("12.18"), "A", "shipment 1")
    await _ship(client, so, (1, 1))
    second = await client.transform("salesOrder", so, "invoice", {"externalId": "BC-INV-cash-1-b"})
    b = await client.get("invoice", second.id, expand=True)
    assert [(x["orderLine"], x["amount"]) for x in b["item"]["items"]] == [
        (1, D("3.33")), (2, D("-0.33")), (3, D("0.60"))]
    assert "shippingCost" not in b  # shipping went on the first invoice
    assert a["total"] + b["total"] == D("15.78")
    order = await client.get("salesOrder", so)
    assert order["status"]["id"] == "G"
    rows = [r async for r in client.suiteql(
        "SELECT id, tranid, externalid, foreigntotal, foreignamountremaining, status FROM transaction "
        "WHERE type = 'CustInvc' AND createdfrom = ? ORDER BY id", [so])]
    assert [(r["id"], r["externalid"], r["foreigntotal"], r["foreignamountremaining"], r["status"]) for r in rows] == [
        (first.id, "BC-INV-cash-1-a", "12.18", "12.18", "A"), (second.id, "BC-INV-cash-1-b", "3.60", "3.60", "A")]
    with pytest.raises(PermanentError, match="no lines left"):
        await client.transform("salesOrder", so, "invoice", {"externalId": "BC-INV-cash-1-c"})


async def test_line_skipped_and_amount_bounded(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    await _ship(client, so, (1, 3))
    with pytest.raises(PermanentError, match="more than its unbilled amount"):
        await client.transform("salesOrder", so, "invoice", {"item": {"items": [
            {"orderLine": 3, "quantity": "0.5", "amount": D("2.00")}]}})
    first = await client.transform("salesOrder", so, "invoice", {"item": {"items": [
        {"orderLine": 2, "itemReceive": False}, {"orderLine": 3, "itemReceive": False}]}})
    a = await client.get("invoice", first.id, expand=True)
    assert [x["orderLine"] for x in a["item"]["items"]] == [1]
    assert a["total"] == D("9.99") + D("4.99")
    second = await client.transform("salesOrder", so, "invoice", {"shippingCost": 0})
    b = await client.get("invoice", second.id, expand=True)
    assert [(x["orderLine"], x["amount"]) for x in b["item"]["items"]] == [(2, D("-1.00")), (3, D("1.80"))]
    assert a["total"] + b["total"] == D("15.78")


async def test_legacy_tax_invoices_and_deposit_applications(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"tax_engine": "legacy"})
    items = await _items(admin)
    so = (await client.upsert("salesOrder", "BC-SO-cash-legacy", {
        "entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "3"}, "shippingCost": D("4.99"),
        "shippingTaxCode": {"id": "101"},
        "item": {"items": [
            {"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": D("3.33"), "taxCode": {"id": "101"}},
            {"item": {"id": items["TEE-BLK-L"]}, "quantity": 1, "rate": D("12.50"), "taxCode": {"id": "102"}},
            {"item": {"id": items["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-1.00"), "taxCode": {"id": "101"}},
        ]}})).id
    order = await client.get("salesOrder", so)
    assert (order["taxTotal"], order["total"]) == (D("3.43"), D("29.91"))  # 2.00 + 0.63 - 0.20 + 1.00 shipping
    await _ship(client, so, (1, 1), (2, 1))
    first = await client.transform("salesOrder", so, "invoice", {"externalId": "BC-INV-legacy-a", "item": {"items": [
        {"orderLine": 3, "quantity": "0.25", "amount": D("-0.25")}]}})
    a = await client.get("invoice", first.id, expand=True)
    assert [(x["orderLine"], x["amount"], x["tax1Amt"]) for x in a["item"]["items"]] == [
        (1, D("3.33"), D("0.67")), (2, D("12.50"), D("0.63")), (3, D("-0.25"), D("-0.05"))]
    assert (a["shippingTaxAmount"], a["taxTotal"], a["total"]) == (D("1.00"), D("2.25"), D("22.82"))
    await _ship(client, so, (1, 2))
    second = await client.transform("salesOrder", so, "invoice", {  # line 2 has nothing left: skipping it is a no-op
        "externalId": "BC-INV-legacy-b", "item": {"items": [{"orderLine": 2, "itemReceive": False}]}})
    b = await client.get("invoice", second.id, expand=True)
    assert [(x["orderLine"], x["amount"], x["tax1Amt"]) for x in b["item"]["items"]] == [
        (1, D("6.66"), D("1.33")), (3, D("-0.75"), D("-0.15"))]
    assert "shippingTaxAmount" not in b
    assert a["taxTotal"] + b["taxTotal"] == order["taxTotal"]
    assert a["total"] + b["total"] == order["total"]

    dep = (await client.create("customerDeposit", {"customer": {"id": "101"}, "salesOrder": {"id": so},
                                                    "payment": 10, "externalId": "BC-DEP-legacy"})).id
    apply_a = {"doc": {"id": first.id}, "apply": True, "amount": 12}
    with pytest.raises(PermanentError, match="over-applied"):
        await client.transform("customerDeposit", dep, "depositApplication", {"apply": {"items": [apply_a]}})
    with pytest.raises(PermanentError, match="must be greater than 0"):
        await client.transform("customerDeposit", dep, "depositApplication",
                               {"apply": {"items": [{**apply_a, "amount": 0}]}})
    with pytest.raises(PermanentError, match=r"its amount remaining is 7\.09"):
        await client.transform("customerDeposit", dep, "depositApplication",
                               {"apply": {"items": [{**apply_a, "doc": {"id": second.id}, "amount": D("7.10")}]}})
    applied = await client.transform("customerDeposit", dep, "depositApplication", {
        "externalId": "BC-DA-legacy-1", "tranDate": "2026-12-02", "apply": {"items": [{**apply_a, "amount": 10}]}})
    again = await client.transform("customerDeposit", dep, "depositApplication", {
        "externalId": "BC-DA-legacy-1", "apply": {"items": [{**apply_a, "amount": 10}]}})
    assert again.id == applied.id and again.already_existed
    application = await client.get("depositApplication", applied.id, expand=True)
    assert (application["deposit"]["id"], application["applied"], application["unapplied"]) == (dep, D(10), D(0))
    assert application["tranId"].startswith("DA")
    assert application["apply"]["items"][0]["doc"]["id"] == first.id
    deposit = await client.get("customerDeposit", dep)
    assert (deposit["status"]["id"], deposit["_applied"], deposit["_unapplied"]) == ("C", D(10), D(0))
    invoice = await client.get("invoice", first.id)
    assert (invoice["amountPaid"], invoice["amountRemaining"], invoice["status"]["id"]) == (D(10), D("12.82"), "A")
    with pytest.raises(PermanentError, match="fully applied"):
        await client.transform("customerDeposit", dep, "depositApplication", {"apply": {"items": [apply_a]}})
    other = (await client.create("customerDeposit", {"customer": {"id": "102"}, "payment": 5})).id
    with pytest.raises(PermanentError, match="not an invoice of customer 102"):
        await client.transform("customerDeposit", other, "depositApplication", {"apply": {"items": [apply_a]}})
    with pytest.raises(PermanentError, match="only by a transform"):
        await client.create("depositApplication", {"deposit": {"id": dep}, "apply": {"items": [apply_a]}})
    listed = (await admin.get("/__sandbox/records/depositApplication")).json()
    assert [r["id"] for r in listed] == [applied.id]


async def test_deposit_applied_to_the_invoice_leaves_nothing_due(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    await _ship(client, so, (1, 3))
    invoice_id = (await client.transform("salesOrder", so, "invoice", {"externalId": "BC-INV-cash-full"})).id
    dep = (await client.upsert("customerDeposit", "BC-DEP-full", {
        "customer": {"id": "101"}, "salesOrder": {"id": so}, "payment": D("20.00"), "undepFunds": False,
        "account": {"id": accounts.PAYPAL_CLEARING}})).id
    await client.transform("customerDeposit", dep, "depositApplication", {
        "externalId": "BC-DA-full", "apply": {"items": [{"doc": {"id": invoice_id}, "apply": True,
                                                          "amount": D("15.78")}]}})
    invoice = await client.get("invoice", invoice_id)
    assert (invoice["amountRemaining"], invoice["status"]) == (D(0), {"id": "B", "refName": "Paid In Full"})
    deposit = await client.get("customerDeposit", dep)
    assert (deposit["status"]["id"], deposit["_unapplied"]) == ("D", D("4.22"))
    with pytest.raises(PermanentError, match="its amount remaining is 0"):  # applied again
        await client.transform("customerDeposit", dep, "depositApplication", {
            "apply": {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": D("0.01")}]}})
    (row,) = [r async for r in client.suiteql(
        "SELECT foreignamountremaining, status FROM transaction WHERE id = ?", [invoice_id])]
    assert row == {"foreignamountremaining": "0", "status": "B"}


async def test_suitetax_invoices_follow_the_order_details(client: NetSuiteClient, admin):
    items = await _items(admin)
    so = (await client.upsert("salesOrder", "BC-SO-cash-suitetax", {
        "entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "3"}, "shippingCost": D("4.99"),
        "taxDetailsOverride": True, "taxDetails": {"items": [
            {"taxDetailsReference": "o2c-1", "lineType": "Item", "taxCode": {"id": "101"}, "taxBasis": D("9.99"),
             "taxAmount": D("2.00")},
            {"taxDetailsReference": "o2c-shipping", "lineType": "Shipping", "taxCode": {"id": "101"},
             "taxBasis": D("4.99"), "taxAmount": D("1.00")}]},
        "item": {"items": [{"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": D("3.33"),
                            "taxDetailsReference": "o2c-1"}]}})).id
    order = await client.get("salesOrder", so)
    assert order["total"] == D("17.98")
    totals, taxes = D(0), D(0)
    for shipped in (1, 2):
        await _ship(client, so, (1, shipped))
        invoice = await client.get("invoice", (await client.transform("salesOrder", so, "invoice")).id, expand=True)
        totals += invoice["total"]
        taxes += invoice["taxTotal"]
        details = [(d["taxDetailsReference"], d["taxBasis"], d["taxAmount"]) for d in invoice["taxDetails"]["items"]]
        if shipped == 1:
            assert details == [("o2c-1", D("3.33"), D("0.67")), ("o2c-shipping", D("4.99"), D("1.00"))]
        else:
            assert details == [("o2c-1", D("6.66"), D("1.33"))]
    assert (totals, taxes) == (order["total"], order["taxTotal"])


async def test_journal_entries(client: NetSuiteClient, admin):
    payout_lines: list[dict[str, Any]] = [
        {"account": {"id": accounts.OPERATING_BANK}, "debit": D("95.00"), "memo": "net"},
        {"account": {"id": accounts.STRIPE_FEES}, "debit": D("5.00"), "memo": "fees"},
        {"account": {"id": accounts.STRIPE_CLEARING}, "credit": D("100.00"), "memo": "gross"}]
    payout: dict[str, Any] = {"subsidiary": {"id": "1"}, "currency": {"id": "1"}, "tranDate": "2026-12-02",
                              "memo": "Stripe po_1", "line": {"items": payout_lines}}
    # An upsert of an existing entry merges its lines as any update does: replace them to repeat it safely.
    first = await client.upsert("journalEntry", "BC-JE-po_1", payout, replace=["line"])
    again = await client.upsert("journalEntry", "BC-JE-po_1", payout, replace=["line"])
    created = await client.create("journalEntry", {**payout, "externalId": "BC-JE-po_1"})
    assert again.id == first.id == created.id and created.already_existed
    entry = await client.get("journalEntry", first.id, expand=True)
    assert [(x["account"]["refName"], x.get("debit"), x.get("credit"), x["memo"]) for x in entry["line"]["items"]] == [
        ("1000 Operating bank", D(95), None, "net"), ("5010 Stripe fees", D(5), None, "fees"),
        ("1010 Stripe clearing", None, D(100), "gross")]
    journals = [r for r in (await admin.get("/__sandbox/records/journalEntry")).json()
                if r.get("externalId") == "BC-JE-po_1"]
    assert len(journals) == 1

    def changed(index: int, **line: Any) -> dict[str, Any]:
        lines = [dict(x) for x in payout_lines]
        lines[index] = {k: v for k, v in {**lines[index], **line}.items() if v is not None}
        return {**payout, "line": {"items": lines}}

    cases: list[tuple[dict[str, Any], str, str]] = [
        (changed(1, account={"id": "9999"}), "INVALID_CONTENT", "Invalid account reference key 9999"),
        (changed(1, debit=D(5), credit=D(5)), "USER_ERROR", "not both"),
        (changed(1, debit=None), "USER_ERROR", "Please enter value(s) for: Debit or Credit"),
        (changed(1, debit=D(-5)), "USER_ERROR", "cannot be negative"),
        (changed(1, debit=D("5.01")), "USER_ERROR", "total debits must equal the total credits"),
        ({**payout, "subsidiary": {"id": "9"}}, "INVALID_CONTENT", "for the following field: subsidiary"),
        ({**payout, "currency": {"id": "99"}}, "INVALID_CONTENT", "for the following field: currency"),
    ]
    for body, code, text in cases:
        with pytest.raises(PermanentError) as refused:
            await client.create("journalEntry", body)
        assert refused.value.code == code and text in str(refused.value), str(refused.value)


async def test_deletes_give_amounts_and_quantities_back(client: NetSuiteClient, admin):
    so = await _line_tax_order(client, admin)
    await _ship(client, so, (1, 3))
    invoice_id = (await client.transform("salesOrder", so, "invoice")).id
    dep = (await client.create("customerDeposit", {"customer": {"id": "101"}, "salesOrder": {"id": so},
                                                    "payment": D("15.78")})).id
    application = (await client.transform("customerDeposit", dep, "depositApplication", {
        "apply": {"items": [{"doc": {"id": invoice_id}, "apply": True}]}})).id  # amount: all both sides allow
    assert (await client.get("invoice", invoice_id))["status"]["id"] == "B"
    for record_type, record_id in (("invoice", invoice_id), ("customerDeposit", dep)):
        with pytest.raises(PermanentError, match="dependent records"):
            await client.delete(record_type, record_id)
    await client.delete("depositApplication", application)
    invoice = await client.get("invoice", invoice_id)
    assert (invoice["amountRemaining"], invoice["status"]["id"]) == (D("15.78"), "A")
    assert (await client.get("customerDeposit", dep))["status"]["id"] == "A"
    await client.delete("invoice", invoice_id)
    order = await client.get("salesOrder", so, expand=True)
    assert order["status"]["id"] == "F"  # pending billing again
    assert [x["quantityBilled"] for x in order["item"]["items"]] == [0, 0, 0]
    again = await client.get("invoice", (await client.transform("salesOrder", so, "invoice")).id)
    assert again["total"] == D("15.78") and again["shippingCost"] == D("4.99")
