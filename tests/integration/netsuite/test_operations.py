"""The named NetSuite operations (connectors.netsuite.operations) against the sandbox over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.http import NotFoundError
from connectors.netsuite import NetSuiteClient, operations


async def records(admin: httpx.AsyncClient, record_type: str) -> list[dict[str, Any]]:
    response = await admin.get(f"/__sandbox/records/{record_type}")
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()
    return result


async def suiteql_requests(admin: httpx.AsyncClient) -> int:
    kinds = (await admin.get("/__sandbox/stats")).json()["by_kind"]
    return sum(n for kind, n in kinds.items() if kind.startswith("POST suiteql"))


async def insert(admin: httpx.AsyncClient, record_type: str, body: dict[str, Any]) -> str:
    response = await admin.post(f"/__sandbox/records/{record_type}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def sales_order(admin: httpx.AsyncClient, external_id: str, quantities: list[int]) -> str:
    items = {r["itemId"]: r["id"] for r in await records(admin, "inventoryItem")}
    skus = ["TEE-BLK-S", "TEE-BLK-M", "TEE-WHT-M"]
    return await insert(admin, "salesOrder", {
        "externalId": external_id, "entity": {"id": "101"}, "location": {"id": "1"},
        "item": {"items": [{"item": {"id": items[sku]}, "quantity": qty, "rate": 10}
                           for sku, qty in zip(skus, quantities, strict=False)]}})


async def test_customers_by_emails_finds_active_ones_oldest_first(client: NetSuiteClient, admin) -> None:
    customers = await records(admin, "customer")
    by_email = {(c["email"], c.get("isInactive", False)): c["id"] for c in customers}
    bob = by_email[("Bob.Smith@Example.COM", False)]
    alex = by_email[("alex.jones@example.com", False)]  # the older Alex.Jones@Example.com is inactive
    newer = await insert(admin, "customer", {"entityId": "Bob again", "firstName": "Bob", "lastName": "Smith",
                                             "email": "BOB.smith@example.com", "subsidiary": {"id": "1"}})
    before = await suiteql_requests(admin)
    found = await operations.customers_by_emails(
        client, ["bob.smith@example.com", "alex.jones@example.com", "nobody@example.net", "bob.smith@example.com"])
    assert await suiteql_requests(admin) - before == 1
    assert found == {"bob.smith@example.com": [bob, newer], "alex.jones@example.com": [alex],
                     "nobody@example.net": []}


async def test_customers_by_emails_splits_long_lists(client: NetSuiteClient, admin) -> None:
    emails = [f"guest{n}@example.net" for n in range(1500)] + ["jane.doe@example.com"]
    before = await suiteql_requests(admin)
    found = await operations.customers_by_emails(client, emails)
    assert await suiteql_requests(admin) - before == 2  # SuiteQL takes 1,000 values in an IN list
    assert len(found) == 1501 and len(found["jane.doe@example.com"]) == 1 and found["guest7@example.net"] == []


async def test_customers_by_external_ids(client: NetSuiteClient) -> None:
    made = [await client.upsert("customer", f"O2C-CUST-ops-{n}", {
        "email": f"ops{n}@example.net", "firstName": "Ops", "lastName": str(n), "isPerson": True,
        "subsidiary": {"id": "1"}}) for n in range(3)]
    found = await operations.customers_by_external_ids(client, ["O2C-CUST-ops-0", "O2C-CUST-ops-2", "O2C-CUST-none"])
    assert found == {"O2C-CUST-ops-0": made[0].id, "O2C-CUST-ops-2": made[2].id}
    assert await operations.customers_by_external_ids(client, []) == {}


async def test_document_numbers(client: NetSuiteClient, admin) -> None:
    first = await sales_order(admin, "BC-SO-ops-1", [1])
    second = await sales_order(admin, "BC-SO-ops-2", [2])
    orders = {r["id"]: r["tranId"] for r in await records(admin, "salesOrder")}
    found = await operations.document_numbers(client, [first, second, "999999"])
    assert found == {first: orders[first], second: orders[second]}
    before = await suiteql_requests(admin)
    assert await operations.document_numbers(client, []) == {}
    assert await suiteql_requests(admin) == before  # nothing asked, nothing sent


async def test_find_item(client: NetSuiteClient, admin) -> None:
    discount = next(r for r in await records(admin, "discountItem") if r["itemId"] == "BC-DISCOUNT")
    assert await operations.find_item(client, "BC-DISCOUNT") == operations.ItemRef(discount["id"], "Discount")
    tee = await operations.find_item(client, "TEE-BLK-M")
    assert tee is not None and tee.item_type == "InvtPart"
    assert await operations.find_item(client, "NO-SUCH-ITEM") is None


async def test_read_then_close_an_unfulfilled_sales_order(client: NetSuiteClient, admin) -> None:
    ns_id = await sales_order(admin, "BC-SO-ops-10", [2, 1])
    order = await operations.sales_order_lines(client, "BC-SO-ops-10")
    assert order.id == ns_id and order.tran_id
    assert [(x.quantity_fulfilled, x.is_closed) for x in order.lines] == [(Decimal(0), False), (Decimal(0), False)]
    assert len({x.line for x in order.lines}) == 2

    result = await operations.close_sales_order(client, order)
    assert result.id == ns_id
    closed = await operations.sales_order_lines(client, "BC-SO-ops-10")
    assert [x.is_closed for x in closed.lines] == [True, True]
    assert [x.line for x in closed.lines] == [x.line for x in order.lines]
    await operations.close_sales_order(client, closed)  # again: nothing changes, nothing is added
    assert len((await operations.sales_order_lines(client, "BC-SO-ops-10")).lines) == 2


async def test_read_shows_what_shipped(client: NetSuiteClient, admin) -> None:
    ns_id = await sales_order(admin, "BC-SO-ops-11", [3, 1])
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={
        "salesOrder": ns_id, "lines": [{"sku": "TEE-BLK-S", "quantity": 2}]})
    assert shipped.status_code == 201, shipped.text
    order = await operations.sales_order_lines(client, "BC-SO-ops-11")
    assert [x.quantity_fulfilled for x in order.lines] == [Decimal(2), Decimal(0)]


async def test_read_of_an_unknown_sales_order_raises_not_found(client: NetSuiteClient) -> None:
    with pytest.raises(NotFoundError):
        await operations.sales_order_lines(client, "BC-SO-ops-missing")
