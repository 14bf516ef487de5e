"""Order metafields (Orders V3): one order's list, and the batch endpoints on ``/v3/orders/metafields``.

As BigCommerce documents them (orders.v3.yml): a metafield is unique per (app client, resource, namespace,
key) — the sandbox has one client; at most 250 per order and client. Batch ``POST``/``PUT`` answer 200 with
``{data, errors: [], meta: {total, success, failed}}`` when every item was written, and 422 *partial
success* (the same shape, ``errors`` one ``Error`` per refused item keyed by its index in the request) when
some were not: the items in ``data`` were written all the same. A body that is not an array of objects is
a plain 400. The list endpoints filter on ``namespace``/``key`` (and their ``:in`` forms), sort by id with
``direction`` and page with ``page``/``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .render import dumps, v3
from .state import ApiError, now
from .web import body, store, str_list, v3_page

V3 = "/stores/{store_hash}/v3"
PER_RESOURCE_LIMIT = 250
PERMISSION_SETS = ("app_only", "read", "write", "read_and_sf_access", "write_and_sf_access")
ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
CLIENT_ID = "o2c-sandbox-client"


@dataclass
class MetafieldStore:
    """Order metafields by id, with the (order, namespace, key) uniqueness index."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    unique: dict[tuple[int, str, str], int] = field(default_factory=dict)
    next_id: int = 1

    def for_order(self, order_id: int) -> list[dict[str, Any]]:
        return [r for r in self.rows.values() if r["resource_id"] == order_id]


METAFIELDS = web.AppKey("metafields", MetafieldStore)


def _fields(item: Any, *, creating: bool) -> dict[str, Any]:
    """Check one batch item against ``MetafieldBase_Post`` (+ ``resource_id`` or ``id``); raise ``ApiError``."""
    if not isinstance(item, dict):
        raise ApiError(422, "Each item must be a JSON object.")
    problems: dict[str, str] = {}
    ident = "resource_id" if creating else "id"
    if not isinstance(item.get(ident), int) or isinstance(item.get(ident), bool) or item[ident] <= 0:
        problems[ident] = f"The field '{ident}' is required and must be a positive integer."
    if item.get("permission_set") not in PERMISSION_SETS:
        problems["permission_set"] = f"The field 'permission_set' must be one of {', '.join(PERMISSION_SETS)}."
    for name, low, high in (("namespace", 1, 64), ("key", 1, 64), ("value", 1, 65535)):
        value = item.get(name)
        if not isinstance(value, str) or not low <= len(value) <= high:
            problems[name] = f"The field '{name}' must be a string of {low} to {high} characters."
    description = item.get("description", "")
    if not isinstance(description, str) or len(description) > 255:
        problems["description"] = "The field 'description' must be a string of at most 255 characters."
    unknown = set(item) - {"permission_set", "namespace", "key", "value", "description", "resource_id", "id",
                           "resource_type"}
    for name in sorted(unknown):
        problems[name] = f"The field '{name}' is not allowed."
    if problems:
        raise ApiError(422, "The metafield is not valid: " + "; ".join(problems.values()), problems)
    return item


def _error(index: int, err: ApiError) -> dict[str, Any]:
    return {"status": err.status, "title": err.title, "type": ERROR_TYPE, "errors": {str(index): err.title}}


def _batch_response(written: list[dict[str, Any]], errors: list[dict[str, Any]], total: int) -> web.Response:
    payload = {"data": v3(written), "errors": errors,
               "meta": {"total": total, "success": len(written), "failed": len(errors)}}
    return web.Response(text=dumps(payload), status=422 if errors else 200, content_type="application/json")


def _items(raw: Any) -> list[Any]:
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "Input is invalid: the body must be a non-empty array of metafields.")
    return raw


