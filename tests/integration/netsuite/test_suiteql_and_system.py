from datetime import UTC, datetime, timedelta

from connectors.netsuite import NetSuiteClient


async def test_suiteql_paging_with_has_more(client: NetSuiteClient):
    query = "SELECT id, itemid FROM item WHERE matrixtype = 'CHILD' ORDER BY id"
    first = await client.suiteql_page(query, limit=5, offset=0)
    assert first.has_more and first.count == 5 and first.total_results and first.total_results > 5
    everything = [row async for row in client.suiteql(query, page_size=5)]
    assert len(everything) == first.total_results
    assert len({row["id"] for row in everything}) == len(everything)
    assert all(isinstance(row["id"], str) for row in everything)


async def test_items_changed_since_watermark(client: NetSuiteClient, admin):
    now = await client.server_time()
    watermark = (now - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    before = [
        row
        async for row in client.suiteql(
            "SELECT id FROM item WHERE lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS')",
            [(now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")],
        )
    ]
    assert before == []
    await admin.post("/__sandbox/records/inventoryItem", json={"itemId": "NEW-SKU-1", "displayName": "New"})
    rows = [
        row
        async for row in client.suiteql(
            "SELECT id, itemid, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') lmd FROM item "
            "WHERE lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate, id",
            [watermark],
        )
    ]
    assert "NEW-SKU-1" in [row["itemid"] for row in rows]


async def test_customers_by_case_insensitive_email(client: NetSuiteClient):
    query = (
        "SELECT id, entityid, email FROM customer WHERE LOWER(email) = ? AND isinactive = 'F' ORDER BY datecreated, id"
    )
    bob = [row async for row in client.suiteql(query, ["BOB.SMITH@example.com".lower()])]
    assert [row["email"] for row in bob] == ["Bob.Smith@Example.COM"]
    alex = [row async for row in client.suiteql(query, ["alex.jones@example.com"])]
    assert [row["entityid"] for row in alex] == ["Alex Jones"]  # the inactive duplicate is skipped


async def test_inventory_per_location_and_injected_stock(client: NetSuiteClient, admin):
    await admin.post("/__sandbox/stock", json={"sku": "TEE-BLK-M", "location": "2", "quantity": 42})
    query = (
        "SELECT i.itemid sku, a.location, a.quantityavailable FROM aggregateitemlocation a "
        "JOIN item i ON i.id = a.item WHERE i.itemid = ? ORDER BY a.location"
    )
    rows = [row async for row in client.suiteql(query, ["TEE-BLK-M"])]
    assert [row["location"] for row in rows] == ["1", "2", "3"]
    assert rows[1]["quantityavailable"] == "42"


async def test_price_levels(client: NetSuiteClient):
    levels = [row async for row in client.suiteql("SELECT id, name FROM pricelevel ORDER BY id")]
    assert {"Base Price", "Wholesale", "Trade"} <= {row["name"] for row in levels}


async def test_server_time_and_governance_limits(client: NetSuiteClient):
    server = await client.server_time()
    assert abs(server - datetime.now(UTC)) < timedelta(minutes=5)
    limits = await client.governance_limits()
    assert limits.account_concurrency_limit == 15
    assert await client.configure_concurrency() == 15
