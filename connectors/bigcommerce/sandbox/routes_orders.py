"""Orders V2 (orders, products, addresses, coupons, shipments, statuses, customer groups) and
Orders V3 payment actions (refund quotes, refunds, transactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from ..formats import parse_rfc2822
from .state import STATUSES, ApiError
from .web import body, int_param, store, v2_json, v2_page, v3_json, v3_page

V2 = "/stores/{store_hash}/v2"
V3 = "/stores/{store_hash}/v3"
SORTABLE = {"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id"}


def _date_filter(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse_rfc2822(raw)
    except ValueError as exc:
        raise ApiError(400, f"The filter '{name}' is not a valid date.") from exc


def _filtered_orders(request: web.Request) -> list[dict[str, Any]]:
    rows = [o for o in store(request).orders.values() if not o["is_deleted"]]
    for name, key, cmp in (
        ("min_date_modified", "date_modified", "ge"),
        ("max_date_modified", "date_modified", "le"),
        ("min_date_created", "date_created", "ge"),
        ("max_date_created", "date_created", "le"),
    ):
        bound = _date_filter(request, name)
        if bound is not None:
            rows = [o for o in rows if (o[key] >= bound if cmp == "ge" else o[key] <= bound)]
    for name, key, cmp in (("min_id", "id", "ge"), ("max_id", "id", "le")):
        value = int_param(request, name)
        if value is not None:
            rows = [o for o in rows if (o[key] >= value if cmp == "ge" else o[key] <= value)]
    for name in ("status_id", "customer_id", "channel_id"):
        value = int_param(request, name)
        if value is not None:
            rows = [o for o in rows if o[name] == value]
    if "email" in request.query:
        email = request.query["email"].lower()
        rows = [o for o in rows if o["billing_address"]["email"].lower() == email]
    sort = request.query.get("sort", "id")
    field, _, direction = sort.partition(":")
    if field not in SORTABLE:
        raise ApiError(400, f"The sort field '{field}' is invalid.")
    return sorted(rows, key=lambda o: (o.get(field) or 0, o["id"]), reverse=direction == "desc")


async def list_orders(request: web.Request) -> web.Response:
    return v2_page(request, _filtered_orders(request))


async def count_orders(request: web.Request) -> web.Response:
    orders = [o for o in store(request).orders.values() if not o["is_deleted"]]
    statuses = [
        {
            "id": sid,
            "name": name,
            "system_label": name,
            "custom_label": name,
            "system_description": desc,
            "count": sum(1 for o in orders if o["status_id"] == sid),
            "sort_order": sid,
        }
        for sid, (name, desc) in STATUSES.items()
    ]
    return v2_json({"statuses": statuses, "count": len(orders)})


async def create_order(request: web.Request) -> web.Response:
    order = store(request).create_order(await body(request))
    return v2_json(_order_view(request, order))


def _order_view(request: web.Request, order: dict[str, Any]) -> dict[str, Any]:
    base = f"{request.scheme}://{request.host}/stores/{request.match_info['store_hash']}/v2/orders/{order['id']}"
    return {
        **order,
        "products": {"url": f"{base}/products", "resource": f"/orders/{order['id']}/products"},
        "shipping_addresses": {
            "url": f"{base}/shipping_addresses",
            "resource": f"/orders/{order['id']}/shipping_addresses",
        },
        "coupons": {"url": f"{base}/coupons", "resource": f"/orders/{order['id']}/coupons"},
    }


def _order_id(request: web.Request) -> int:
    try:
        return int(request.match_info["order_id"])
    except ValueError as exc:
        raise ApiError(404, "The requested resource was not found.") from exc


async def get_order(request: web.Request) -> web.Response:
    return v2_json(_order_view(request, store(request).get_order(_order_id(request))))


async def update_order(request: web.Request) -> web.Response:
    order = store(request).update_order(_order_id(request), await body(request))
    return v2_json(_order_view(request, order))


async def archive_order(request: web.Request) -> web.Response:
    order = store(request).get_order(_order_id(request))
    order["is_deleted"] = True
    store(request).emit("store/order/archived", {"type": "order", "id": order["id"]})
    return web.Response(status=204)


async def order_products(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    return v2_page(request, store(request).order_products[oid])


async def order_addresses(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    return v2_page(request, store(request).order_addresses[oid])


async def order_coupons(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    return v2_page(request, store(request).order_coupons[oid])


async def list_shipments(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    return v2_page(request, store(request).shipments[oid])


async def create_shipment(request: web.Request) -> web.Response:
    shipment = store(request).create_shipment(_order_id(request), await body(request) or {})
    return v2_json(shipment, status=201)


async def get_shipment(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    sid = int(request.match_info["shipment_id"])
    found = next((s for s in store(request).shipments[oid] if s["id"] == sid), None)
    if found is None:
        raise ApiError(404, "The requested resource was not found.")
    return v2_json(found)


async def update_shipment(request: web.Request) -> web.Response:
    shipment = store(request).update_shipment(
        _order_id(request), int(request.match_info["shipment_id"]), await body(request) or {}
    )
    return v2_json(shipment)


async def order_statuses(request: web.Request) -> web.Response:
    return v2_json(
        [
            {
                "id": sid,
                "name": name,
                "system_label": name,
                "custom_label": name,
                "system_description": desc,
                "order": sid,
            }
            for sid, (name, desc) in STATUSES.items()
        ]
    )


async def customer_groups(request: web.Request) -> web.Response:
    rows = sorted(store(request).groups.values(), key=lambda g: g["id"])
    if "name" in request.query:
        rows = [g for g in rows if g["name"] == request.query["name"]]
    return v2_page(request, rows)


async def refund_quote(request: web.Request) -> web.Response:
    quote = store(request).refund_quote(_order_id(request), await body(request) or {})
    return v3_json(quote, status=201)


async def create_refund(request: web.Request) -> web.Response:
    oid = _order_id(request)
    refund = store(request).create_refund(oid, await body(request) or {})
    return v3_json(refund, status=201)


async def list_refunds(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    return v3_json(store(request).refunds[oid])


async def list_transactions(request: web.Request) -> web.Response:
    oid = _order_id(request)
    store(request).get_order(oid)
    rows = store(request).transactions[oid]
    if not rows:
        return web.Response(status=204)
    return v3_page(request, rows)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{V2}/orders", list_orders)
    r.add_get(f"{V2}/orders/count", count_orders)
    r.add_post(f"{V2}/orders", create_order)
    r.add_get(f"{V2}/orders/{{order_id}}", get_order)
    r.add_put(f"{V2}/orders/{{order_id}}", update_order)
    r.add_delete(f"{V2}/orders/{{order_id}}", archive_order)
    r.add_get(f"{V2}/orders/{{order_id}}/products", order_products)
    r.add_get(f"{V2}/orders/{{order_id}}/shipping_addresses", order_addresses)
    r.add_get(f"{V2}/orders/{{order_id}}/coupons", order_coupons)
    r.add_get(f"{V2}/orders/{{order_id}}/shipments", list_shipments)
    r.add_post(f"{V2}/orders/{{order_id}}/shipments", create_shipment)
    r.add_get(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}", get_shipment)
    r.add_put(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}", update_shipment)
    r.add_get(f"{V2}/order_statuses", order_statuses)
    r.add_get(f"{V2}/customer_groups", customer_groups)
    r.add_post(f"{V3}/orders/{{order_id}}/payment_actions/refund_quotes", refund_quote)
    r.add_post(f"{V3}/orders/{{order_id}}/payment_actions/refunds", create_refund, name="refund_create")
    r.add_get(f"{V3}/orders/{{order_id}}/payment_actions/refunds", list_refunds)
    r.add_get(f"{V3}/orders/{{order_id}}/transactions", list_transactions)