async def create_batch(request: web.Request) -> web.Response:
    items = _items(await body(request))
    mf, orders = request.app[METAFIELDS], store(request).orders
    written: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        try:
            item = _fields(raw, creating=True)
            order_id = int(item["resource_id"])
            order = orders.get(order_id)
            if order is None or order.get("is_deleted"):
                raise ApiError(404, f"Order {order_id} does not exist.")
            unique = (order_id, item["namespace"], item["key"])
            if unique in mf.unique:
                raise ApiError(409, f"A metafield with namespace '{item['namespace']}' and key '{item['key']}' "
                               f"already exists on order {order_id} (metafield {mf.unique[unique]}).")
            if len(mf.for_order(order_id)) >= PER_RESOURCE_LIMIT:
                raise ApiError(422, f"Order {order_id} already has {PER_RESOURCE_LIMIT} metafields.")
        except ApiError as err:
            errors.append(_error(index, err))
            continue
        stamp = now()
        row = {"id": mf.next_id, "namespace": item["namespace"], "key": item["key"], "value": item["value"],
               "permission_set": item["permission_set"], "description": item.get("description", ""),
               "resource_type": "order", "resource_id": order_id, "date_created": stamp, "date_modified": stamp,
               "owner_client_id": CLIENT_ID}
        mf.next_id += 1
        mf.rows[row["id"]] = row
        mf.unique[unique] = row["id"]
        written.append(row)
    return _batch_response(written, errors, len(items))


async def update_batch(request: web.Request) -> web.Response:
    items = _items(await body(request))
    mf = request.app[METAFIELDS]
    written: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        try:
            item = _fields(raw, creating=False)
            row = mf.rows.get(int(item["id"]))
            if row is None:
                raise ApiError(404, f"Metafield {item['id']} does not exist.")
            if "resource_id" in item and item["resource_id"] != row["resource_id"]:
                raise ApiError(422, "The field 'resource_id' cannot be changed.")
            unique = (row["resource_id"], item["namespace"], item["key"])
            if mf.unique.get(unique, row["id"]) != row["id"]:
                raise ApiError(409, f"A metafield with namespace '{item['namespace']}' and key '{item['key']}' "
                               f"already exists on order {row['resource_id']}.")
        except ApiError as err:
            errors.append(_error(index, err))
            continue
        del mf.unique[(row["resource_id"], row["namespace"], row["key"])]
        row.update(namespace=item["namespace"], key=item["key"], value=item["value"],
                   permission_set=item["permission_set"], description=item.get("description", row["description"]),
                   date_modified=now())
        mf.unique[unique] = row["id"]
        written.append(row)
    return _batch_response(written, errors, len(items))


def _listed(request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
    namespaces = set(str_list(request, "namespace:in") or ())
    keys = set(str_list(request, "key:in") or ())
    if "namespace" in request.query:
        namespaces.add(request.query["namespace"])
    if "key" in request.query:
        keys.add(request.query["key"])
    if namespaces:
        rows = [r for r in rows if r["namespace"] in namespaces]
    if keys:
        rows = [r for r in rows if r["key"] in keys]
    direction = request.query.get("direction", "asc")
    if direction not in ("asc", "desc"):
        raise ApiError(400, "The filter 'direction' must be asc or desc.")
    return v3_page(request, sorted(rows, key=lambda r: r["id"], reverse=direction == "desc"))


async def list_all(request: web.Request) -> web.Response:
    return _listed(request, list(request.app[METAFIELDS].rows.values()))


async def list_for_order(request: web.Request) -> web.Response:
    try:
        order_id = int(request.match_info["order_id"])
    except ValueError as exc:
        raise ApiError(404, "The requested resource was not found.") from exc
    order = store(request).orders.get(order_id)
    if order is None or order.get("is_deleted"):
        raise ApiError(404, "The requested resource was not found.")
    return _listed(request, request.app[METAFIELDS].for_order(order_id))


def add_routes(app: web.Application) -> None:
    app[METAFIELDS] = MetafieldStore()
    r = app.router
    r.add_get(f"{V3}/orders/metafields", list_all)
    r.add_post(f"{V3}/orders/metafields", create_batch)
    r.add_put(f"{V3}/orders/metafields", update_batch)
    r.add_get(f"{V3}/orders/{{order_id}}/metafields", list_for_order)
