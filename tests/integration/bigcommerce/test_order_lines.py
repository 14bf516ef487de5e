"""Orders with their lines in one request: ``include=consignments.line_items&consignment_structure=object``.

Over real HTTP against the sandbox, on orders made by the load generator (multi-address, coupons, line
discounts): ``get_order_with_lines`` / ``list_orders_with_lines`` give exactly what ``get_order`` +
``order_products`` + ``order_shipping_addresses`` give; the responses validate against orders.v2.oas2.yml;
without ``include`` nothing changed.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
import pytest

from connectors.bigcommerce import ValidationError
from connectors.bigcommerce.formats import loads
from connectors.bigcommerce.models import Order, OrderWithLines
from connectors.bigcommerce.sandbox import SandboxConfig
from connectors.bigcommerce.sandbox.load import LoadMix, generate_orders
from connectors.bigcommerce.versions import order_version

from .test_openapi import SPECS, _resolve, _spec, validate

COUNT = 24
RICH_MIX = LoadMix(
    guest_share=0.3, coupon_share=0.5, line_discount_share=0.5, manual_discount_share=0.2, multi_address_share=0.4
)
EXPANDED = {"include": "consignments.line_items", "consignment_structure": "object"}
LINKED = {"include": "consignments", "consignment_structure": "object"}
needs_specs = pytest.mark.skipif(not SPECS.exists(), reason="official specs not available")


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(rng_seed=5, inventory_delay_ms=10, quota=10_000)  # pacing is tested elsewhere


@pytest.fixture
async def order_ids(client) -> list[int]:
    ids = await generate_orders(client, count=COUNT, rate=0, seed=21, mix=RICH_MIX)
    return sorted(ids)


def _declared(order: Order) -> dict[str, Any]:
    return order.model_dump(include=set(Order.model_fields))


async def _assert_same_as_separate_reads(client, read: OrderWithLines, *, whole_order: bool) -> None:
    order_id = read.order.id
    order = await client.get_order(order_id)
    if whole_order:
        assert read.order == order
    assert _declared(read.order) == _declared(order)
    assert order_version(read.order) == order_version(order)
    assert "consignments" not in (read.order.model_extra or {})
    assert read.products == await client.order_products(order_id)
    assert read.shipping_addresses == await client.order_shipping_addresses(order_id)


# --------------------------------------------------------------------------- client


async def test_get_order_with_lines_equals_separate_reads(client, order_ids):
    multi = coupon = line_discount = False
    for order_id in order_ids:
        read = await client.get_order_with_lines(order_id)
        await _assert_same_as_separate_reads(client, read, whole_order=True)
        assert [p.id for p in read.products] == sorted(p.id for p in read.products)
        assert all(a.order_id == order_id for a in read.shipping_addresses)
        assert sum(a.items_total for a in read.shipping_addresses) == read.order.items_total
        multi |= len(read.shipping_addresses) > 1
        coupon |= read.order.coupon_discount > 0
        line_discount |= any(d.target == "product" for p in read.products for d in p.applied_discounts)
    assert multi and coupon and line_discount, "the load mix should cover multi-address, coupons, line discounts"


async def test_list_orders_with_lines_by_id_range_equals_separate_reads(client, order_ids):
    reads = await client.list_orders_with_lines(min_id=order_ids[0], max_id=order_ids[-1], sort="id:asc")
    assert [r.order.id for r in reads] == order_ids
    for read in reads:
        await _assert_same_as_separate_reads(client, read, whole_order=False)
        single = await client.get_order_with_lines(read.order.id)
        assert _declared(read.order) == _declared(single.order)
        assert read.products == single.products and read.shipping_addresses == single.shipping_addresses

    inner = await client.list_orders_with_lines(min_id=order_ids[3], max_id=order_ids[9])
    assert [r.order.id for r in inner] == order_ids[3:10]


async def test_list_orders_with_lines_pages(client, order_ids):
    limit = 5
    assert limit < COUNT
    pages: list[list[OrderWithLines]] = []
    page = 1
    while True:
        rows = await client.list_orders_with_lines(
            min_id=order_ids[0], max_id=order_ids[-1], sort="id:asc", page=page, limit=limit
        )
        if not rows:
            break
        pages.append(rows)
        page += 1
    assert [len(p) for p in pages] == [5, 5, 5, 5, 4]
    flat = [r for p in pages for r in p]
    everything = await client.list_orders_with_lines(min_id=order_ids[0], max_id=order_ids[-1], sort="id:asc")
    assert flat == everything
    assert await client.list_orders_with_lines(min_id=order_ids[-1] + 1) == []  # the 204


async def test_list_orders_with_lines_by_date_modified(client, order_ids):
    first = await client.get_order(order_ids[0])
    assert first.date_modified is not None
    reads = await client.list_orders_with_lines(min_date_modified=first.date_modified, sort="date_modified:asc")
    assert {r.order.id for r in reads} >= set(order_ids)
    stamps = [r.order.date_modified for r in reads]
    assert stamps == sorted(s for s in stamps if s is not None)


@needs_specs
async def test_digital_lines_are_a_download_consignment(client, admin, sandbox, order_ids):
    order_id = next(i for i in order_ids if len(sandbox.store.order_products[i]) > 1)
    digital = sandbox.store.order_products[order_id][-1]
    digital["type"] = "digital"  # the seeded catalog has no digital products
    raw = (await admin.get(_order_path(sandbox, order_id), params=EXPANDED)).json()
    consignments = raw["consignments"]
    assert [[line["id"] for line in d["line_items"]] for d in consignments["downloads"]] == [[digital["id"]]]
    assert digital["id"] not in {line["id"] for s in consignments["shipping"] for line in s["line_items"]}
    validate_pinned(raw, "/orders/{order_id}", line_items="orderProducts")
    read = await client.get_order_with_lines(order_id)
    await _assert_same_as_separate_reads(client, read, whole_order=True)
    assert digital["id"] in {p.id for p in read.products}


async def test_linked_line_items_are_refused_by_the_client(admin, sandbox, order_ids):
    response = await admin.get(_order_path(sandbox, order_ids[0]), params=LINKED)
    with pytest.raises(ValueError, match="links"):
        OrderWithLines.from_order_row(loads(response.content))
    response = await admin.get(_order_path(sandbox, order_ids[0]))
    with pytest.raises(ValueError, match="no consignments"):
        OrderWithLines.from_order_row(loads(response.content))


async def test_bad_include_is_a_400(client, admin, sandbox, order_ids):
    response = await admin.get(_order_path(sandbox, order_ids[0]), params={"include": "nope"})
    assert response.status_code == 400
    response = await admin.get(_orders_path(sandbox), params={**EXPANDED, "consignment_structure": "array"})
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        await anext(client.list_orders(include="nope"))


# --------------------------------------------------------------------------- sandbox responses, spec


def _orders_path(sandbox) -> str:
    return f"/stores/{sandbox.config.store_hash}/v2/orders"


def _order_path(sandbox, order_id: int) -> str:
    return f"{_orders_path(sandbox)}/{order_id}"


@cache
def _pinned_spec(line_items: str, consignments: str) -> dict[str, Any]:
    """orders.v2.oas2.yml with its ambiguous ``oneOf``s pinned to the branch the request asked for.

    As published, ``order_RespOnly.consignments`` is ``oneOf [orderConsignments_Resource,
    orderConsignment_Get]`` and every consignment's ``line_items`` is ``oneOf [array of products_Resource,
    array of orderProducts]``; neither branch has ``required`` (and the resources allow any property), so
    any object matches both and a strict validator rejects every consignment (or accepts a broken one as
    a "resource"). Pinned, and with the resources closed to ``{url, resource}``, the check is strict.
    """
    spec = copy.deepcopy(_spec("orders.v2.oas2.yml"))
    schemas = spec["components"]["schemas"]
    schemas["order_RespOnly"]["properties"]["consignments"] = {"$ref": f"#/components/schemas/{consignments}"}
    for name in ("products_Resource", "orderConsignments_Resource"):
        schemas[name] = {**schemas[name], "required": ["url", "resource"], "additionalProperties": False}
    pinned = {"type": "array", "items": {"$ref": f"#/components/schemas/{line_items}"}}

    def pin(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                pin(item)
        elif isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and "line_items" in props and "oneOf" in props["line_items"]:
                props["line_items"] = pinned
            for value in node.values():
                pin(value)

    for name in ("shippingConsignment_Get", "pickupConsignment_Get", "digitalConsignment_Get",
                 "giftCertificateConsignment_Get"):
        pin(schemas[name])
    return spec


def validate_pinned(body: Any, path: str, *, line_items: str = "orderProducts",
                    consignments: str = "orderConsignment_Get") -> None:
    spec = _pinned_spec(line_items, consignments)
    response = _resolve(spec, copy.deepcopy(spec["paths"][path]["get"]["responses"]["200"]))
    jsonschema.Draft7Validator(response["content"]["application/json"]["schema"]).validate(body)


@needs_specs
async def test_expanded_consignments_validate_against_spec(admin, sandbox, order_ids):
    one = (await admin.get(_order_path(sandbox, order_ids[0]), params=EXPANDED)).json()
    validate_pinned(one, "/orders/{order_id}")
    # the published spec accepts it too, though only vacuously (as an orderConsignments_Resource)
    validate(one, "orders.v2.oas2.yml", "/orders/{order_id}")
    page = (await admin.get(_orders_path(sandbox), params={**EXPANDED, "min_id": order_ids[0], "limit": 250}))
    rows = page.json()
    assert len(rows) == COUNT and all("consignments" in r for r in rows)
    validate_pinned(rows, "/orders")
    raw = (await admin.get(f"{_order_path(sandbox, order_ids[0])}/consignments",
                           params={"include": "consignments.line_items"})).json()
    validate_pinned({**one, "consignments": raw}, "/orders/{order_id}")
    assert raw == one["consignments"]

    # a shipping consignment's money is a JSON number (a V2 string elsewhere); the pinned schema sees it
    broken = copy.deepcopy(one)
    broken["consignments"]["shipping"][0]["cost_inc_tax"] = "5.0000"
    with pytest.raises(jsonschema.ValidationError):
        validate_pinned(broken, "/orders/{order_id}")
    for consignment in one["consignments"]["shipping"]:
        assert "order_id" not in consignment
        for line in consignment["line_items"]:
            assert line["order_address_id"] == consignment["id"]


@needs_specs
async def test_linked_consignments_validate_against_spec(admin, sandbox, order_ids):
    body = (await admin.get(_order_path(sandbox, order_ids[0]), params=LINKED)).json()
    validate_pinned(body, "/orders/{order_id}", line_items="products_Resource")
    lines = [line for s in body["consignments"]["shipping"] for line in s["line_items"]]
    assert lines and all(set(line) == {"url", "resource"} for line in lines)
    for line in lines:
        assert line["resource"].startswith(f"/orders/{order_ids[0]}/products/")

    body = (await admin.get(_order_path(sandbox, order_ids[0]), params={"include": "consignments"})).json()
    validate_pinned(body, "/orders/{order_id}", consignments="orderConsignments_Resource")
    assert body["consignments"]["resource"] == f"/orders/{order_ids[0]}/consignments"


@needs_specs
async def test_without_include_nothing_changed(admin, sandbox, order_ids):
    path = _order_path(sandbox, order_ids[0])
    plain = (await admin.get(path)).json()
    assert "consignments" not in plain
    validate(plain, "orders.v2.oas2.yml", "/orders/{order_id}")
    with_lines = (await admin.get(path, params=EXPANDED)).json()
    with_lines.pop("consignments")
    assert with_lines == plain
    assert (await admin.get(path, params={"include": "fees"})).json() == plain

    params = {"min_id": order_ids[0], "max_id": order_ids[-1], "limit": 250}
    plain_rows = (await admin.get(_orders_path(sandbox), params=params)).json()
    assert all("consignments" not in r for r in plain_rows)
    validate(plain_rows, "orders.v2.oas2.yml", "/orders")
    rows = (await admin.get(_orders_path(sandbox), params={**params, **EXPANDED})).json()
    assert [{k: v for k, v in r.items() if k != "consignments"} for r in rows] == plain_rows
