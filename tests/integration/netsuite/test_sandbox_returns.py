"""The sandbox's money back, over real HTTP with o2c's NetSuiteClient: return authorisations from shipped lines,
item receipts into stock, credit memos (with added lines and tax), customer refunds from credit memos and
deposits, sales order line edits (close, reduce, add), record-changed faults on transforms, and the SuiteQL
o2c finds the documents with."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from connectors.http import PermanentError
from connectors.netsuite import NetSuiteClient
from connectors.netsuite.errors import RecordChangedError
from connectors.netsuite.models import id_from_location
from connectors.netsuite.sandbox import accounts
from connectors.netsuite.transport import RECORD


async def _items(client: NetSuiteClient, admin) -> dict[str, str]:
    found: dict[str, str] = {}
    for record_type in ("inventoryItem", "discountItem", "serviceItem"):
        found.update({r["itemId"]: r["id"] for r in (await admin.get(f"/__sandbox/records/{record_type}")).json()})
    if "SHIPPING" not in found:
        found["SHIPPING"] = (await client.create("serviceItem", {"itemId": "SHIPPING", "displayName": "Ship"})).id
    return found


async def _ship(client: NetSuiteClient, so: str, *lines: tuple[int, int]) -> None:
    wanted = dict(lines)
    order = await client.get("salesOrder", so, expand=True)
    items = [{"orderLine": x["line"], "quantity": wanted[x["line"]]} if x["line"] in wanted
             else {"orderLine": x["line"], "itemReceive": False}
             for x in order["item"]["items"] if x["itemType"]["id"] == "InvtPart"]
    await client.transform("salesOrder", so, "itemFulfillment", {"item": {"items": items}})


async def _order(client: NetSuiteClient, admin, eid: str, *, location: bool = True, **extra: Any) -> str:
    """3 × TEE-BLK-M at 10, 2 × TEE-BLK-L at 12, a -2.00 discount line."""
    items = await _items(client, admin)
    body: dict[str, Any] = {"entity": {"id": "101"}, "item": {"items": [
        {"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": 10, "custcol_bc_order_product_id": 7,
         "description": "Tee M", **extra},
        {"item": {"id": items["TEE-BLK-L"]}, "quantity": 2, "rate": 12, "custcol_bc_order_product_id": 8, **extra},
        {"item": {"id": items["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-2.00")},
    ]}}
    if location:
        body["location"] = {"id": "1"}
    return (await client.upsert("salesOrder", eid, body)).id


async def _on_hand(client: NetSuiteClient, item: str, location: str) -> D:
    rows = [r async for r in client.suiteql(
        "SELECT quantityonhand, quantityavailable FROM aggregateitemlocation WHERE item = ? AND location = ?",
        [item, location])]
    return D(str(rows[0]["quantityonhand"])) if rows else D(0)


async def _transform_only(client: NetSuiteClient, source: str, source_id: str, target: str,
                          body: dict[str, Any]) -> str:
    """A transform with ``?replace=item``: only the lines the body names (return and credit memo lines have no
    ``itemReceive``; NetSuiteClient.transform sends no ``replace``)."""
    response = await client.request("POST", f"{RECORD}/{source}/{source_id}/!transform/{target}", label=target,
                                    params={"replace": "item"}, body=body, idempotent=False)
    found = id_from_location(response.headers.get("Location"))
    assert found is not None
    return found


def _lines(record: dict[str, Any]) -> list[dict[str, Any]]:
    return record["item"]["items"]


async def test_return_authorization_holds_only_shipped_goods(client: NetSuiteClient, admin):
    so = await _order(client, admin, "BC-SO-ret-1")
    await _ship(client, so, (1, 2), (2, 1))
    with pytest.raises(PermanentError) as no_such_field:  # return lines have no itemReceive
        await client.transform("salesOrder", so, "returnAuthorization", {
            "item": {"items": [{"orderLine": 1, "quantity": 1}, {"orderLine": 2, "itemReceive": False}]}})
    assert no_such_field.value.code == "NONEXISTENT_FIELD"
    ra = await _transform_only(client, "salesOrder", so, "returnAuthorization", {
        "externalId": "BC-RA-1", "item": {"items": [{"orderLine": 1, "quantity": 1}]}})
    record = await client.get("returnAuthorization", ra, expand=True)
    (line,) = _lines(record)
    assert (line["orderLine"], line["quantity"], line["rate"], line["amount"]) == (1, 1, 10, 10)
    assert (line["custcol_bc_order_product_id"], line["description"], record["location"]["id"]) == (7, "Tee M", "1")
    assert record["status"] == {"id": "B", "refName": "Pending Receipt"}
    assert (record["total"], record["createdFrom"]["id"], record["externalId"]) == (10, so, "BC-RA-1")
    order = await client.get("salesOrder", so, expand=True)
    assert [x.get("quantityReturned", 0) for x in _lines(order)] == [1, 0, 0]
    # Lines not mentioned take what is left to return (1 of line 1, 1 of line 2); the discount never comes back.
    second = await client.get("returnAuthorization", (await client.transform(
        "salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-2"})).id, expand=True)
    assert [(x["orderLine"], x["quantity"]) for x in _lines(second)] == [(1, 1), (2, 1)]
    assert second["total"] == 22
    with pytest.raises(PermanentError) as nothing_left:
        await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-3"})
    assert "no lines left" in str(nothing_left.value)


async def test_more_than_shipped_cannot_be_returned(client: NetSuiteClient, admin):
    so = await _order(client, admin, "BC-SO-ret-2")
    await _ship(client, so, (1, 1))
    with pytest.raises(PermanentError) as error:
        await client.transform("salesOrder", so, "returnAuthorization",
                               {"item": {"items": [{"orderLine": 1, "quantity": 2}]}})
    assert error.value.code == "USER_ERROR" and "remaining quantity (1)" in str(error.value)


async def test_receipt_location_rules(client: NetSuiteClient, admin):
    items = await _items(client, admin)
    so = await _order(client, admin, "BC-SO-ret-4", location=False)
    await client.patch("salesOrder", so, {"location": {"id": "1"}})
    await _ship(client, so, (1, 2))
    await client.patch("salesOrder", so, {"location": None})
    ra = (await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-4"})).id
    assert "location" not in await client.get("returnAuthorization", ra)
    receipt = {"item": {"items": [{"orderLine": 1, "quantity": 1}]}}
    with pytest.raises(PermanentError) as missing:
        await client.transform("returnAuthorization", ra, "itemReceipt", {"externalId": "BC-IR-4", **receipt})
    assert missing.value.code == "USER_ERROR" and "Please enter value(s) for: Location" in str(missing.value)
    with pytest.raises(PermanentError) as unknown:
        await client.transform("returnAuthorization", ra, "itemReceipt",
                               {"externalId": "BC-IR-4", "location": {"id": "999"}, **receipt})
    assert unknown.value.code == "INVALID_CONTENT"
    before = await _on_hand(client, items["TEE-BLK-M"], "2")
    done = await client.transform("returnAuthorization", ra, "itemReceipt", {
        "externalId": "BC-IR-4", "location": {"id": "1"},
        "item": {"items": [{"orderLine": 1, "quantity": 1, "location": {"id": "2"}}]}})
    assert await _on_hand(client, items["TEE-BLK-M"], "2") == before + 1  # the line's location wins
    assert (await client.get("returnAuthorization", ra))["status"]["id"] == "D"  # 1 of 2 received
    await client.transform("returnAuthorization", ra, "itemReceipt",
                           {"externalId": "BC-IR-5", "location": {"id": "1"}})
    assert (await client.get("returnAuthorization", ra))["status"] == {"id": "F", "refName": "Pending Refund"}
    rows = [r async for r in client.suiteql(
        "SELECT id, externalid, type, status, foreigntotal, foreignamountremaining, createdfrom FROM transaction "
        "WHERE createdfrom = ? ORDER BY id", [ra])]
    assert [(r["id"], r["type"], r["externalid"]) for r in rows] == [
        (done.id, "ItemRcpt", "BC-IR-4"), (rows[1]["id"], "ItemRcpt", "BC-IR-5")]


async def test_credit_memo_from_a_return_with_added_lines_and_legacy_tax(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"tax_engine": "legacy"})
    items = await _items(client, admin)
    so = await _order(client, admin, "BC-SO-ret-5", taxCode={"id": "101"})
    order = await client.get("salesOrder", so, expand=True)
    assert [x.get("tax1Amt") for x in _lines(order)] == [6, D("4.80"), None]
    await _ship(client, so, (1, 3), (2, 2))
    ra = (await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-5"})).id
    record = await client.get("returnAuthorization", ra, expand=True)
    assert [(x["quantity"], x["tax1Amt"]) for x in _lines(record)] == [(3, 6), (2, D("4.80"))]
    assert (record["subtotal"], record["taxTotal"], record["total"]) == (54, D("10.80"), D("64.80"))
    cm = await _transform_only(client, "returnAuthorization", ra, "creditMemo", {
        "externalId": "BC-CM-5", "shippingCost": D("5.00"), "shippingTaxCode": {"id": "101"},
        "item": {"items": [
            {"orderLine": 1, "quantity": 2},
            {"item": {"id": items["SHIPPING"]}, "quantity": 1, "rate": D("3.00"), "taxCode": {"id": "101"},
             "description": "Return shipping"},
            {"item": {"id": items["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-1.00"), "description": "Goodwill"},
        ]}})
    memo = await client.get("creditMemo", cm, expand=True)
    assert [(x.get("orderLine"), x["amount"], x.get("tax1Amt")) for x in _lines(memo)] == [
        (1, 20, 4), (None, 3, D("0.60")), (None, -1, None)]
    assert (memo["subtotal"], memo["shippingCost"], memo["shippingTaxAmount"]) == (22, 5, 1)
    assert (memo["taxTotal"], memo["total"], memo["amountRemaining"]) == (D("5.60"), D("32.60"), D("32.60"))
    assert memo["status"] == {"id": "A", "refName": "Open"} and memo["entity"]["id"] == "101"
    record = await client.get("returnAuthorization", ra, expand=True)
    assert [x["quantityRefunded"] for x in _lines(record)] == [2, 0]
    with pytest.raises(PermanentError) as wrong_tax:
        await client.transform("returnAuthorization", ra, "creditMemo", {
            "item": {"items": [{"orderLine": 1, "quantity": 1, "tax1Amt": D("9.99")}]}})
    assert "does not match tax code" in str(wrong_tax.value)
    last = await client.transform("returnAuthorization", ra, "creditMemo", {"externalId": "BC-CM-6"})
    assert (await client.get("returnAuthorization", ra))["status"] == {"id": "G", "refName": "Refunded"}
    query = ("SELECT id, externalid, type, status, foreigntotal, foreignamountremaining, createdfrom FROM transaction "
             "WHERE createdfrom = ? ORDER BY id")
    rows = [r async for r in client.suiteql(query, [ra])]
    assert [(r["id"], r["type"], r["status"], D(str(r["foreignamountremaining"]))) for r in rows] == [
        (cm, "CustCred", "A", D("32.60")), (last.id, "CustCred", "A", D("40.80"))]
    rows = [r async for r in client.suiteql(query, [so])]
    assert [(r["type"], r["externalid"], r["status"], D(str(r["foreigntotal"]))) for r in rows if r["type"] !=
            "ItemShip"] == [("RtnAuth", "BC-RA-5", "G", D("64.80"))]


async def test_credit_memo_under_suitetax_computes_details(client: NetSuiteClient, admin):
    items = await _items(client, admin)
    cm = await client.create("creditMemo", {"entity": {"id": "101"}, "externalId": "BC-CM-st", "item": {"items": [
        {"item": {"id": items["TEE-BLK-M"]}, "quantity": 2, "rate": 10, "taxCode": {"id": "101"}}]}})
    memo = await client.get("creditMemo", cm.id, expand=True)
    assert [(d["taxBasis"], d["taxAmount"]) for d in memo["taxDetails"]["items"]] == [(20, 4)]
    assert (memo["taxTotal"], memo["total"]) == (4, 24)
    override: dict[str, Any] = {"entity": {"id": "101"}, "taxDetailsOverride": True, "item": {"items": [
        {"item": {"id": items["TEE-BLK-M"]}, "quantity": 1, "rate": 10, "taxDetailsReference": "r1"}]},
        "taxDetails": {"items": [{"taxDetailsReference": "r1", "lineType": "Item", "taxCode": {"id": "101"},
                                  "taxBasis": 10, "taxAmount": 2}]}}
    assert (await client.get("creditMemo", (await client.create("creditMemo", override)).id))["total"] == 12
    override["taxDetails"]["items"][0]["taxAmount"] = 5
    with pytest.raises(PermanentError):
        await client.create("creditMemo", override)


async def test_standalone_credit_memo_needs_a_customer_and_upserts(client: NetSuiteClient, admin):
    items = await _items(client, admin)
    body = {"item": {"items": [{"item": {"id": items["SHIPPING"]}, "quantity": 1, "amount": D("4.99"),
                                "description": "Shipping refund"}]}}
    with pytest.raises(PermanentError) as no_customer:
        await client.create("creditMemo", body)
    assert "Please enter value(s) for: Customer" in str(no_customer.value)
    # without ?replace=item an upsert adds its unkeyed lines again (sublist merge): o2c replaces them
    first = await client.upsert("creditMemo", "BC-CM-ship-1", {"entity": {"id": "101"}, **body}, replace=["item"])
    again = await client.upsert("creditMemo", "BC-CM-ship-1", {"entity": {"id": "101"}, **body}, replace=["item"])
    assert again.id == first.id
    memo = await client.get("creditMemo", first.id, expand=True)
    assert (len(_lines(memo)), memo["total"], memo["amountRemaining"]) == (1, D("4.99"), D("4.99"))
    invoice_memo = await _invoice_credit(client, admin)
    assert invoice_memo["total"] == 10


async def _invoice_credit(client: NetSuiteClient, admin) -> dict[str, Any]:
    so = await _order(client, admin, "BC-SO-ret-inv")
    await _ship(client, so, (1, 1))
    invoice = await client.transform("salesOrder", so, "invoice", {
        "item": {"items": [{"orderLine": 1, "quantity": 1}, {"orderLine": 3, "itemReceive": False}]}})
    cm = await client.transform("invoice", invoice.id, "creditMemo", {})
    return await client.get("creditMemo", cm.id)


async def _credit(client: NetSuiteClient, admin, eid: str, amount: str) -> str:
    items = await _items(client, admin)
    return (await client.upsert("creditMemo", eid, {"entity": {"id": "101"}, "item": {"items": [
        {"item": {"id": items["SHIPPING"]}, "quantity": 1, "amount": D(amount)}]}})).id


async def test_customer_refund_of_credit_memos_and_deposits(client: NetSuiteClient, admin):
    cm = await _credit(client, admin, "BC-CM-r1", "30.00")
    so = await _order(client, admin, "BC-SO-ret-6")
    dep = (await client.upsert("customerDeposit", "BC-DEP-r1", {
        "customer": {"id": "101"}, "salesOrder": {"id": so}, "payment": D("20.00"), "undepFunds": False,
        "account": {"id": accounts.STRIPE_CLEARING}})).id
    base = {"customer": {"id": "101"}, "account": {"id": accounts.STRIPE_CLEARING}, "paymentOption": {"id": "1"},
            "tranDate": "2026-12-02", "memo": "BC refund 1"}
    with pytest.raises(PermanentError) as too_much:
        await client.create("customerRefund", {**base, "apply": {"items": [
            {"doc": {"id": cm}, "apply": True, "amount": D("30.01")}]}})
    assert too_much.value.code == "USER_ERROR" and "only 30.00 is left" in str(too_much.value)
    with pytest.raises(PermanentError) as wrong_total:
        await client.create("customerRefund", {**base, "total": 11, "apply": {"items": [
            {"doc": {"id": cm}, "apply": True, "amount": 10}]}})
    assert "must equal" in str(wrong_total.value)
    with pytest.raises(PermanentError) as no_account:
        await client.create("customerRefund", {**base, "account": {"id": accounts.STRIPE_FEES},
                                               "apply": {"items": [{"doc": {"id": cm}, "apply": True, "amount": 1}]}})
    assert no_account.value.code == "INVALID_CONTENT"
    body = {**base, "total": D("25.00"), "apply": {"items": [{"doc": {"id": cm}, "apply": True, "amount": 10}]},
            "deposit": {"items": [{"doc": {"id": dep}, "apply": True, "amount": 15}]}}
    refund = await client.upsert("customerRefund", "BC-RF-1", body)
    assert (await client.upsert("customerRefund", "BC-RF-1", body)).id == refund.id  # a repeat takes nothing more
    record = await client.get("customerRefund", refund.id, expand=True)
    assert (record["total"], record["status"]["id"], record["account"]["id"]) == (25, "R", accounts.STRIPE_CLEARING)
    memo = await client.get("creditMemo", cm)
    assert (memo["applied"], memo["amountRemaining"], memo["status"]["id"]) == (10, 20, "A")
    deposit = await client.get("customerDeposit", dep)
    assert (deposit["_unapplied"], deposit["status"]["id"]) == (5, "D")
    with pytest.raises(PermanentError) as over_deposit:
        await client.create("customerRefund", {**base, "deposit": {"items": [
            {"doc": {"id": dep}, "apply": True, "amount": 6}]}})
    assert "only 5.00 is left" in str(over_deposit.value)
    rest = await client.transform("customerDeposit", dep, "customerRefund",
                                  {"externalId": "BC-RF-2", "account": {"id": accounts.STRIPE_CLEARING}})
    assert (await client.get("customerRefund", rest.id))["total"] == 5
    assert (await client.get("customerDeposit", dep))["status"] == {"id": "C", "refName": "Fully Applied"}
    full = await client.create("customerRefund", {**base, "apply": {"items": [{"doc": {"id": cm}, "apply": True}]}})
    assert (await client.get("creditMemo", cm))["status"] == {"id": "B", "refName": "Fully Applied"}
    with pytest.raises(PermanentError):
        await client.delete("creditMemo", cm)  # refunded
    await client.delete("customerRefund", full.id)
    await client.delete("customerRefund", refund.id)
    memo = await client.get("creditMemo", cm)
    assert (memo["amountRemaining"], memo["status"]["id"]) == (30, "A")
    assert (await client.get("customerDeposit", dep))["_unapplied"] == 15
    rows = [r async for r in client.suiteql(
        "SELECT id, externalid, type, status, foreigntotal, createdfrom FROM transaction WHERE createdfrom = ?",
        [dep])]
    assert [(r["type"], r["externalid"], r["status"]) for r in rows] == [("CustRfnd", "BC-RF-2", "R")]


async def test_order_lines_close_reduce_and_add(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"tax_engine": "legacy"})
    items = await _items(client, admin)
    so = await _order(client, admin, "BC-SO-ret-7", taxCode={"id": "101"})
    await _ship(client, so, (1, 2))
    with pytest.raises(PermanentError) as below:
        await client.patch("salesOrder", so, {"item": {"items": [{"line": 1, "quantity": 1}]}})
    assert below.value.code == "USER_ERROR" and "already been fulfilled" in str(below.value)
    await client.patch("salesOrder", so, {"item": {"items": [
        {"line": 1, "quantity": 2}, {"line": 2, "isClosed": True},
        {"item": {"id": items["BC-DISCOUNT"]}, "quantity": 1, "amount": D("-0.50"), "description": "Adjustment"}]}})
    order = await client.get("salesOrder", so, expand=True)
    assert [(x["line"], x["amount"], x.get("tax1Amt")) for x in _lines(order)] == [
        (1, 20, 4), (2, 24, D("4.80")), (3, -2, None), (4, D("-0.50"), None)]
    assert order["status"]["id"] == "F"  # the open goods are all shipped
    with pytest.raises(PermanentError):
        await client.transform("salesOrder", so, "itemFulfillment", {})  # nothing open: line 2 is closed
    await client.transform("salesOrder", so, "invoice", {"externalId": "BC-INV-7"})
    order = await client.get("salesOrder", so, expand=True)
    assert order["status"] == {"id": "G", "refName": "Billed"}
    assert [x["quantityBilled"] for x in _lines(order)] == [2, 0, 1, 1]
    other = await _order(client, admin, "BC-SO-ret-8")
    await client.patch("salesOrder", other, {"item": {"items": [{"line": n, "isClosed": True} for n in (1, 2, 3)]}})
    assert (await client.get("salesOrder", other))["status"] == {"id": "H", "refName": "Closed"}


async def test_record_changed_on_a_transform(client: NetSuiteClient, admin):
    so = await _order(client, admin, "BC-SO-ret-9")
    await _ship(client, so, (1, 1))
    await admin.post("/__sandbox/config", json={"record_changed_next": 1})
    with pytest.raises(RecordChangedError):
        await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-9"})
    ra = await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-9"})
    assert (await client.get("returnAuthorization", ra.id))["externalId"] == "BC-RA-9"
    again = await client.transform("salesOrder", so, "returnAuthorization", {"externalId": "BC-RA-9"})
    assert again.id == ra.id  # a repeat resolves by externalId
