"""Orders V2 (orders, products, addresses, coupons, shipments, taxes, statuses, customer groups) and
Orders V3 payment actions (capture, refund quotes, refunds, transactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from ..formats import parse_rfc2822
from . import payments, render, shipments, taxes
from .state import STATUSES, ApiError
from .web import ROW_FAULTS, body, int_param, store, v2_json, v2_page, v3_json, v3_page

V2 = "/stores/{store_hash}/v2"
V3 = "/stores/{store_hash}/v3"
SORTABLE = {"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id"}
#: ``include`` values of GET /v2/orders[/{id}] (``order_includes``); ``fees`` are always inline already.
INCLUDES = {"consignments", "consignments.line_items", "fees"}


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
        rows = [o for o in rows if (o["billing_address"]["email"] or "").lower() == email]
    sort = request.query.get("sort", "id")
    field, _, direction = sort.partition(":")
    if field not in SORTABLE:
        raise ApiError(400, f"The sort field '{field}' is invalid.")
    return sorted(rows, key=lambda o: (o.get(field) or 0, o["id"]), reverse=direction == "desc")


async def list_orders(request: web.Request) -> web.Response:
    includes = _includes(request)
    faults = request.app[ROW_FAULTS]
    return v2_page(request, _filtered_orders(request),
                   lambda order: faults.apply(_with_includes(request, order, includes), listing=True))


def _includes(request: web.Request) -> set[str]:
    """``include`` (comma-separated ``order_includes``); ``consignment_structure`` must then be ``object``
    if given."""
    values = {v.strip() for v in request.query.get("include", "").split(",") if v.strip()}
    unknown = sorted(values - INCLUDES)
    if unknown:
        raise ApiError(400, f"The include '{unknown[0]}' is invalid.")
    structure = request.query.get("consignment_structure")
    if _wants_consignments(values) and structure is not None and structure != "object":
        raise ApiError(400, f"The consignment_structure '{structure}' is invalid.")
    return values


def _wants_consignments(includes: set[str]) -> bool:
    return bool(includes & {"consignments", "consignments.line_items"})


def _order_url(request: web.Request, order_id: int) -> str:
    return f"{request.scheme}://{request.host}/stores/{request.match_info['store_hash']}/v2/orders/{order_id}"


def _with_includes(request: web.Request, order: dict[str, Any], includes: set[str]) -> dict[str, Any]:
    """The order with ``consignments``: the object (``consignment_structure=object``) or else its link."""
    if not _wants_consignments(includes):
        return order
    oid = order["id"]
    if request.query.get("consignment_structure") != "object":
        link = {"url": f"{_order_url(request, oid)}/consignments", "resource": f"/orders/{oid}/consignments"}
        return {**order, "consignments": link}
    return {**order, "consignments": _consignments(request, order, expand="consignments.line_items" in includes)}


def _consignments(request: web.Request, order: dict[str, Any], *, expand: bool) -> dict[str, Any]:
    """``orderConsignment_Get``: one shipping consignment per shipping address (its physical lines; money as
    JSON numbers, no ``order_id``), digital lines in one download consignment; no pickups, no gift
    certificates. ``expand``: lines are the ``/products`` rows, else ``{url, resource}`` links."""
    s = store(request)
    oid = order["id"]
    base = _order_url(request, oid)
    lines = s.order_products[oid]

    def items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if expand:
            return rows
        return [{"url": f"{base}/products/{r['id']}", "resource": f"/orders/{oid}/products/{r['id']}"} for r in rows]

    shipping = []
    for address in s.order_addresses[oid]:
        aid = address["id"]
        physical = [r for r in lines if r["type"] != "digital" and r["order_address_id"] == aid]
        shipping.append(
            {
                **render.v2_numbers({k: v for k, v in address.items() if k != "order_id"}),
                "line_items": items(physical),
                "shipping_quotes": {
                    "url": f"{base}/consignments/shipping/{aid}/shipping_quotes",
                    "resource": f"/orders/{oid}/consignments/shipping/{aid}/shipping_quotes",
                },
            }
        )
    digital = [r for r in lines if r["type"] == "digital"]
    downloads = [{"recipient_email": order["billing_address"]["email"], "line_items": items(digital)}]
    return {
        "pickups": [],
        "shipping": shipping,
        "downloads": downloads if digital else [],
        "email": {"gift_certificates": []},
    }


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
    base = _order_url(request, order["id"])
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


def _shipment_id(request: web.Request) -> int:
    try:
        return int(request.match_info["shipment_id"])
    except ValueError as exc:
        raise ApiError(404, "The requested resource was not found.") from exc


async def get_order(request: web.Request) -> web.Response:
    includes = _includes(request)
    order = store(request).get_order(_order_id(request))
    row = _with_includes(request, _order_view(request, order), includes)
    return v2_json(request.app[ROW_FAULTS].apply(row, listing=False))


async def order_consignments(request: web.Request) -> web.Response:
    """``GET /v2/orders/{id}/consignments`` (``include=consignments.line_items`` expands the lines)."""
    includes = _includes(request)
    order = store(request).get_order(_order_id(request))
    return v2_json(_consignments(request, order, expand="consignments.line_items" in includes))


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
    sid = _shipment_id(request)
    found = next((s for s in store(request).shipments[oid] if s["id"] == sid), None)
    if found is None:
        raise ApiError(404, "The requested resource was not found.")
    return v2_json(found)


async def update_shipment(request: web.Request) -> web.Response:
    shipment = store(request).update_shipment(
        _order_id(request), _shipment_id(request), await body(request) or {}
    )
    return v2_json(shipment)


async def delete_shipment(request: web.Request) -> web.Response:
    shipments.delete(store(request), _order_id(request), _shipment_id(request))
    return web.Response(status=204)


async def delete_shipments(request: web.Request) -> web.Response:
    shipments.delete_all(store(request), _order_id(request))
    return web.Response(status=204)


async def count_shipments(request: web.Request) -> web.Response:
    return v2_json({"count": shipments.count(store(request), _order_id(request))})


async def order_taxes(request: web.Request) -> web.Response:
    """``GET /v2/orders/{id}/taxes`` (``?details=true`` adds ``order_product_id`` and ``line_item_type``)."""
    details = request.query.get("details", "false").lower() == "true"
    return v2_page(request, taxes.rows(store(request), _order_id(request), details=details))


async def capture_payment(request: web.Request) -> web.Response:
    """``POST /v3/orders/{id}/payment_actions/capture``: 201 with an empty object (spec ``201_Created``)."""
    payments.capture(store(request), _order_id(request))
    return web.Response(text="{}", status=201, content_type="application/json")


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


async def refund_quote(request: web.Request) -> web.Response:
    quote = store(request).refund_quote(_order_id(request), await body(request) or {})
    return v3_json(quote, status=201)


async def create_refund(request: web.Request) -> web.Response:
    oid = _order_id(request)
    refund = store(request).create_refund(oid, await body(request) or {})
    return v3_json(refund, status=201)


async def list_refunds(request: web.Request) -> web.Response:
    """``GET /v3/orders/{id}/payment_actions/refunds``: the order's refunds, ascending id
    (``transaction_id`` filters by a refund payment's transaction)."""
    oid = _order_id(request)
    store(request).get_order(oid)
    rows = store(request).refunds[oid]
    txn = request.query.get("transaction_id")
    if txn:
        rows = [r for r in rows if any(p.get("transaction_id") == txn for p in r["payments"])]
    return v3_json(rows)


def _id_list(request: web.Request, name: str) -> set[int] | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError as exc:
        raise ApiError(400, f"The filter '{name}' must be a comma-separated list of integers.") from exc


def _rfc3339(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, f"The filter '{name}' is not a valid RFC 3339 date.") from exc
    if value.tzinfo is None:
        raise ApiError(400, f"The filter '{name}' must carry a UTC offset (RFC 3339).")
    return value


async def list_all_refunds(request: web.Request) -> web.Response:
    """``GET /v3/orders/payment_actions/refunds``: every refund, ascending id; ``order_id:in``, ``id:in``,
    ``created:min`` / ``created:max`` (RFC 3339, inclusive), ``transaction_id``, ``page`` / ``limit``."""
    rows = store(request).all_refunds()
    orders = _id_list(request, "order_id:in")
    if orders is not None:
        rows = [r for r in rows if r["order_id"] in orders]
    ids = _id_list(request, "id:in")
    if ids is not None:
        rows = [r for r in rows if r["id"] in ids]
    low, high = _rfc3339(request, "created:min"), _rfc3339(request, "created:max")
    if low is not None:
        rows = [r for r in rows if r["created"] >= low]
    if high is not None:
        rows = [r for r in rows if r["created"] <= high]
    txn = request.query.get("transaction_id")
    if txn:
        rows = [r for r in rows if any(p.get("transaction_id") == txn for p in r["payments"])]
    return v3_page(request, rows)


async def get_refund(request: web.Request) -> web.Response:
    """``GET /v3/orders/payment_actions/refunds/{refund_id}``."""
    try:
        refund_id = int(request.match_info["refund_id"])
    except ValueError as exc:
        raise ApiError(404, "The requested resource was not found.") from exc
    return v3_json(store(request).get_refund(refund_id))


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
    r.add_get(f"{V2}/orders/{{order_id}}/consignments", order_consignments)
    r.add_get(f"{V2}/orders/{{order_id}}/shipments", list_shipments)
    r.add_post(f"{V2}/orders/{{order_id}}/shipments", create_shipment)
    r.add_delete(f"{V2}/orders/{{order_id}}/shipments", delete_shipments)
    r.add_get(f"{V2}/orders/{{order_id}}/shipments/count", count_shipments)
    r.add_get(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}", get_shipment)
    r.add_put(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}", update_shipment)
    r.add_delete(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}", delete_shipment)
    r.add_get(f"{V2}/orders/{{order_id}}/taxes", order_taxes)
    r.add_get(f"{V2}/order_statuses", order_statuses)
    r.add_get(f"{V3}/orders/payment_actions/refunds", list_all_refunds)
    r.add_get(f"{V3}/orders/payment_actions/refunds/{{refund_id}}", get_refund)
    r.add_post(f"{V3}/orders/{{order_id}}/payment_actions/refund_quotes", refund_quote)
    r.add_post(f"{V3}/orders/{{order_id}}/payment_actions/refunds", create_refund, name="refund_create")
    r.add_get(f"{V3}/orders/{{order_id}}/payment_actions/refunds", list_refunds)
    r.add_get(f"{V3}/orders/{{order_id}}/transactions", list_transactions)
    r.add_post(f"{V3}/orders/{{order_id}}/payment_actions/capture", capture_payment)
