"""Customer email lookups share one SuiteQL query; longer windows while NetSuite's slots are all taken."""

from __future__ import annotations

import asyncio

from connectors.netsuite.client import NetSuiteClient
from streams.orders.customers import EmailLookup


async def _queries(admin) -> int:
    kinds = (await admin.get("/__sandbox/stats")).json()["by_kind"]
    return sum(n for kind, n in kinds.items() if kind.startswith("POST suiteql"))


async def test_lookups_in_one_window_share_one_query(client: NetSuiteClient, admin) -> None:
    async def provide() -> NetSuiteClient:
        return client

    lookup = EmailLookup(provide, window=0.05, busy_window=1.0)
    before = await _queries(admin)
    found = await asyncio.gather(lookup.find("alex.jones@example.com"), lookup.find("nobody@example.net"),
                                 lookup.find("alex.jones@example.com"))
    assert await _queries(admin) - before == 1
    assert found[0] and found[0] == found[2] and found[1] == []


async def test_saturated_governor_widens_the_window(client: NetSuiteClient, admin) -> None:
    async def provide() -> NetSuiteClient:
        return client

    lookup = EmailLookup(provide, window=0.01, busy_window=0.4)
    held = [await client.governor.acquire() for _ in range(client.governor.limit)]
    assert client.governor.saturated
    before = await _queries(admin)
    first = asyncio.ensure_future(lookup.find("alex.jones@example.com"))
    await asyncio.sleep(0.1)  # past the idle window, inside the busy one
    for slot in held:
        client.governor.release(slot)
    second = await lookup.find("someone.new@example.net")
    assert (await first) and second == []
    assert await _queries(admin) - before == 1
