"""Price Lists V3: lists, records (batch upsert, delete by filter, one record) and assignments.

Rules are in :mod:`.pricelists`; concurrency limits (records upsert 2, records GET 10, list DELETE 1,
assignment PUT 25) in :mod:`.app` by route name.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from . import pricelists as rules
from . import render
from .state import ApiError
from .web import (
    CONFIG,
    PRICE_FAULTS,
    body,
    int_list,
    int_param,
    store,
    str_list,
    v3_cursor_page,
    v3_json,
)

V3 = "/stores/{store_hash}/v3"
PRICE_RECORD_BATCH = 1000
ASSIGNMENT_BATCH = 25


def _int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise ApiError(404, "The requested resource was not found.")
    return int(raw)


def _list_id(request: web.Request) -> int:
    return int(rules.get_price_list(store(request), _int(request, "price_list_id"))["id"])


def _by_id(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["id"],)


# ------------------------------------------------------------------ price lists


def _filtered_lists(request: web.Request) -> list[dict[str, Any]]:
    rows = sorted(store(request).pricelists.values(), key=lambda p: p["id"])
    if "name" in request.query:
        rows = [p for p in rows if p["name"] == request.query["name"]]
    if "name:like" in request.query:
        rows = [p for p in rows if request.query["name:like"].lower() in p["name"].lower()]
    ids = int_list(request, "id:in")
    if ids is not None:
        rows = [p for p in rows if p["id"] in ids]
    return rows


async def list_price_lists(request: web.Request) -> web.Response:
    return v3_cursor_page(request, _filtered_lists(request), key=_by_id)


async def create_price_list(request: web.Request) -> web.Response:
    return v3_json(rules.create_price_list(store(request), await body(request)))


async def delete_price_lists(request: web.Request) -> web.Response:
    """``DELETE /v3/pricelists`` (``id:in``, ``name``; the spec's "Delete All" without a filter)."""
    s = store(request)
    for pl in _filtered_lists(request):
        rules.delete_price_list(s, pl["id"])
    return web.Response(status=204)


async def get_price_list(request: web.Request) -> web.Response:
    return v3_json(rules.get_price_list(store(request), _int(request, "price_list_id")))


async def update_price_list(request: web.Request) -> web.Response:
    return v3_json(rules.update_price_list(store(request), _int(request, "price_list_id"), await body(request)))


async def delete_price_list(request: web.Request) -> web.Response:
    if not rules.delete_price_list(store(request), _int(request, "price_list_id")):
        raise ApiError(404, "The requested price list was not found.")
    return web.Response(status=204)


# ------------------------------------------------------------------ records


def _includes(request: web.Request) -> tuple[bool, bool]:
    wanted = str_list(request, "include") or set()
    return "bulk_pricing_tiers" in wanted, "sku" in wanted


async def list_price_records(request: web.Request) -> web.Response:
    s = store(request)
    rows = rules.records_of(s, _list_id(request))
    for name, field in (("variant_id:in", "variant_id"), ("product_id:in", "product_id")):
        ids = int_list(request, name)
        if ids is not None:
            rows = [r for r in rows if r[field] in ids]
    currencies = {c.lower() for c in str_list(request, "currency:in") or set()}
    if "currency" in request.query:
        currencies.add(request.query["currency"].lower())
    if currencies or "currency:in" in request.query:
        rows = [r for r in rows if r["currency"] in currencies]
    skus = str_list(request, "sku:in")
    if "sku" in request.query:
        skus = (skus or set()) | {request.query["sku"]}
    if skus is not None:
        rows = [r for r in rows if r["sku"] in skus]
    tiers, sku = _includes(request)
    return v3_cursor_page(request, rows, key=rules.record_key,
                          view=lambda r: rules.record_view(r, tiers=tiers, sku=sku))


async def upsert_price_records(request: web.Request) -> web.Response:
    items = await body(request)
    if not isinstance(items, list):
        raise ApiError(422, "The request body must be an array of price records.")
    if len(items) > PRICE_RECORD_BATCH:
        raise ApiError(
            413, f"The request payload is too large. The maximum items allowed in the array is {PRICE_RECORD_BATCH}"
        )
    delay = request.app[CONFIG].pricelist_upsert_delay_ms
    if delay > 0:
        await asyncio.sleep(delay / 1000.0)
    errors = rules.upsert_records(store(request), _list_id(request), items, request.app[PRICE_FAULTS])
    if errors:
        return web.Response(text=render.dumps({"batch_errors": errors}), status=422, content_type="application/json")
    return v3_json({})


async def delete_price_records(request: web.Request) -> web.Response:
    """``DELETE …/records`` with ``variant_id:in``, ``sku:in``, ``currency`` (all optional in the spec:
    without a filter every record of the list goes)."""
    currency = request.query.get("currency")
    rules.delete_records(store(request), _list_id(request), variant_ids=int_list(request, "variant_id:in"),
                         skus=str_list(request, "sku:in"), currency=currency)
    return web.Response(status=204)


def _one(request: web.Request) -> tuple[int, int, str]:
    return _list_id(request), _int(request, "variant_id"), request.match_info["currency_code"].lower()


async def variant_records(request: web.Request) -> web.Response:
    pl, vid = _list_id(request), _int(request, "variant_id")
    rows = [r for r in rules.records_of(store(request), pl) if r["variant_id"] == vid]
    tiers, sku = _includes(request)
    return v3_cursor_page(request, rows, key=rules.record_key,
                          view=lambda r: rules.record_view(r, tiers=tiers, sku=sku))


async def get_price_record(request: web.Request) -> web.Response:
    record = store(request).price_records.get(_one(request))
    if record is None:
        raise ApiError(404, "The requested price record was not found.")
    tiers, sku = _includes(request)
    return v3_json(rules.record_view(record, tiers=tiers, sku=sku))


async def set_price_record(request: web.Request) -> web.Response:
    s = store(request)
    pl, vid, currency = _one(request)
    payload = await body(request)
    if not isinstance(payload, dict):
        raise ApiError(422, "The request body must be a price record.")
    variant, fields, errors = rules.check_record(s, {**payload, "variant_id": vid, "currency": currency},
                                                 request.app[PRICE_FAULTS])
    if errors or variant is None:
        raise ApiError(422, "The price record is not valid.", errors)
    return v3_json(rules.record_view(rules.write_record(s, pl, variant, fields), tiers=True, sku=True))


async def delete_price_record(request: web.Request) -> web.Response:
    pl, vid, currency = _one(request)
    rules.delete_records(store(request), pl, variant_ids={vid}, currency=currency)
    return web.Response(status=204)


# ------------------------------------------------------------------ assignments


_ASSIGNMENT_FILTERS = ("id", "price_list_id", "customer_group_id", "channel_id")


def _assignment_filters(request: web.Request) -> dict[str, set[int]]:
    filters: dict[str, set[int]] = {}
    for name in _ASSIGNMENT_FILTERS:
        one, many = int_param(request, name), int_list(request, f"{name}:in")
        if one is not None or many is not None:
            filters[name] = ({one} if one is not None else set()) | (many or set())
    return filters


async def list_assignments(request: web.Request) -> web.Response:
    filters = _assignment_filters(request)
    rows = [a for a in sorted(store(request).assignments.values(), key=lambda a: a["id"])
            if all(a.get(f) in ids for f, ids in filters.items())]
    return v3_cursor_page(request, rows, key=_by_id)


async def upsert_assignment(request: web.Request) -> web.Response:
    pl = _list_id(request)
    payload = await body(request)
    if not isinstance(payload, dict):
        raise ApiError(422, "The request body must be an object.")
    missing = {k: f"{k} is required" for k in ("customer_group_id", "channel_id") if payload.get(k) is None}
    if missing:
        raise ApiError(422, "The price list assignment is not valid.", missing)
    return v3_json(rules.upsert_assignment(store(request), pl, payload["customer_group_id"], payload["channel_id"]))


async def create_assignments(request: web.Request) -> web.Response:
    items = await body(request)
    if not isinstance(items, list) or len(items) > ASSIGNMENT_BATCH:
        raise ApiError(422, f"Up to {ASSIGNMENT_BATCH} assignments per request")
    s = store(request)
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("price_list_id"), int):
            raise ApiError(422, "price_list_id is required", {"price_list_id": "price_list_id is required"})
        rules.upsert_assignment(s, item["price_list_id"], item.get("customer_group_id"), item.get("channel_id"))
    return web.Response(status=200)


