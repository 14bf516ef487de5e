"""V2 bare-array paging with 204 past the end; V3 meta.pagination paging."""

from connectors.bigcommerce.sandbox.load import generate_orders


async def test_v2_pages_until_204(client, admin, sandbox):
    ids = await generate_orders(client, count=7, rate=0, seed=5)
    listed = [o.id async for o in client.list_orders(limit=3, sort="id")]
    assert listed == sorted(ids)
    base = f"/stores/{sandbox.config.store_hash}/v2/orders"
    full = await admin.get(base, params={"limit": 7, "page": 1})
    assert full.status_code == 200 and len(full.json()) == 7
    past_end = await admin.get(base, params={"limit": 7, "page": 2})
    assert past_end.status_code == 204 and past_end.content == b""
    too_big = await admin.get(base, params={"limit": 251})
    assert too_big.status_code == 413


async def test_v2_empty_collection_is_204(admin, sandbox):
    resp = await admin.get(f"/stores/{sandbox.config.store_hash}/v2/orders")
    assert resp.status_code == 204 and resp.content == b""


async def test_v3_pagination_meta(client, admin, sandbox):
    total = len([v async for v in client.list_variants()])
    resp = await admin.get(f"/stores/{sandbox.config.store_hash}/v3/catalog/variants", params={"limit": 10, "page": 2})
    meta = resp.json()["meta"]["pagination"]
    assert meta["total"] == total and meta["current_page"] == 2 and meta["per_page"] == 10
    assert meta["total_pages"] == -(-total // 10)
    assert meta["links"]["previous"] == "?page=1&limit=10"
    paged = [r["id"] async for r in client._v3_pages("/catalog/variants", endpoint="t", limit=7)]
    assert len(paged) == total and len(set(paged)) == total
