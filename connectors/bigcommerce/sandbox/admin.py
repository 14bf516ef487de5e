"""Test/operator endpoints under ``/__sandbox`` (no auth, no quota, no faults).

- ``GET/POST /__sandbox/config``           read / change knobs at runtime (JSON object of fields)
- ``GET  /__sandbox/state/stats``          requests served (in all and ``by_endpoint``), 429s, faults, quota
- ``POST /__sandbox/state/stats/reset``    zero the counters and start a fresh quota window
- ``GET  /__sandbox/state/inventory``      stock per SKU and location, pending async adjustments
- ``POST /__sandbox/inventory/drift``      ``{"sku", "location_id", "quantity"}``: set stock silently
- ``GET  /__sandbox/state/webhooks``       events emitted and delivery attempts
- ``GET  /__sandbox/state/orders``         ids and statuses of every order
- ``GET  /__sandbox/state/shipments``      every shipment of every order (id, order, items, tracking fields,
  comments, creation time), for benchmarks and the demo summary
- ``GET  /__sandbox/faults/orders``         per-order faults set (``faults.OrderFault``)
- ``POST /__sandbox/faults/orders``         ``{"order_id", "status"?: 500, "message"?, "times"?, "path"?,
  "method"?}``: every API request about that order (only under sub-resource ``path``, e.g. ``"shipments"``,
  and with ``method``, e.g. ``"POST"``, when given) answers this error (``times`` requests, or until cleared)
- ``DELETE /__sandbox/faults/orders[/{order_id}]``  clear one order's fault, or all of them
- ``GET  /__sandbox/faults/rows``           malformed order rows set (``faults.RowFault``)
- ``POST /__sandbox/faults/rows``           ``{"order_id", "field"?: "status_id", "value"?: "Awaiting
  Fulfillment", "lists_only"?: false}``: the order's row is served with ``field`` = ``value`` in orders
  lists and (unless ``lists_only``) in ``GET /v2/orders/{id}``
- ``DELETE /__sandbox/faults/rows[/{order_id}]``    clear one order's malformed row, or all of them
- ``POST /__sandbox/seed/products``        ``{"prefix", "products", "variants"?, "tracking"?, "quantity"?,
  "skus"?, "price"?}``: add simple products (``seed.add_stock_products``; with ``skus``, ``variants`` of them
  to a product); answers ``{"items": [{sku, product_id, variant_id}]}``
- ``POST /__sandbox/seed/customers``       ``{"customers": [{email, first_name?, last_name?, company?,
  customer_group_id?}]}`` or ``{"prefix", "count", "customer_group_id"?}`` (emails ``<prefix>-<n>@example.com``);
  answers ``{"items": [{id, email, customer_group_id}]}``
- ``POST /__sandbox/seed/customer_groups`` ``{"names": [...]}``: create the groups not there yet; answers
  ``{"items": [{id, name}]}`` for every name
- ``GET  /__sandbox/state/customers``      ``[{id, email, customer_group_id}]`` (``?customer_group_id=`` filters)
- ``GET  /__sandbox/state/pricelists``     ``[{id, name, active, records, assignments: [...]}]``
- ``GET  /__sandbox/state/pricelists/{id}/records``  ``{"price_list", "records": [{variant_id, product_id, sku,
  currency, price, sale_price?, retail_price?, map_price?, bulk_pricing_tiers: [{quantity_min, quantity_max
  (null = none), type, amount}]}]}``, money as decimal strings; 404 if the list does not exist
- ``DELETE /__sandbox/pricelists/{id}``     delete a list (records, assignments) as a merchant would, without
  quota: ``{"deleted": true|false}``
- ``GET|POST|DELETE /__sandbox/faults/price_records``  ``{"sku", "field"?: "price", "message"?, "times"?}``: every
  records upsert refuses that SKU's items (per-item error, whole request 422); ``DELETE`` with ``?sku=`` clears
  one, without clears all
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from aiohttp import web

from . import pricelists
from .routes_customers import create_group
from .seed import add_customers, add_stock_products
from .state import ApiError
from .web import CONFIG, FAULTS, HOOKS, PRICE_FAULTS, QUOTA, ROW_FAULTS, store, v2_json


async def get_config(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONFIG].public())


async def set_config(request: web.Request) -> web.Response:
    payload = await request.json()
    if not isinstance(payload, dict):
        return web.json_response({"error": "expected an object"}, status=400)
    try:
        request.app[CONFIG].update(payload)
    except (KeyError, TypeError, ValueError) as exc:
        return web.json_response({"error": f"bad knob: {exc}"}, status=400)
    return web.json_response(request.app[CONFIG].public())


async def stats(request: web.Request) -> web.Response:
    s = store(request)
    return web.json_response(
        {
            **{k: v for k, v in asdict(s.stats).items() if k not in ("by_status", "by_endpoint")},
            "by_endpoint": dict(sorted(s.stats.by_endpoint.items())),
            "by_status": {str(k): v for k, v in s.stats.by_status.items()},
            "quota": request.app[QUOTA].headers(),
        }
    )


async def reset_stats(request: web.Request) -> web.Response:
    s = store(request)
    s.stats.requests = s.stats.rate_limited = s.stats.faults_5xx = s.stats.timeouts = s.stats.order_faults = 0
    s.stats.injected_429 = 0
    s.stats.by_status.clear()
    s.stats.by_endpoint.clear()
    s.stats.concurrency_limited.clear()
    request.app[QUOTA].reset()
    return web.json_response({"ok": True})


async def inventory(request: web.Request) -> web.Response:
    s = store(request)
    items = [
        {
            "sku": v["sku"],
            "variant_id": v["id"],
            "product_id": v["product_id"],
            "locations": {str(loc): s.onhand(v["id"], loc) for loc in sorted(s.locations)},
        }
        for v in sorted(s.variants.values(), key=lambda x: x["id"])
    ]
    return web.json_response(
        {
            "pending_adjustments": s.pending_adjustments,
            "applied_transactions": s.applied_transactions,
            "items": items,
        }
    )


async def drift(request: web.Request) -> web.Response:
    payload = await request.json()
    try:
        store(request).set_stock(str(payload["sku"]), int(payload.get("location_id", 1)), int(payload["quantity"]))
    except ApiError as err:
        return web.json_response({"error": err.title}, status=err.status)
    return web.json_response({"ok": True})


async def webhooks(request: web.Request) -> web.Response:
    d = request.app[HOOKS]
    return web.json_response({"events": d.events, "deliveries": d.deliveries})


async def orders(request: web.Request) -> web.Response:
    s = store(request)
    return web.json_response(
        [
            {"id": o["id"], "status_id": o["status_id"], "total_inc_tax": str(o["total_inc_tax"])}
            for o in s.orders.values()
        ]
    )


TRANSACTION_FIELDS = ("id", "order_id", "event", "method", "amount", "currency", "gateway", "gateway_transaction_id",
                      "status", "date_created")


async def transactions(request: web.Request) -> web.Response:
    """Every order's gateway transactions with an id above ``after_id`` (the demo's payment feed; no quota)."""
    s = store(request)
    after = int(request.query.get("after_id", "0"))
    rows = sorted((t for of_order in s.transactions.values() for t in of_order if int(t["id"]) > after),
                  key=lambda t: int(t["id"]))
    return v2_json([{k: t.get(k) for k in TRANSACTION_FIELDS} for t in rows])


SHIPMENT_FIELDS = ("id", "order_id", "order_address_id", "tracking_number", "tracking_carrier", "shipping_provider",
                   "tracking_link", "comments", "date_created", "items")


async def shipments(request: web.Request) -> web.Response:
    s = store(request)
    rows = [shipment for shipments_of_order in s.shipments.values() for shipment in shipments_of_order]
    return v2_json([{k: shipment.get(k) for k in SHIPMENT_FIELDS} for shipment in rows])


async def seed_products(request: web.Request) -> web.Response:
    payload = await request.json()
    try:
        tracking = str(payload.get("tracking", "variant"))
        if tracking not in ("variant", "product"):
            raise ValueError("tracking must be variant or product")
        skus = payload.get("skus")
        rows = add_stock_products(store(request), prefix=str(payload.get("prefix", "P")),
                                  products=int(payload.get("products", 0)), variants=int(payload.get("variants", 1)),
                                  tracking=tracking, quantity=int(payload.get("quantity", 0)),
                                  skus=None if skus is None else [str(x) for x in skus],
                                  price=Decimal(str(payload.get("price", "10.00"))))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return web.json_response({"error": f"bad seed request: {exc}"}, status=400)
    return web.json_response({"items": rows})


async def seed_customers(request: web.Request) -> web.Response:
    payload = await request.json()
    try:
        if "customers" in payload:
            rows = list(payload["customers"])
        else:
            group = int(payload.get("customer_group_id", 0))
            rows = [{"email": f"{payload['prefix']}-{n}@example.com", "customer_group_id": group}
                    for n in range(int(payload["count"]))]
        items = add_customers(store(request), rows)
    except (KeyError, TypeError, ValueError) as exc:
        return web.json_response({"error": f"bad seed request: {exc}"}, status=400)
    return web.json_response({"items": items})


async def seed_groups(request: web.Request) -> web.Response:
    payload = await request.json()
    s = store(request)
    items = []
    for name in payload.get("names", []) if isinstance(payload, dict) else []:
        group = next((g for g in s.groups.values() if g["name"] == str(name)), None) or create_group(s, str(name))
        items.append({"id": group["id"], "name": group["name"]})
    return web.json_response({"items": items})


async def customers(request: web.Request) -> web.Response:
    group = request.query.get("customer_group_id")
    return web.json_response([
        {"id": c["id"], "email": c["email"], "customer_group_id": c["customer_group_id"]}
        for c in sorted(store(request).customers.values(), key=lambda c: c["id"])
        if group is None or str(c["customer_group_id"]) == group
    ])


async def price_lists(request: web.Request) -> web.Response:
    s = store(request)
    counts: dict[int, int] = {}
    for key in s.price_records:
        counts[key[0]] = counts.get(key[0], 0) + 1
    return web.json_response([
        {"id": pl["id"], "name": pl["name"], "active": pl["active"], "records": counts.get(pl["id"], 0),
         "assignments": [a for a in s.assignments.values() if a["price_list_id"] == pl["id"]]}
        for pl in sorted(s.pricelists.values(), key=lambda p: p["id"])
    ])


def _plain(value: Any) -> Any:
    """Money as exact decimal strings, dates as ISO-8601, for admin answers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def price_records(request: web.Request) -> web.Response:
    s = store(request)
    pl = s.pricelists.get(int(request.match_info["price_list_id"]))
    if pl is None:
        return web.json_response({"error": "no such price list"}, status=404)
    rows = [{k: v for k, v in r.items() if k not in ("price_list_id", "date_created", "date_modified")}
            for r in pricelists.records_of(s, pl["id"])]
    for row in rows:
        row.setdefault("bulk_pricing_tiers", [])
    return web.json_response({"price_list": _plain(pl), "records": _plain(rows)})