async def delete_assignments(request: web.Request) -> web.Response:
    rules.delete_assignments(store(request), _assignment_filters(request))
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    r = app.router
    pl = f"{V3}/pricelists/{{price_list_id}}"
    one = f"{pl}/records/{{variant_id}}/{{currency_code}}"
    r.add_get(f"{V3}/pricelists", list_price_lists)
    r.add_post(f"{V3}/pricelists", create_price_list)
    r.add_delete(f"{V3}/pricelists", delete_price_lists)
    r.add_get(f"{V3}/pricelists/assignments", list_assignments)
    r.add_post(f"{V3}/pricelists/assignments", create_assignments)
    r.add_delete(f"{V3}/pricelists/assignments", delete_assignments)
    r.add_get(pl, get_price_list)
    r.add_put(pl, update_price_list)
    r.add_delete(pl, delete_price_list, name="pricelist_delete")
    r.add_get(f"{pl}/records", list_price_records, name="pricelist_records_list")
    r.add_put(f"{pl}/records", upsert_price_records, name="pricelist_records_upsert")
    r.add_delete(f"{pl}/records", delete_price_records)
    r.add_get(f"{pl}/records/{{variant_id}}", variant_records)
    r.add_get(one, get_price_record)
    r.add_put(one, set_price_record)
    r.add_delete(one, delete_price_record)
    r.add_put(f"{pl}/assignments", upsert_assignment, name="pricelist_assignment_upsert")
