"""The sandbox's sales orders over real HTTP: currencies, addresses, ship method, Multiple Shipping Routes,
and the two tax engines (SuiteTax with taxDetailsOverride, legacy line tax)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from connectors.http import PermanentError
from connectors.netsuite import NetSuiteClient

UK = {"addressee": "Ann Smith", "attention": "Goods in", "addr1": "1 High Street", "addr2": "Flat 2", "addr3": "",
      "city": "London", "state": "", "zip": "SW1A 1AA", "country": {"id": "GB"}, "addrPhone": "+44 20 7946 0000"}


async def _items(admin) -> dict[str, str]:
    return {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}


def _lines(items: dict[str, str]) -> list[dict[str, Any]]:
    return [{"item": {"id": items["TEE-BLK-M"]}, "quantity": 2, "rate": 50, "description": "Tee standard"},
            {"item": {"id": items["TEE-BLK-L"]}, "quantity": 1, "rate": 40, "description": "Tee reduced"},
            {"item": {"id": items["TEE-WHT-S"]}, "quantity": 1, "rate": 30, "description": "Tee zero"}]


def _suitetax_body(items: dict[str, str], codes: tuple[str, str, str] = ("101", "102", "103")) -> dict[str, Any]:
    lines = _lines(items)
    details = []
    for number, (line, code, basis, tax) in enumerate(zip(lines, codes, ("100", "40", "30"), ("20.00", "2.00", "0"),
                                                          strict=True), start=1):
        line["taxDetailsReference"] = f"o2c-{number}"
        details.append({"taxDetailsReference": f"o2c-{number}", "lineType": "Item", "lineName": line["description"],
                        "taxCode": {"id": code}, "taxBasis": D(basis), "taxAmount": D(tax)})
    details.append({"taxDetailsReference": "o2c-shipping", "lineType": "Shipping", "lineName": "Shipping",
                    "taxCode": {"id": "101"}, "taxBasis": D("10"), "taxRate": D("20"), "taxAmount": D("2.00")})
    return {"entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "3"}, "exchangeRate": D("1.27"),
            "shipMethod": {"id": "305"}, "shippingCost": D("10"), "taxDetailsOverride": True,
            "taxDetails": {"items": details}, "item": {"items": lines}}


async def test_currencies_and_tax_codes_have_fixed_ids(client: NetSuiteClient):
    currencies = [(r["id"], r["symbol"]) async for r in client.suiteql("SELECT id, symbol FROM currency ORDER BY id")]
    assert currencies == [("1", "USD"), ("2", "EUR"), ("3", "GBP"), ("4", "CAD")]
    codes = [(r["id"], r["itemid"], r.get("rate"))
             async for r in client.suiteql("SELECT id, itemid, rate FROM salestaxitem ORDER BY id")]
    assert [(i, n, None if r is None else D(str(r))) for i, n, r in codes] == [
        ("101", "VAT:S-GB", D(20)), ("102", "VAT:R-GB", D(5)), ("103", "VAT:Z-GB", D(0)), ("201", "US:SALES", None),
        ("202", "US:EXEMPT", D(0))]


async def test_uk_vat_order_under_suitetax_override(client: NetSuiteClient, admin):
    items = await _items(admin)
    so = await client.upsert("salesOrder", "BC-SO-vat-1", _suitetax_body(items))
    record = await client.get("salesOrder", so.id, expand=True)
    assert D(str(record["taxTotal"])) == D("24.00")
    assert D(str(record["total"])) == D("204.00")  # 170 + 10 shipping + 24 tax
    assert record["currency"]["id"] == "3" and D(str(record["exchangeRate"])) == D("1.27")
    assert [d["taxCode"]["id"] for d in record["taxDetails"]["items"]] == ["101", "102", "103", "101"]
    assert [x["taxDetailsReference"] for x in record["item"]["items"]] == ["o2c-1", "o2c-2", "o2c-3"]
    (row,) = [r async for r in client.suiteql(
        "SELECT currency, BUILTIN.DF(currency) cur, shipmethod, BUILTIN.DF(shipmethod) method, exchangerate, taxtotal "
        "FROM transaction WHERE id = ?", [so.id])]
    assert (row["currency"], row["cur"], row["shipmethod"], row["method"]) == (
        "3", "British pound", "305", "Royal Mail Tracked 24")
    assert (D(str(row["exchangerate"])), D(str(row["taxtotal"]))) == (D("1.27"), D("24.00"))


async def test_wrong_code_under_suitetax_is_refused(client: NetSuiteClient, admin):
    items = await _items(admin)
    with pytest.raises(PermanentError) as wrong:  # the 5% line sent with the standard rate
        await client.upsert("salesOrder", "BC-SO-vat-2", _suitetax_body(items, ("101", "101", "103")))
    assert wrong.value.code == "USER_ERROR"
    assert "does not match tax code VAT:S-GB (20%) on basis 40" in str(wrong.value)
    body = _suitetax_body(items)
    body["taxDetails"]["items"][3]["taxRate"] = D("5")
    with pytest.raises(PermanentError):
        await client.upsert("salesOrder", "BC-SO-vat-2", body)
    body = _suitetax_body(items)
    body["item"]["items"][0]["taxDetailsReference"] = "nowhere"
    with pytest.raises(PermanentError):
        await client.upsert("salesOrder", "BC-SO-vat-2", body)
    body = _suitetax_body(items)
    body["taxDetails"]["items"][0]["taxCode"] = {"id": "999"}
    with pytest.raises(PermanentError):
        await client.upsert("salesOrder", "BC-SO-vat-2", body)
    body = _suitetax_body(items)
    body["item"]["items"][0]["tax1Amt"] = D("20")
    with pytest.raises(PermanentError) as legacy:
        await client.upsert("salesOrder", "BC-SO-vat-2", body)
    assert "not available with SuiteTax" in str(legacy.value)


async def test_suitetax_without_override_computes_line_tax(client: NetSuiteClient, admin):
    items = await _items(admin)
    lines = _lines(items)
    for line, code in zip(lines, ("101", "102", "103"), strict=True):
        line["taxCode"] = {"id": code}
    so = await client.create("salesOrder", {"entity": {"id": "101"}, "location": {"id": "1"},
                                            "currency": {"id": "3"}, "item": {"items": lines}})
    record = await client.get("salesOrder", so.id, expand=True)
    assert [D(str(d["taxAmount"])) for d in record["taxDetails"]["items"]] == [D("20.00"), D("2.00"), D("0.00")]
    assert D(str(record["total"])) == D("192.00")


async def test_uk_vat_order_under_legacy_tax(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"tax_engine": "legacy"})
    items = await _items(admin)
    lines = _lines(items)
    for line, code, tax in zip(lines, ("101", "102", "103"), ("20.00", "2.00", None), strict=True):
        line["taxCode"] = {"id": code}
        if tax is not None:
            line["tax1Amt"] = D(tax)
    body = {"entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "3"}, "shippingCost": D("10"),
            "shippingTaxCode": {"id": "101"}, "shippingTaxAmount": D("2.00"), "item": {"items": lines}}
    so = await client.upsert("salesOrder", "BC-SO-leg-1", body)
    record = await client.get("salesOrder", so.id, expand=True)
    assert [D(str(x["tax1Amt"])) for x in record["item"]["items"]] == [D("20.00"), D("2.00"), D("0.00")]
    assert D(str(record["taxTotal"])) == D("24.00") and D(str(record["total"])) == D("204.00")
    wrong = {**body, "item": {"items": [{**lines[1], "taxCode": {"id": "101"}}]}}
    with pytest.raises(PermanentError) as refused:
        await client.upsert("salesOrder", "BC-SO-leg-2", wrong)
    assert "does not match tax code VAT:S-GB (20%)" in str(refused.value)
    with pytest.raises(PermanentError) as refused:
        await client.upsert("salesOrder", "BC-SO-leg-2", {**body, "shippingTaxAmount": D("0.50")})
    assert "shipping" in str(refused.value)
    with pytest.raises(PermanentError) as suitetax:
        await client.upsert("salesOrder", "BC-SO-leg-2", _suitetax_body(items))
    assert "SuiteTax is not enabled" in str(suitetax.value)


async def test_tax_as_an_item_line_works_in_both_engines(client: NetSuiteClient, admin):
    items = await _items(admin)
    for engine in ("suitetax", "legacy"):
        await admin.post("/__sandbox/config", json={"tax_engine": engine})
        so = await client.create("salesOrder", {"entity": {"id": "101"}, "location": {"id": "1"},
                                                "shippingCost": D("5"), "item": {"items": _lines(items)[:1]}})
        record = await client.get("salesOrder", so.id)
        assert D(str(record["total"])) == D("105.00")
    assert (await admin.post("/__sandbox/config", json={"tax_engine": "vat"})).status_code == 400


async def test_usd_order_with_us_sales_tax(client: NetSuiteClient, admin):
    items = await _items(admin)
    line = {**_lines(items)[0], "taxDetailsReference": "t1"}
    so = await client.create("salesOrder", {
        "entity": {"id": "101"}, "location": {"id": "1"}, "currency": {"id": "1"}, "taxDetailsOverride": True,
        "taxDetails": {"items": [{"taxDetailsReference": "t1", "lineType": "Item", "taxCode": {"id": "201"},
                                  "taxBasis": D("100"), "taxRate": D("8.875"), "taxAmount": D("8.88")}]},
        "item": {"items": [line]}})
    record = await client.get("salesOrder", so.id)
    assert D(str(record["taxTotal"])) == D("8.88") and D(str(record["total"])) == D("108.88")


async def test_bad_currency_and_ship_method_are_refused(client: NetSuiteClient, admin):
    items = await _items(admin)
    for bad in ({"currency": {"id": "9"}}, {"shipMethod": {"id": items["TEE-BLK-M"]}}, {"shipMethod": {"id": "9999"}}):
        with pytest.raises(PermanentError) as refused:
            await client.create("salesOrder", {"entity": {"id": "101"}, "item": {"items": _lines(items)[:1]}, **bad})
        assert refused.value.code == "INVALID_CONTENT"


async def test_addresses_message_and_ship_method_round_trip(client: NetSuiteClient, admin):
    items = await _items(admin)
    so = await client.create("salesOrder", {
        "entity": {"id": "101"}, "location": {"id": "1"}, "shippingAddress": UK,
        "billingAddress": {**UK, "attention": "Accounts"}, "shipMethod": {"id": "305"}, "message": "Happy birthday!",
        "email": "ann@example.co.uk", "billPhone": "+44 20 7946 0001", "item": {"items": _lines(items)[:1]}})
    record = await client.get("salesOrder", so.id)
    for key, value in UK.items():
        assert record["shippingAddress"][key] == value
    assert record["billingAddress"]["attention"] == "Accounts"
    assert record["shipAddress"].startswith("Ann Smith\nGoods in\n1 High Street")
    assert "London SW1A 1AA\nGB" in record["billAddress"]
    assert record["shipMethod"] == {"id": "305", "refName": "Royal Mail Tracked 24"}
    assert (record["message"], record["email"], record["billPhone"]) == (
        "Happy birthday!", "ann@example.co.uk", "+44 20 7946 0001")


async def test_multiple_shipping_routes_off_and_on(client: NetSuiteClient, admin):
    items = await _items(admin)
    await client.patch("customer", "101", {"addressBook": {"items": [
        {"label": "home", "addressBookAddress": UK},
        {"label": "office", "addressBookAddress": {**UK, "addr1": "2 Office Park", "city": "Leeds"}}]}})
    book = (await client.get("customer", "101", expand=True))["addressBook"]["items"]
    ids = {entry["label"]: entry["internalId"] for entry in book}
    assert set(ids) == {"home", "office"} and book[0]["addressBookAddress"]["city"] == "London"
    lines = _lines(items)
    lines[0].update(shipAddress={"id": ids["home"]}, shipMethod={"id": "305"}, custcol_o2c_ship_group_cost=D("4.5"))
    lines[1].update(shipAddress={"id": ids["office"]}, shipMethod={"id": "306"})
    lines[2].update(shipAddress={"id": ids["home"]}, shipMethod={"id": "305"})
    body = {"entity": {"id": "101"}, "location": {"id": "1"}, "isMultiShipTo": True, "item": {"items": lines}}
    with pytest.raises(PermanentError) as off:
        await client.create("salesOrder", body)
    assert "Multiple Shipping Routes is not enabled" in str(off.value)
    await admin.post("/__sandbox/config", json={"multiple_shipping_routes": True})
    so = await client.create("salesOrder", body)
    record = await client.get("salesOrder", so.id, expand=True)
    groups = record["shipGroup"]["items"]
    assert [(g["id"], g["shippingMethodId"]["id"], D(str(g["shippingRate"]))) for g in groups] == [
        (1, "305", D("4.5")), (2, "306", D(0))]
    assert "2 Office Park" in groups[1]["destinationAddress"]
    assert [x["shipGroup"] for x in record["item"]["items"]] == [1, 2, 1]
    with pytest.raises(PermanentError):
        await client.create("salesOrder", {**body, "item": {"items": [{**lines[0], "shipAddress": {"id": "77777"}}]}})