async def drop_price_list(request: web.Request) -> web.Response:
    return web.json_response({"deleted": pricelists.delete_price_list(store(request),
                                                                      int(request.match_info["price_list_id"]))})


async def price_faults(request: web.Request) -> web.Response:
    book = request.app[PRICE_FAULTS]
    if request.method == "GET":
        return web.json_response(book.public())
    if request.method == "DELETE":
        return web.json_response({"cleared": book.clear(request.query.get("sku"))})
    payload = await request.json()
    try:
        if not isinstance(payload, dict):
            raise ValueError("expected an object")
        fault = book.set(payload)
    except (KeyError, TypeError, ValueError) as exc:
        return web.json_response({"error": f"bad fault: {exc}"}, status=400)
    return web.json_response(asdict(fault))


class _FaultBook(Protocol):
    def set(self, payload: dict[str, Any]) -> Any: ...
    def clear(self, order_id: int | None = None) -> int: ...
    def public(self) -> list[dict[str, Any]]: ...


def add_fault_routes(r: web.UrlDispatcher, path: str, key: web.AppKey[Any]) -> None:
    """``GET``/``POST``/``DELETE`` ``path`` (and ``DELETE path/{order_id}``) over the fault book at ``key``."""

    def book(request: web.Request) -> _FaultBook:
        found: _FaultBook = request.app[key]
        return found

    async def listed(request: web.Request) -> web.Response:
        return web.json_response(book(request).public())

    async def set_fault(request: web.Request) -> web.Response:
        payload = await request.json()
        try:
            if not isinstance(payload, dict):
                raise ValueError("expected an object")
            fault = book(request).set(payload)
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"bad fault: {exc}"}, status=400)
        return web.json_response(asdict(fault))

    async def clear(request: web.Request) -> web.Response:
        raw = request.match_info.get("order_id")
        cleared = book(request).clear(int(raw) if raw is not None and raw.isdigit() else None)
        return web.json_response({"cleared": cleared})

    r.add_get(path, listed)
    r.add_post(path, set_fault)
    r.add_delete(path, clear)
    r.add_delete(f"{path}/{{order_id}}", clear)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/__sandbox/config", get_config)
    r.add_post("/__sandbox/config", set_config)
    r.add_get("/__sandbox/state/stats", stats)
    r.add_post("/__sandbox/state/stats/reset", reset_stats)
    r.add_get("/__sandbox/state/inventory", inventory)
    r.add_post("/__sandbox/inventory/drift", drift)
    r.add_get("/__sandbox/state/webhooks", webhooks)
    r.add_get("/__sandbox/state/orders", orders)
    r.add_get("/__sandbox/state/shipments", shipments)
    r.add_get("/__sandbox/state/transactions", transactions)
    r.add_post("/__sandbox/seed/products", seed_products)
    r.add_post("/__sandbox/seed/customers", seed_customers)
    r.add_post("/__sandbox/seed/customer_groups", seed_groups)
    r.add_get("/__sandbox/state/customers", customers)
    r.add_get("/__sandbox/state/pricelists", price_lists)
    r.add_get("/__sandbox/state/pricelists/{price_list_id:\\d+}/records", price_records)
    r.add_delete("/__sandbox/pricelists/{price_list_id:\\d+}", drop_price_list)
    r.add_route("*", "/__sandbox/faults/price_records", price_faults)
    add_fault_routes(r, "/__sandbox/faults/orders", FAULTS)
    add_fault_routes(r, "/__sandbox/faults/rows", ROW_FAULTS)
