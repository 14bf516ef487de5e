"""Sandbox behaviours from the issue: TBA checks, tiers, workflow locks, every record type with custom
fields, committed stock, warehouse actions (HTTP and CLI), governance under load and lost responses."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal

import httpx
import pytest

from connectors.http import RereadError
from connectors.netsuite import ConcurrencyGovernor, NetSuiteClient, NetSuiteSettings
from connectors.netsuite.auth import ClientCredentialsAuth, CryptographySigner, TokenBasedAuth
from connectors.netsuite.errors import AuthenticationError
from connectors.netsuite.sandbox import SandboxConfig, start_sandbox
from connectors.netsuite.sandbox.warehouse import main as warehouse_main
from tests.integration.netsuite.conftest import fast_backoff, make_client


def tba(timestamp: str, nonce: str = "abcdef123456") -> TokenBasedAuth:
    return TokenBasedAuth(account_id="1234567_SB1", consumer_key="sandbox-consumer-key",
                          consumer_secret="sandbox-consumer-secret", token_id="sandbox-token-id",
                          token_secret="sandbox-token-secret", nonce=lambda: nonce, timestamp=lambda: timestamp)


async def test_tba_rejects_stale_and_future_timestamps_and_short_nonces(sandbox):
    now = int(time.time())
    for stamp, nonce in ((now - 400, "nonce-stale-1"), (now + 400, "nonce-future"), (now, "abc")):
        async with httpx.AsyncClient(base_url=sandbox.url, auth=tba(str(stamp), nonce)) as http:
            response = await http.get("/services/rest/system/v1/serverTime")
        assert response.status_code == 401, (stamp - now, nonce)
        assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    async with httpx.AsyncClient(base_url=sandbox.url, auth=tba(str(now - 200), "nonce-fresh-1")) as http:
        assert (await http.get("/services/rest/system/v1/serverTime")).status_code == 200


async def test_signed_query_parameters_must_match(sandbox):
    auth = tba(str(int(time.time())), "nonce-query-1")
    header = auth.authorization("GET", f"{sandbox.url}/services/rest/record/v1/customer?limit=5")
    async with httpx.AsyncClient(base_url=sandbox.url) as http:  # the query changed after signing
        response = await http.get("/services/rest/record/v1/customer?limit=6", headers={"Authorization": header})
    assert response.status_code == 401


async def test_oauth2_with_a_real_ps256_key_and_signature_check():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    other = rsa.generate_private_key(public_exponent=65537, key_size=3072).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=1, certificate_public_key_pem=public))
    try:
        settings = NetSuiteSettings(base_url=handle.url, auth_mode="oauth2")
        for pem, ok in ((private, True), (other, False)):
            auth = ClientCredentialsAuth(token_url=settings.token_url, client_id=settings.client_id,
                                         certificate_id=settings.certificate_id, signer=CryptographySigner(pem))
            async with NetSuiteClient(settings, auth=auth, governor=ConcurrencyGovernor(5),
                                      backoff=fast_backoff(1)) as client:
                if ok:
                    assert await client.server_time()
                else:
                    with pytest.raises(AuthenticationError):
                        await client.server_time()
    finally:
        await handle.stop()


@pytest.mark.parametrize(("tier", "plus", "expected"), [("standard", 0, 5), ("premium", 0, 15),
                                                        ("enterprise", 0, 20), ("premium", 2, 35)])
async def test_concurrency_presets(sandbox, admin, tier, plus, expected):
    await admin.post("/__sandbox/config", json={"service_tier": tier, "suitecloud_plus": plus})
    async with make_client(sandbox) as client:
        limits = await client.governance_limits()
    assert limits.account_concurrency_limit == expected
    assert (await admin.post("/__sandbox/config", json={"service_tier": "platinum"})).status_code == 400


async def test_workflow_lock_is_reread_then_retried_and_surfaces_when_it_persists(sandbox, admin):
    async with make_client(sandbox) as client:
        await admin.post("/__sandbox/config", json={"workflow_lock_next": 1})
        await client.patch("customer", "101", {"phone": "555-0101"})
        assert (await client.get("customer", "101"))["phone"] == "555-0101"
        await admin.post("/__sandbox/config", json={"workflow_lock_rate": 1.0})
        with pytest.raises(RereadError):
            await client.patch("customer", "101", {"phone": "555-0102"})


async def test_every_record_type_keeps_custom_fields(client: NetSuiteClient, admin):
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    line = {"item": {"id": items["TEE-BLK-M"]}, "quantity": 2, "rate": 10, "custcol_bc_order_product_id": 77}
    created = {
        "customer": await client.create("customer", {"firstName": "Cy", "lastName": "Field", "subsidiary": {"id": "1"},
                                                     "custentity_bc_customer_id": "42"}),
        "inventoryItem": await client.create("inventoryItem", {"itemId": "CUST-F-1", "custitem_bc_buffer": 2}),
        "location": await client.create("location", {"name": "Overflow", "custrecord_zone": "B"}),
        "priceLevel": await client.create("priceLevel", {"name": "VIP", "discountPct": -10, "custrecord_tier": "1"}),
        "salesOrder": await client.create("salesOrder", {"entity": {"id": "101"}, "location": {"id": "1"},
                                                         "custbody_bc_order_id": "9001", "item": {"items": [line]}}),
        "journalEntry": await client.create("journalEntry", {
            "subsidiary": {"id": "1"}, "custbody_payout": "po_1",
            "line": {"items": [{"account": {"id": "10"}, "debit": 5, "custcol_fee": "x"},
                               {"account": {"id": "11"}, "credit": 5}]}}),
    }
    so = created["salesOrder"].id
    created["itemFulfillment"] = await client.transform("salesOrder", so, "itemFulfillment",
                                                        {"custbody_pick_ticket": "P1"})
    created["returnAuthorization"] = await client.transform("salesOrder", so, "returnAuthorization",
                                                            {"custbody_rma": "R1"})
    ra = created["returnAuthorization"].id
    created["itemReceipt"] = await client.transform("returnAuthorization", ra, "itemReceipt",
                                                    {"custbody_dock": "D1",
                                                     "item": {"items": [{"orderLine": 1, "quantity": 1}]}})
    created["creditMemo"] = await client.transform("returnAuthorization", ra, "creditMemo",
                                                   {"custbody_cm": "C1", "item": {"items": [{"orderLine": 1,
                                                                                             "quantity": 1}]}})
    created["customerRefund"] = await client.create("customerRefund", {  # refunds a credit: account and apply
        "customer": {"id": "101"}, "account": {"id": "10"}, "total": 5, "custbody_reason": "damaged",
        "apply": {"items": [{"doc": {"id": created["creditMemo"].id}, "apply": True, "amount": 5}]}})
    created["cashRefund"] = await client.transform("returnAuthorization", ra, "cashRefund",
                                                   {"custbody_cr": "X1", "item": {"items": [{"orderLine": 1,
                                                                                             "quantity": 1}]}})
    for record_type, result in created.items():
        record = await client.get(record_type, result.id, expand=True)
        custom = {k for k in record if k.startswith("cust")}
        assert custom, record_type
    order = await client.get("salesOrder", so, expand=True)
    assert order["custbody_bc_order_id"] == "9001"
    assert order["item"]["items"][0]["custcol_bc_order_product_id"] == 77
    rows = [r async for r in client.suiteql(
        "SELECT t.custbody_bc_order_id, tl.custcol_bc_order_product_id FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' WHERE t.id = ?", [so])]
    assert rows == [{"custbody_bc_order_id": "9001", "custcol_bc_order_product_id": "77"}]


async def stock_of(client: NetSuiteClient, item: str, location: str) -> tuple[int, int, int]:
    (row,) = [r async for r in client.suiteql(
        "SELECT quantityonhand, quantitycommitted, quantityavailable FROM aggregateitemlocation "
        "WHERE item = ? AND location = ?", [item, location])]
    figures = (Decimal(row["quantityonhand"]), Decimal(row["quantitycommitted"]), Decimal(row["quantityavailable"]))
    assert all(f == f.to_integral() for f in figures)
    return int(figures[0]), int(figures[1]), int(figures[2])


async def test_orders_commit_stock_and_fulfilment_relieves_it(client: NetSuiteClient, admin):
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    item = items["TEE-WHT-S"]
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-WHT-S", "location": "2", "quantity": 4})
    assert await stock_of(client, item, "2") == (4, 0, 4)
    first = await client.upsert("salesOrder", "BC-SO-s-1", {
        "entity": {"id": "101"}, "location": {"id": "2"},
        "item": {"items": [{"item": {"id": item}, "quantity": 3, "rate": 10}]}})
    assert await stock_of(client, item, "2") == (4, 3, 1)
    await client.upsert("salesOrder", "BC-SO-s-2", {
        "entity": {"id": "101"}, "location": {"id": "2"},
        "item": {"items": [{"item": {"id": item}, "quantity": 3, "rate": 10}]}})
    assert await stock_of(client, item, "2") == (4, 4, 0)  # the rest is back ordered
    shipped = await admin.post("/__sandbox/warehouse/fulfil", json={"salesOrder": "eid:BC-SO-s-1",
                                                                    "lines": [{"sku": "TEE-WHT-S", "quantity": 2}],
                                                                    "carrier": "UPS", "tracking": ["1ZA"]})
    assert shipped.status_code == 201
    assert await stock_of(client, item, "2") == (2, 2, 0)  # 1 left on order 1, 1 of 3 for order 2
    await admin.post("/__sandbox/warehouse/stock", json={"sku": "TEE-WHT-S", "location": "2", "quantity": 10,
                                                         "adjust": True})
    assert await stock_of(client, item, "2") == (12, 4, 8)
    await client.delete("salesOrder", first.id)
    assert await stock_of(client, item, "2") == (12, 3, 9)


async def test_warehouse_cli_fulfils_partially_and_receives_a_return(sandbox, client: NetSuiteClient, admin):
    items = {r["itemId"]: r["id"] for r in (await admin.get("/__sandbox/records/inventoryItem")).json()}
    so = await client.upsert("salesOrder", "BC-SO-cli-5", {
        "entity": {"id": "101"}, "location": {"id": "1"},
        "item": {"items": [{"item": {"id": items["TEE-BLK-M"]}, "quantity": 2, "rate": 10},
                           {"item": {"id": items["TEE-BLK-L"]}, "quantity": 1, "rate": 10}]}})
    loop = asyncio.get_running_loop()
    args = ["--url", sandbox.url, "fulfil", "eid:BC-SO-cli-5", "--line", "TEE-BLK-M=1", "--carrier", "USPS",
            "--ship-method", "UPS Ground", "--tracking", "9400"]
    assert await loop.run_in_executor(None, warehouse_main, args) == 0
    order = await client.get("salesOrder", so.id)
    assert order["status"]["id"] == "D"
    fulfilments = (await admin.get("/__sandbox/records/itemFulfillment")).json()
    mine = [f for f in fulfilments if f["createdFrom"]["id"] == so.id]
    assert [(x["quantity"], x["orderLine"]) for x in mine[0]["item"]["items"]] == [(1, 1)]
    assert mine[0]["package"]["items"][0]["packageTrackingNumber"] == "9400"
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "stock", "TEE-BLK-L", "3", "7"]) == 0
    assert (await stock_of(client, items["TEE-BLK-L"], "3"))[0] == 7
    ra = await client.transform("salesOrder", so.id, "returnAuthorization")
    before = (await stock_of(client, items["TEE-BLK-M"], "1"))[0]
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "receive-return", ra.id,
                                                             "--line", "TEE-BLK-M=1", "--location", "1"]) == 0
    assert (await stock_of(client, items["TEE-BLK-M"], "1"))[0] == before + 1
    # the return holds only what was shipped (1 × TEE-BLK-M): all of it is received, pending refund
    assert (await client.get("returnAuthorization", ra.id))["status"]["id"] == "F"
    assert await loop.run_in_executor(None, warehouse_main, ["--url", sandbox.url, "fulfil", "99999"]) == 1


async def test_seed_has_two_customers_sharing_an_email_in_different_case(client: NetSuiteClient):
    rows = [r async for r in client.suiteql(
        "SELECT id, email, isinactive FROM customer WHERE LOWER(email) = ? ORDER BY id", ["alex.jones@example.com"])]
    assert len(rows) == 2 and len({r["email"] for r in rows}) == 2
    locations = [r async for r in client.suiteql("SELECT id, name, makeinventoryavailablestore FROM location")]
    assert [r["makeinventoryavailablestore"] for r in locations] == ["T", "T", "F"]


async def _forty_callers(sandbox, governor: ConcurrencyGovernor, prefix: str, configure: bool) -> None:
    settings = NetSuiteSettings(base_url=sandbox.url)
    async with NetSuiteClient(settings, governor=governor, backoff=fast_backoff(12)) as client:
        if configure:
            assert await client.configure_concurrency() == 5

        async def caller(n: int) -> None:
            for i in range(5):
                await client.upsert("customer", f"{prefix}-{n}-{i}", {"firstName": "G", "lastName": str(n),
                                                                       "subsidiary": {"id": "1"}})

        await asyncio.gather(*(caller(n) for n in range(40)))


@pytest.mark.parametrize(("start", "configure", "ceiling"), [(15, True, 0.01), (15, False, 0.10)])
async def test_governor_keeps_429s_rare_with_40_callers_against_a_limit_of_5(sandbox, admin, start, configure,
                                                                             ceiling):
    """Sized from governanceLimits: no 429 at all. Configured 3x too high: AIMD finds the limit fast."""
    await admin.post("/__sandbox/config", json={"service_tier": "standard", "latency_ms": 30,
                                                "latency_jitter_ms": 20})
    await _forty_callers(sandbox, ConcurrencyGovernor(start, increase_interval=5.0), "BC-CUST-g40", configure)
    stats = (await admin.get("/__sandbox/stats")).json()
    assert stats["max_in_flight"] <= 5
    assert stats["throttled"] / stats["requests"] <= ceiling, stats
    customers = (await admin.get("/__sandbox/records/customer")).json()
    assert len([c for c in customers if (c.get("externalId") or "").startswith("BC-CUST-g40-")]) == 200


async def test_commit_then_drop_on_ten_percent_of_writes_leaves_no_duplicates(sandbox, admin):
    await admin.post("/__sandbox/config", json={"drop_after_commit_rate": 0.1})
    async with make_client(sandbox, attempts=12) as client:
        async def write(n: int) -> None:
            body = {"firstName": "Drop", "lastName": str(n), "subsidiary": {"id": "1"}}
            if n % 2:
                await client.upsert("customer", f"BC-CUST-drop-{n}", body)
            else:
                await client.create("customer", {**body, "externalId": f"BC-CUST-drop-{n}"})

        await asyncio.gather(*(write(n) for n in range(200)))
    stats = (await admin.get("/__sandbox/stats")).json()
    assert stats["dropped"] >= 5  # the fault really happened
    customers = (await admin.get("/__sandbox/records/customer")).json()
    mine = Counter(c["externalId"] for c in customers if (c.get("externalId") or "").startswith("BC-CUST-drop-"))
    assert len(mine) == 200 and set(mine.values()) == {1}
    names = Counter(c["lastName"] for c in customers if c.get("firstName") == "Drop")
    assert set(names.values()) == {1}
