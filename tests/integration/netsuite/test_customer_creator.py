"""New customers: one upsert each while NetSuite has a free slot, one batch upsert per window while it has none."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from connectors.http import PermanentError
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.governor import Slot
from streams.orders.customers import CustomerCreator


def _body(name: str, **extra: Any) -> dict[str, Any]:
    return {"email": f"{name}@example.org", "subsidiary": {"id": "1"}, "currency": {"id": "1"},
            "isPerson": True, "firstName": name.title(), "lastName": "Tester", **extra}


async def _kinds(admin: httpx.AsyncClient) -> dict[str, int]:
    return dict((await admin.get("/__sandbox/stats")).json()["by_kind"])


def _creator(client: NetSuiteClient, **options: Any) -> CustomerCreator:
    async def provide() -> NetSuiteClient:
        return client

    return CustomerCreator(provide, **options)


async def _saturate(client: NetSuiteClient) -> list[Slot]:
    held = [await client.governor.acquire() for _ in range(client.governor.limit)]
    assert client.governor.saturated
    return held


async def test_free_slots_create_each_customer_with_its_own_upsert(client: NetSuiteClient, admin) -> None:
    creator = _creator(client)
    ns_id = await creator.create("T-CUST-solo", _body("solo", externalId="T-CUST-solo"))
    kinds = await _kinds(admin)
    assert kinds.get("PUT customer") == 1
    assert not [kind for kind in kinds if kind.endswith("batch")]
    assert creator.batches == 0
    assert (await client.get("customer", ns_id))["externalId"] == "T-CUST-solo"


async def test_customers_asked_for_while_saturated_share_one_batch(client: NetSuiteClient, admin) -> None:
    creator = _creator(client, window=0.2, poll=0.1)
    held = await _saturate(client)
    names = ["ada", "bo", "cy"]
    pending = [asyncio.ensure_future(creator.create(f"T-CUST-{n}", _body(n))) for n in names]
    await asyncio.sleep(0.05)
    for slot in held:
        client.governor.release(slot)
    ids = await asyncio.gather(*pending)

    assert len(set(ids)) == 3
    assert creator.batches == 1
    kinds = await _kinds(admin)
    assert kinds.get("PUT customer batch") == 1
    assert "PUT customer" not in kinds  # nobody fell back to a single upsert
    for name, ns_id in zip(names, ids, strict=True):
        record = await client.get("customer", ns_id)
        assert (record["externalId"], record["email"]) == (f"T-CUST-{name}", f"{name}@example.org")

    # the same externalIds again: upserted onto the same records, not duplicated
    held = await _saturate(client)
    again = [asyncio.ensure_future(creator.create(f"T-CUST-{n}", _body(n))) for n in names]
    await asyncio.sleep(0.05)
    for slot in held:
        client.governor.release(slot)
    assert await asyncio.gather(*again) == ids
    rows = [row async for row in client.suiteql(
        "SELECT id FROM customer WHERE externalid IN (?, ?, ?)", [f"T-CUST-{n}" for n in names])]
    assert len(rows) == 3


async def test_a_record_the_batch_rejects_gets_netsuites_own_error(client: NetSuiteClient, admin) -> None:
    creator = _creator(client, window=0.2, poll=0.1)
    held = await _saturate(client)
    good = asyncio.ensure_future(creator.create("T-CUST-good", _body("good")))
    bad = asyncio.ensure_future(creator.create("T-CUST-bad", _body("bad", notARealField="x")))
    await asyncio.sleep(0.05)
    for slot in held:
        client.governor.release(slot)
    assert (await client.get("customer", await good))["externalId"] == "T-CUST-good"
    with pytest.raises(PermanentError):
        await bad
    assert creator.batches == 1
    assert (await _kinds(admin)).get("PUT customer") == 1  # only the rejected one was retried on its own
