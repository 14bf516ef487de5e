"""The sandbox's fulfilments over real HTTP: packages with contents, edits, deletions (``deletedrecord``),
and the fixed ship items."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.sandbox.warehouse import main as warehouse_main
from tests.integration.netsuite.test_sandbox_gaps import stock_of


async def _order(client: NetSuiteClient, admin, eid: str) -> tuple[str, dict[str, str]]:
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-BLK-M", "location": "1", "quantity": 10})
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-BLK-L", "location": "1", "quantity": 10})
    so = await client.upsert("salesOrder", eid, {
        "entity": {"id": "101"}, "location": {"id": "1"}, "shipMethod": {"id": "305"},
        "item": {"items": [{"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": 10},
                           {"item": {"id": items["TEE-BLK-L"]}, "quantity": 2, "rate": 10}]}})
    return so.id, items


async def _rows(client: NetSuiteClient, query: str, params: list[str] | None = None) -> list[dict]:
    return [row async for row in client.suiteql(query, params)]


async def test_ship_items_have_fixed_ids(client: NetSuiteClient):
    rows = await _rows(client, "SELECT id, itemid FROM shipitem ORDER BY id")
    assert [(r["id"], r["itemid"]) for r in rows] == [
        ("301", "UPS Ground"), ("302", "FedEx 2Day"), ("303", "Free Shipping"), ("304", "USPS Priority Mail"),
        ("305", "Royal Mail Tracked 24"), ("306", "DHL Express Worldwide"), ("307", "Canada Post Expedited")]


async def test_packages_with_contents_make_the_fulfilment(client: NetSuiteClient, admin):
    so, _ = await _order(client, admin, "BC-SO-pk-1")
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "carrier": "Royal Mail", "shipMethod": "305", "shipStatus": "packed",
        "packages": [{"tracking": "1ZAAA", "carton": "C1", "weight": 1.2,
                      "lines": [{"orderLine": 1, "quantity": 2}, {"sku": "TEE-BLK-L", "quantity": 1}]},
                     {"tracking": "1ZBBB", "carton": "C2", "weight": 0.5,
                      "lines": [{"sku": "TEE-BLK-M", "quantity": 1}]}]})
    assert shipped.status_code == 201, shipped.text
    fid = shipped.json()["itemFulfillment"]
    record = await client.get("itemFulfillment", fid, expand=True)
    assert record["shipStatus"]["id"] == "B"
    assert [(p["packageTrackingNumber"], p["packageCartonNumber"], Decimal(str(p["packageWeight"])))
            for p in record["package"]["items"]] == [("1ZAAA", "C1", Decimal("1.2")), ("1ZBBB", "C2", Decimal("0.5"))]
    lines = {x["orderLine"]: x for x in record["item"]["items"]}
    assert {k: x["quantity"] for k, x in lines.items()} == {1: 3, 2: 1}
    assert lines[1]["inventoryDetail"]["inventoryAssignment"]["items"] == [
        {"quantity": 2, "packCarton": "C1"}, {"quantity": 1, "packCarton": "C2"}]
    assert lines[2]["inventoryDetail"]["inventoryAssignment"]["items"] == [{"quantity": 1, "packCarton": "C1"}]
    order = await client.get("salesOrder", so, expand=True)
    assert [x["quantityFulfilled"] for x in order["item"]["items"]] == [3, 1]
    tracking = await _rows(client, "SELECT m.transaction, t.trackingnumber FROM trackingnumbermap m "
                                   "JOIN trackingnumber t ON t.id = m.trackingnumber WHERE m.transaction = ?", [fid])
    assert sorted(r["trackingnumber"] for r in tracking) == ["1ZAAA", "1ZBBB"]
    (header,) = await _rows(client, "SELECT f.id, BUILTIN.DF(f.shipmethod) method FROM transaction f WHERE f.id = ?",
                            [fid])
    assert header["method"] == "Royal Mail Tracked 24"


async def test_plain_tracking_still_one_package_per_number(client: NetSuiteClient, admin):
    so, _ = await _order(client, admin, "BC-SO-pk-2")
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={"salesOrder": so, "tracking": ["T1", "T2"],
                                                                    "lines": [{"orderLine": 2}]})
    record = await client.get("itemFulfillment", shipped.json()["itemFulfillment"], expand=True)
    assert [p["packageTrackingNumber"] for p in record["package"]["items"]] == ["T1", "T2"]
    assert [(x["orderLine"], x["quantity"]) for x in record["item"]["items"]] == [(2, 2)]


async def test_package_contents_are_checked(client: NetSuiteClient, admin):
    so, _ = await _order(client, admin, "BC-SO-pk-3")
    too_many = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "lines": [{"orderLine": 1, "quantity": 1}],
        "packages": [{"tracking": "X", "lines": [{"orderLine": 1, "quantity": 2}]}]})
    assert too_many.status_code == 400
    not_on_order = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "packages": [{"tracking": "X", "lines": [{"orderLine": 9, "quantity": 1}]}]})
    assert not_on_order.status_code == 400


async def test_edit_fulfilment_over_the_warehouse_and_rest(client: NetSuiteClient, admin):
    so, _ = await _order(client, admin, "BC-SO-pk-4")
    fid = (await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "shipStatus": "A",
        "packages": [{"carton": "C1", "lines": [{"orderLine": 1, "quantity": 3}]}]})).json()["itemFulfillment"]
    before = (await client.get("itemFulfillment", fid))["lastModifiedDate"]
    edited = await admin.post(f"/__sandbox/warehouse/fulfilment/{fid}", json={
        "shipStatus": "shipped", "carrier": "UPS", "shipMethod": "UPS Ground",
        "packages": [{"tracking": "1ZNEW1", "carton": "A", "lines": [{"orderLine": 1, "quantity": 2}]},
                     {"tracking": "1ZNEW2", "carton": "B", "lines": [{"orderLine": 1, "quantity": 1}]}]})
    assert edited.status_code == 200, edited.text
    record = await client.get("itemFulfillment", fid, expand=True)
    assert record["lastModifiedDate"] >= before
    assert record["shipStatus"]["id"] == "C" and record["shipMethod"]["id"] == "301"
    assert record["shipCarrier"]["refName"] == "UPS"
    assert [p["packageCartonNumber"] for p in record["package"]["items"]] == ["A", "B"]
    assert record["item"]["items"][0]["inventoryDetail"]["inventoryAssignment"]["items"] == [
        {"quantity": 2, "packCarton": "A"}, {"quantity": 1, "packCarton": "B"}]
    renumbered = await admin.post(f"/__sandbox/warehouse/fulfilment/{fid}", json={"tracking": ["1ZR1", "1ZR2"]})
    assert renumbered.status_code == 200
    record = await client.get("itemFulfillment", fid, expand=True)
    assert [(p["packageTrackingNumber"], p["packageCartonNumber"]) for p in record["package"]["items"]] == [
        ("1ZR1", "A"), ("1ZR2", "B")]
    assert len(record["item"]["items"][0]["inventoryDetail"]["inventoryAssignment"]["items"]) == 2
    assert (await admin.post(f"/__sandbox/warehouse/fulfilment/{fid}", json={"tracking": ["9400X"]})).status_code == 200
    record = await client.get("itemFulfillment", fid, expand=True)
    assert [p["packageTrackingNumber"] for p in record["package"]["items"]] == ["9400X"]
    assert "packageCartonNumber" not in record["package"]["items"][0]  # no contents, no carton
    assert "inventoryDetail" not in record["item"]["items"][0]
    assert (await admin.post(f"/__sandbox/warehouse/fulfilment/{fid}", json={"shipStatus": "lost"})).status_code == 400
    await client.patch("itemFulfillment", fid, {"shipStatus": {"id": "B"},
                                                "package": {"items": [{"packageTrackingNumber": "PATCHED",
                                                                       "packageWeight": 2}]}}, replace=["package"])
    record = await client.get("itemFulfillment", fid, expand=True)
    assert record["shipStatus"]["id"] == "B"
    assert [p["packageTrackingNumber"] for p in record["package"]["items"]] == ["PATCHED"]


async def test_deleting_a_fulfilment_puts_quantities_and_stock_back(client: NetSuiteClient, admin):
    so, items = await _order(client, admin, "BC-SO-pk-5")
    assert await stock_of(client, items["TEE-BLK-M"], "1") == (10, 3, 7)
    first = (await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "lines": [{"orderLine": 1, "quantity": 2}]})).json()
    second = (await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so, "lines": [{"orderLine": 2}]})).json()
    assert await stock_of(client, items["TEE-BLK-M"], "1") == (8, 1, 7)
    deleted = await admin.delete(f"/__sandbox/warehouse/fulfilment/{first['itemFulfillment']}")
    assert deleted.status_code == 200
    assert await stock_of(client, items["TEE-BLK-M"], "1") == (10, 3, 7)
    order = await client.get("salesOrder", so, expand=True)
    assert [x["quantityFulfilled"] for x in order["item"]["items"]] == [0, 2]
    assert order["status"]["id"] == "D"
    await client.delete("itemFulfillment", second["itemFulfillment"])
    order = await client.get("salesOrder", so, expand=True)
    assert [x["quantityFulfilled"] for x in order["item"]["items"]] == [0, 0]
    assert order["status"]["id"] == "B"
    rows = await _rows(client, "SELECT recordid, name, TO_CHAR(deleteddate,'YYYY-MM-DD HH24:MI:SS') d "
                               "FROM deletedrecord WHERE type = 'itemfulfillment' "
                               "AND deleteddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY deleteddate",
                       ["2000-01-01 00:00:00"])
    assert [(r["recordid"], r["name"]) for r in rows] == [
        (first["itemFulfillment"], first["tranId"]), (second["itemFulfillment"], second["tranId"])]
    assert all(len(r["d"]) == 19 for r in rows)
    later = await _rows(client, "SELECT recordid FROM deletedrecord WHERE type = 'itemfulfillment' "
                                "AND deleteddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS')", ["2999-01-01 00:00:00"])
    assert later == []
    missing = await admin.delete(f"/__sandbox/warehouse/fulfilment/{first['itemFulfillment']}")
    assert missing.status_code == 404


async def test_warehouse_cli_packs_edits_and_deletes(sandbox, client: NetSuiteClient, admin):
    so, _ = await _order(client, admin, "BC-SO-pk-6")
    loop = asyncio.get_running_loop()
    args = ["--url", sandbox.url, "fulfil", so, "--carrier", "DHL", "--ship-method", "306",
            "--package", "JD01:C1=TEE-BLK-M*2,#2*1", "--package", "JD02:C2=#1*1"]
    assert await loop.run_in_executor(None, warehouse_main, args) == 0
    (fulfilment,) = [f for f in (await admin.get("/__sandbox/records/itemFulfillment")).json()
                     if f["createdFrom"]["id"] == so]
    assert [(x["orderLine"], x["quantity"]) for x in fulfilment["item"]["items"]] == [(1, 3), (2, 1)]
    fid = fulfilment["id"]
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "fulfilment", fid,
                                                             "--status", "packed", "--tracking", "JD09"]) == 0
    record = await client.get("itemFulfillment", fid, expand=True)
    assert record["shipStatus"]["id"] == "B"
    assert [p["packageTrackingNumber"] for p in record["package"]["items"]] == ["JD09"]
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "delete-fulfilment", fid]) == 0
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "delete-fulfilment", fid]) == 1


async def test_a_partial_fulfilment_of_an_order_with_tax_and_discount_lines(client: NetSuiteClient, admin):
    """Only goods are pre-populated: the warehouse names no tax or discount line (not even to skip it)."""
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    discount = (await admin.get("/__sandbox/records/discountItem")).json()[0]["id"]
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-BLK-M", "location": "1", "quantity": 10})
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-BLK-L", "location": "1", "quantity": 10})
    so = await client.upsert("salesOrder", "BC-SO-pk-tax", {
        "entity": {"id": "101"}, "location": {"id": "1"},
        "item": {"items": [{"item": {"id": items["TEE-BLK-M"]}, "quantity": 3, "rate": 10},
                           {"item": {"id": discount}, "amount": -2},
                           {"item": {"id": items["TEE-BLK-L"]}, "quantity": 2, "rate": 10}]}})
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": so.id, "lines": [{"orderLine": 1, "quantity": 2}], "packages": [{"tracking": "1ZTAX"}]})
    assert shipped.status_code == 201, shipped.text
    order = await client.get("salesOrder", so.id, expand=True)
    assert [x.get("quantityFulfilled") or 0 for x in order["item"]["items"]] == [2, 0, 0]
