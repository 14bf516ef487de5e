from decimal import Decimal

import pytest

from connectors.http import AlreadyExistsError, NotFoundError, PermanentError
from connectors.netsuite import NetSuiteClient


async def first_sku_id(client: NetSuiteClient, sku: str | None = None) -> str:
    query = "SELECT id FROM item WHERE matrixtype = 'CHILD' ORDER BY id"
    params: list[str] = []
    if sku:
        query, params = "SELECT id FROM item WHERE itemid = ?", [sku]
    async for row in client.suiteql(query, params):
        return str(row["id"])
    raise AssertionError("no item")


async def records(admin, record_type: str) -> list[dict]:
    response = await admin.get(f"/__sandbox/records/{record_type}")
    return response.json()


async def test_create_get_patch_upsert_delete_round_trip(client: NetSuiteClient):
    created = await client.create(
        "customer", {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "subsidiary": {"id": "1"}}
    )
    record = await client.get("customer", created.id)
    assert record["email"] == "ann@example.com" and record["subsidiary"]["refName"]
    await client.patch("customer", created.id, {"phone": "555-0100"})
    assert (await client.get("customer", created.id))["phone"] == "555-0100"

    upserted = await client.upsert("customer", "BC-CUST-1-abc", {"firstName": "Zed", "email": "z@example.com"})
    again = await client.upsert("customer", "BC-CUST-1-abc", {"lastName": "Zulu"})
    assert upserted.id == again.id
    fetched = await client.get("customer", "eid:BC-CUST-1-abc")
    assert fetched["firstName"] == "Zed" and fetched["lastName"] == "Zulu"

    await client.delete("customer", created.id)
    with pytest.raises(NotFoundError):
        await client.get("customer", created.id)
    await client.delete("customer", created.id)  # already gone counts as deleted


async def test_money_stays_decimal_and_totals(client: NetSuiteClient):
    item = await first_sku_id(client)
    so = await client.upsert(
        "salesOrder",
        "BC-SO-1-1",
        {
            "entity": {"id": "101"},
            "shippingCost": Decimal("4.95"),
            "item": {"items": [{"item": {"id": item}, "quantity": 3, "rate": Decimal("19.99")}]},
        },
    )
    record = await client.get("salesOrder", so.id, expand=True)
    assert record["total"] == Decimal("64.92") and isinstance(record["total"], Decimal)
    assert record["item"]["items"][0]["amount"] == Decimal("59.97")


async def test_sublist_merge_and_replace(client: NetSuiteClient):
    items = [row["id"] async for row in client.suiteql("SELECT id FROM item WHERE matrixtype = 'CHILD' ORDER BY id")]
    a, b, c = items[:3]
    so = await client.create(
        "salesOrder",
        {
            "entity": {"id": "101"},
            "item": {
                "items": [
                    {"item": {"id": a}, "quantity": 1, "rate": 10},
                    {"item": {"id": b}, "quantity": 1, "rate": 10},
                ]
            },
        },
    )
    # merge: line 1 updated, a new line added, line 2 kept
    await client.patch(
        "salesOrder",
        so.id,
        {"item": {"items": [{"line": 1, "quantity": 5}, {"item": {"id": c}, "quantity": 1, "rate": 1}]}},
    )
    lines = (await client.get("salesOrder", so.id, expand=True))["item"]["items"]
    assert [(line["line"], line["quantity"]) for line in lines] == [(1, 5), (2, 1), (3, 1)]
    # replace: only mentioned lines survive
    await client.patch("salesOrder", so.id, {"item": {"items": [{"line": 2, "quantity": 2}]}}, replace=["item"])
    lines = (await client.get("salesOrder", so.id, expand=True))["item"]["items"]
    assert [(line["line"], line["quantity"]) for line in lines] == [(2, 2)]


