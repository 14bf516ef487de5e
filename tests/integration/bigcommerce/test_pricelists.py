"""Price lists through the client against the sandbox over real HTTP: lists, records with bulk pricing
tiers, the typed 422 of a refused batch, a deleted list, SKU deletes, assignments, the concurrency limit."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.bigcommerce import BigCommerceClient, Lane, PriceRecordsRejected, ValidationError
from connectors.bigcommerce.models import BulkPricingTier, PriceRecordUpsert
from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer
from connectors.http import AlreadyExistsError, NotFoundError

UPSERT = "PUT /v3/pricelists/{price_list_id}/records"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(rng_seed=1, currencies=("usd", "eur", "jpy"))


async def seed(admin: httpx.AsyncClient, skus: list[str], variants: int = 5) -> dict[str, int]:
    resp = await admin.post("/__sandbox/seed/products", json={"prefix": "PL", "skus": skus, "variants": variants})
    assert resp.status_code == 200
    return {row["sku"]: row["variant_id"] for row in resp.json()["items"]}


async def stats(admin: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await admin.get("/__sandbox/state/stats")).json())


def rec(sku: str, price: str, currency: str = "usd", **extra: Any) -> PriceRecordUpsert:
    return PriceRecordUpsert(sku=sku, currency=currency, price=Decimal(price), **extra)


TIERS = [
    BulkPricingTier(quantity_min=1, quantity_max=9, type="fixed", amount=Decimal("11.50")),
    BulkPricingTier(quantity_min=10, quantity_max=49, type="price", amount=Decimal("1.25")),
    BulkPricingTier(quantity_min=50, quantity_max=None, type="percent", amount=Decimal("12.5")),
]


async def test_price_list_lifecycle(client: BigCommerceClient) -> None:
    made = await client.create_price_list("B2B Gold")
    assert made.active and made.name == "B2B Gold"
    with pytest.raises(AlreadyExistsError):
        await client.create_price_list("B2B Gold")
    assert (await client.get_price_list(made.id)) == made
    assert (await client.price_list_by_name("B2B Gold")) == made
    assert await client.price_list_by_name("B2B") is None
    assert [p.name for p in await client.list_price_lists()] == ["Wholesale", "B2B Gold"]
    off = await client.update_price_list(made.id, name="B2B Gold", active=False)
    assert off.active is False
    await client.delete_price_list(made.id)
    assert await client.get_price_list(made.id) is None
    await client.delete_price_list(made.id)  # already gone: fine


async def test_records_round_trip_with_tiers(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    ids = await seed(admin, ["GOLD-1", "GOLD-2", "GOLD-3"])
    pl = await client.create_price_list("Gold")
    await client.upsert_price_records(pl.id, [
        rec("GOLD-1", "12.00", bulk_pricing_tiers=TIERS, sale_price=Decimal("11.99")),
        rec("GOLD-2", "8.10"),
        PriceRecordUpsert(variant_id=ids["GOLD-3"], currency="EUR", price=Decimal("7")),
        rec("GOLD-1", "1800", "jpy"),
    ], lane=Lane.LOW)
    records = {(r.sku, r.currency): r async for r in client.list_price_records(pl.id)}
    assert set(records) == {("GOLD-1", "usd"), ("GOLD-2", "usd"), ("GOLD-3", "eur"), ("GOLD-1", "jpy")}
    gold = records[("GOLD-1", "usd")]
    assert gold.bulk_pricing_tiers == TIERS and gold.variant_id == ids["GOLD-1"]
    assert (gold.price, gold.sale_price, gold.calculated_price) == (Decimal("12"), Decimal("11.99"), Decimal("11.99"))
    assert records[("GOLD-1", "jpy")].price == Decimal(1800)
    bare = [r async for r in client.list_price_records(pl.id, include_tiers=False, skus=["GOLD-1"], currency="USD")]
    assert [(r.sku, r.bulk_pricing_tiers) for r in bare] == [("GOLD-1", [])]
    state = (await admin.get(f"/__sandbox/state/pricelists/{pl.id}/records")).json()
    tiers = next(r for r in state["records"] if r["sku"] == "GOLD-1" and r["currency"] == "usd")["bulk_pricing_tiers"]
    assert tiers[-1] == {"quantity_min": 50, "quantity_max": None, "type": "percent", "amount": "12.5"}
    # an upsert replaces the record: tiers not sent are gone
    await client.upsert_price_records(pl.id, [rec("GOLD-1", "12.00")])
    again = [r async for r in client.list_price_records(pl.id, skus=["GOLD-1"], currency="usd")]
    assert again[0].bulk_pricing_tiers == [] and again[0].sale_price is None


async def test_one_request_per_call_and_at_most_a_thousand(client: BigCommerceClient,
                                                           admin: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="at most 1000"):
        await client.upsert_price_records(1, [rec("X", "1")] * 1001)
    await admin.post("/__sandbox/state/stats/reset")
    await client.upsert_price_records(1, [])
    assert (await stats(admin))["requests"] == 0
    skus = [f"K-{n}" for n in range(1000)]
    await seed(admin, skus, variants=10)
    await client.upsert_price_records(1, [rec(s, "2.00") for s in skus])
    assert (await stats(admin))["by_endpoint"][UPSERT] == 1


async def test_a_refused_batch_raises_with_item_errors_and_writes_nothing(client: BigCommerceClient,
                                                                          admin: httpx.AsyncClient) -> None:
    await seed(admin, ["OK-1", "OK-2", "YEN-1"])
    pl = await client.create_price_list("Bisect")
    batch = [rec("OK-1", "5.00"), rec("MISSING-1", "5.00"), rec("YEN-1", "100.5", "jpy"), rec("OK-2", "5", "gbp")]
    with pytest.raises(PriceRecordsRejected) as info:
        await client.upsert_price_records(pl.id, batch)
    err = info.value
    assert isinstance(err, ValidationError) and err.status == 422
    assert [(e.sku, sorted(e.field_errors)) for e in err.item_errors] == [
        ("MISSING-1", ["sku"]), ("YEN-1", ["price"]), ("OK-2", ["currency"])]
    assert [r async for r in client.list_price_records(pl.id)] == []
    good = [r for r in batch if not any(e.matches(variant_id=r.variant_id, sku=r.sku, currency=r.currency)
                                        for e in err.item_errors)]
    await client.upsert_price_records(pl.id, good)
    assert [r.sku async for r in client.list_price_records(pl.id)] == ["OK-1"]


async def test_a_sku_fault_refuses_that_item(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    await seed(admin, ["F-1", "F-2"])
    fault = await admin.post("/__sandbox/faults/price_records",
                             json={"sku": "F-2", "field": "price", "message": "Price is locked", "times": 1})
    assert fault.status_code == 200 and fault.json()["times"] == 1
    with pytest.raises(PriceRecordsRejected) as info:
        await client.upsert_price_records(1, [rec("F-1", "3"), rec("F-2", "4")])
    assert [(e.sku, e.field_errors) for e in info.value.item_errors] == [("F-2", {"price": "Price is locked"})]
    assert (await admin.get("/__sandbox/faults/price_records")).json()[0]["served"] == 1
    await client.upsert_price_records(1, [rec("F-1", "3"), rec("F-2", "4")])
    assert (await admin.delete("/__sandbox/faults/price_records")).json() == {"cleared": 1}


async def test_a_list_deleted_by_the_merchant_is_not_found(client: BigCommerceClient,
                                                           admin: httpx.AsyncClient) -> None:
    await seed(admin, ["D-1"])
    pl = await client.create_price_list("Doomed")
    await client.upsert_price_records(pl.id, [rec("D-1", "1")])
    group = await client.create_customer_group("Doomed buyers")
    await client.upsert_price_list_assignment(pl.id, customer_group_id=group.id)
    assert (await admin.delete(f"/__sandbox/pricelists/{pl.id}")).json() == {"deleted": True}
    with pytest.raises(NotFoundError):
        await client.upsert_price_records(pl.id, [rec("D-1", "2")])
    with pytest.raises(NotFoundError):
        [r async for r in client.list_price_records(pl.id)]
    assert await client.get_price_list(pl.id) is None
    assert await client.list_price_list_assignments(customer_group_id=group.id) == []
    assert (await admin.get(f"/__sandbox/state/pricelists/{pl.id}/records")).status_code == 404


async def test_delete_records_by_sku(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    skus = [f"DEL-{n}" for n in range(150)]
    await seed(admin, skus, variants=50)
    pl = await client.create_price_list("Deletes")
    await client.upsert_price_records(pl.id, [rec(s, "1") for s in skus] + [rec(s, "1", "eur") for s in skus[:3]])
    await admin.post("/__sandbox/state/stats/reset")
    await client.delete_price_records(pl.id, skus=skus[:120], currency="usd")
    assert (await stats(admin))["by_endpoint"]["DELETE /v3/pricelists/{price_list_id}/records"] == 2
    left = {(r.sku, r.currency) async for r in client.list_price_records(pl.id)}
    assert left == {(s, "usd") for s in skus[120:]} | {(s, "eur") for s in skus[:3]}
    await client.delete_price_records(pl.id, skus=skus[:3])
    await client.delete_price_records(pl.id, skus=[])  # nothing to delete: no request (never an unfiltered DELETE)
    assert {r.currency async for r in client.list_price_records(pl.id)} == {"usd"}


async def test_records_are_paged_by_cursor(client: BigCommerceClient, admin: httpx.AsyncClient,
                                           sandbox: SandboxServer) -> None:
    skus = [f"PG-{n}" for n in range(600)]
    await seed(admin, skus, variants=20)
    pl = await client.create_price_list("Paging")
    await client.upsert_price_records(pl.id, [rec(s, "1") for s in skus])
    await admin.post("/__sandbox/state/stats/reset")
    assert len({r.sku async for r in client.list_price_records(pl.id)}) == 600
    assert (await stats(admin))["by_endpoint"]["GET /v3/pricelists/{price_list_id}/records"] == 3
    url = f"/stores/{sandbox.config.store_hash}/v3/pricelists/{pl.id}/records"
    first = (await admin.get(url, params={"limit": 400})).json()["meta"]  # above the maximum: 250
    assert first["pagination"]["total"] == 600 and first["cursor_pagination"]["per_page"] == 250
    assert "next" in first["cursor_pagination"]["links"]
    cursor = first["cursor_pagination"]["end_cursor"]
    second = (await admin.get(url, params={"limit": 300, "after": cursor})).json()
    assert list(second["meta"]) == ["cursor_pagination"] and second["meta"]["cursor_pagination"]["count"] == 250
    last = (await admin.get(url, params={"after": second["meta"]["cursor_pagination"]["end_cursor"]})).json()
    assert len(last["data"]) == 50 and "next" in last["meta"]["cursor_pagination"]["links"]  # default limit 50
    back = await admin.get(url, params={"before": last["meta"]["cursor_pagination"]["start_cursor"], "limit": 5})
    assert [r["variant_id"] for r in back.json()["data"]] == [r["variant_id"] for r in second["data"][-5:]]
    assert list((await admin.get(url, params={"page": 3})).json()["meta"]) == ["pagination"]


async def test_assignments(client: BigCommerceClient) -> None:
    pl = await client.create_price_list("Assigned")
    group = await client.create_customer_group("Gold buyers")
    made = await client.upsert_price_list_assignment(pl.id, customer_group_id=group.id)
    assert (made.price_list_id, made.customer_group_id, made.channel_id) == (pl.id, group.id, 1)
    again = await client.upsert_price_list_assignment(1, customer_group_id=group.id)
    assert again.id == made.id and again.price_list_id == 1  # one list per group and channel
    assert [a.id for a in await client.list_price_list_assignments(customer_group_id=group.id)] == [made.id]
    with pytest.raises(NotFoundError):
        await client.upsert_price_list_assignment(pl.id, customer_group_id=999)
    await client.delete_price_list_assignments(customer_group_id=group.id)
    assert await client.list_price_list_assignments(customer_group_id=group.id) == []
    assert len(await client.list_price_list_assignments(price_list_id=1)) == 1  # the seeded Wholesale one
    with pytest.raises(ValueError, match="filter"):
        await client.delete_price_list_assignments()


async def test_a_third_concurrent_upsert_gets_429_but_never_through_the_client(
    client: BigCommerceClient, admin: httpx.AsyncClient, sandbox: SandboxServer
) -> None:
    await seed(admin, ["C-1"])
    await admin.post("/__sandbox/config", json={"pricelist_upsert_delay_ms": 300})
    await admin.post("/__sandbox/state/stats/reset")
    url = f"/stores/{sandbox.config.store_hash}/v3/pricelists/1/records"
    codes = await asyncio.gather(*(admin.put(url, json=[{"sku": "C-1", "currency": "usd", "price": n}])
                                   for n in range(3)))
    assert sorted(r.status_code for r in codes) == [200, 200, 429]
    assert (await stats(admin))["concurrency_limited"] == {"pricelist_records_upsert": 1}
    await admin.post("/__sandbox/state/stats/reset")
    await asyncio.gather(*(client.upsert_price_records(1, [rec("C-1", str(n))]) for n in range(6)))
    after = await stats(admin)
    assert after["concurrency_limited"] == {} and after["by_endpoint"][UPSERT] == 6 and after["rate_limited"] == 0


async def test_injected_429s_are_retried(client: BigCommerceClient, admin: httpx.AsyncClient) -> None:
    await seed(admin, ["R-1"])
    await admin.post("/__sandbox/config", json={"error_429_rate": 0.5, "error_429_endpoint": "/records"})
    for n in range(6):
        await client.upsert_price_records(1, [rec("R-1", str(n))])
    assert [r.price async for r in client.list_price_records(1, skus=["R-1"])] == [Decimal(5)]
    assert (await stats(admin))["injected_429"] > 0