async def test_retried_write_after_commit_then_drop_yields_one_record(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/config", json={"drop_after_commit_next": 1})
    result = await client.upsert("customer", "BC-CUST-1-drop", {"firstName": "Drop", "email": "d@example.com"})
    await admin.post("/__sandbox/config", json={"drop_after_commit_next": 1})
    created = await client.create("customer", {"externalId": "BC-CUST-1-drop2", "firstName": "Drop2"})
    customers = await records(admin, "customer")
    assert [c["id"] for c in customers if c.get("externalId") == "BC-CUST-1-drop"] == [result.id]
    assert [c["id"] for c in customers if c.get("externalId") == "BC-CUST-1-drop2"] == [created.id]
    assert created.already_existed  # resolved by externalId after the lost response
    stats = (await admin.get("/__sandbox/stats")).json()
    assert stats["dropped"] == 2


async def test_external_id_conflict(client: NetSuiteClient, admin):
    first = await client.create("customer", {"externalId": "BC-CUST-1-dup", "firstName": "One"})
    second = await client.create("customer", {"externalId": "bc-cust-1-DUP", "firstName": "Two"})
    assert second.id == first.id and second.already_existed
    # same transaction group, other type: NetSuite says "already exists" and there is no salesOrder to resolve
    item = await first_sku_id(client)
    await client.create(
        "salesOrder",
        {
            "externalId": "BC-X-1",
            "entity": {"id": "101"},
            "item": {"items": [{"item": {"id": item}, "quantity": 1, "rate": 1}]},
        },
    )
    with pytest.raises(AlreadyExistsError):
        await client.create("journalEntry", {"externalId": "BC-X-1", "subsidiary": {"id": "1"}, "line": {"items": []}})
    raw = await admin.get("/__sandbox/records/customer")
    assert sum(1 for c in raw.json() if (c.get("externalId") or "").lower() == "bc-cust-1-dup") == 1


async def test_invalid_reference_and_unknown_field_are_permanent(client: NetSuiteClient):
    with pytest.raises(PermanentError) as bad_ref:
        await client.create("salesOrder", {"entity": {"id": "99999"}})
    assert bad_ref.value.code == "INVALID_CONTENT"
    with pytest.raises(PermanentError) as bad_field:
        await client.create("customer", {"firstName": "X", "emial": "typo@example.com"})
    assert bad_field.value.code == "NONEXISTENT_FIELD"


async def test_record_changed_is_reread_then_retried(client: NetSuiteClient, admin):
    created = await client.create("customer", {"firstName": "Chg"})
    await admin.post("/__sandbox/config", json={"record_changed_next": 1, "fail_next": 1})
    await client.patch("customer", created.id, {"lastName": "Changed"})
    assert (await client.get("customer", created.id))["lastName"] == "Changed"


async def test_transform_sales_order_to_fulfilment_and_invoice(client: NetSuiteClient, admin):
    items = [
        row
        async for row in client.suiteql(
            "SELECT a.item, a.quantityonhand FROM aggregateitemlocation a "
            "WHERE a.location = 1 AND a.quantityonhand > 5 "
            "ORDER BY a.item"
        )
    ]
    a, b = items[0]["item"], items[1]["item"]
    so = await client.upsert(
        "salesOrder",
        "BC-SO-1-77",
        {
            "entity": {"id": "101"},
            "location": {"id": "1"},
            "item": {
                "items": [{"item": {"id": a}, "quantity": 3, "rate": 10}, {"item": {"id": b}, "quantity": 1, "rate": 5}]
            },
        },
    )
    fulfilment = await client.transform(
        "salesOrder",
        so.id,
        "itemFulfillment",
        {
            "item": {"items": [{"orderLine": 1, "quantity": 2}, {"orderLine": 2, "itemReceive": False}]},
            "package": {"items": [{"packageTrackingNumber": "1Z001"}]},
        },
    )
    record = await client.get("itemFulfillment", fulfilment.id, expand=True)
    assert record["createdFrom"]["id"] == so.id
    assert [(x["orderLine"], x["quantity"]) for x in record["item"]["items"]] == [(1, 2)]
    order = await client.get("salesOrder", so.id)
    assert order["status"]["id"] == "D"  # partially fulfilled
    stock = [
        row
        async for row in client.suiteql(
            "SELECT quantityonhand FROM aggregateitemlocation WHERE item = ? AND location = 1", [a]
        )
    ]
    assert Decimal(stock[0]["quantityonhand"]) == Decimal(items[0]["quantityonhand"]) - 2
    rows = [
        row
        async for row in client.suiteql(
            "SELECT t.id, so.externalid so_eid, ABS(tl.quantity) qty, tn.trackingnumber FROM transaction t "
            "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' "
            "JOIN transaction so ON so.id = tl.createdfrom "
            "LEFT JOIN trackingnumbermap m ON m.transaction = t.id "
            "LEFT JOIN trackingnumber tn ON tn.id = m.trackingnumber "
            "WHERE t.type = 'ItemShip'"
        )
    ]
    assert rows == [{"id": fulfilment.id, "so_eid": "BC-SO-1-77", "qty": "2", "trackingnumber": "1Z001"}]
    invoice = await client.transform("salesOrder", so.id, "invoice")
    inv = await client.get("invoice", invoice.id, expand=True)
    assert inv["total"] == Decimal("20.00")  # only the fulfilled quantity is billed


async def test_async_request_with_idempotency_key(client: NetSuiteClient, admin):
    job = await client.submit_async(
        "PUT",
        "/services/rest/record/v1/customer/eid:BC-CUST-async",
        {"firstName": "Async"},
        idempotency_key="k-1",
        label="customer",
    )
    again = await client.submit_async(
        "PUT",
        "/services/rest/record/v1/customer/eid:BC-CUST-async",
        {"firstName": "Async"},
        idempotency_key="k-1",
        label="customer",
    )
    assert again == job
    await client.wait_for_job(job, poll=0.01)
    assert await client.find_by_external_id("customer", "BC-CUST-async")
