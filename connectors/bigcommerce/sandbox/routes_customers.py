"""Customers V3 (list, batch update) and customer groups V2 (list, get, count, create).

``PUT /v3/customers``: an array of at most 10 customers (413 above; 3 concurrent, in :mod:`.app`), each
with its ``id``; ``customer_group_id`` must name a group (0 = none). Any invalid customer makes the request
a 422 naming ``<index>.<field>`` and nothing is changed. A group's ``name`` is unique (409 on a duplicate).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .state import ApiError, Store, now
from .web import body, int_list, store, str_list, v2_json, v2_page, v3_json, v3_page

V2 = "/stores/{store_hash}/v2"
V3 = "/stores/{store_hash}/v3"
CUSTOMER_BATCH = 10
#: Fields ``PUT /v3/customers`` changes here (the rest of ``customer_Put`` is accepted and ignored).
UPDATABLE = ("email", "first_name", "last_name", "company", "phone", "notes", "tax_exempt_category",
             "customer_group_id")


async def list_customers(request: web.Request) -> web.Response:
    rows = sorted(store(request).customers.values(), key=lambda c: c["id"])
    emails = str_list(request, "email:in")
    if emails is not None:
        wanted = {e.lower() for e in emails}
        rows = [c for c in rows if c["email"].lower() in wanted]
    ids = int_list(request, "id:in")
    if ids is not None:
        rows = [c for c in rows if c["id"] in ids]
    groups = int_list(request, "customer_group_id:in")
    if groups is not None:
        rows = [c for c in rows if c["customer_group_id"] in groups]
    return v3_page(request, rows)


def _customer_errors(s: Store, index: int, item: Any, seen: set[int]) -> dict[str, str]:
    if not isinstance(item, dict):
        return {f"{index}": "Each customer must be an object"}
    cid = item.get("id")
    if not isinstance(cid, int) or isinstance(cid, bool):
        return {f"{index}.id": "id is required"}
    errors: dict[str, str] = {}
    if cid not in s.customers:
        errors[f"{index}.id"] = f"Customer {cid} does not exist"
    elif cid in seen:
        errors[f"{index}.id"] = f"Customer {cid} appears twice"
    seen.add(cid)
    group = item.get("customer_group_id")
    if "customer_group_id" in item and (
        not isinstance(group, int) or isinstance(group, bool) or (group != 0 and group not in s.groups)
    ):
        errors[f"{index}.customer_group_id"] = f"Customer group {group} does not exist"
    email = item.get("email")
    if email is not None and (not isinstance(email, str) or any(
        c["email"].lower() == email.lower() and c["id"] != cid for c in s.customers.values()
    )):
        errors[f"{index}.email"] = "email must be a unique address"
    return errors


async def update_customers(request: web.Request) -> web.Response:
    s = store(request)
    items = await body(request)
    if not isinstance(items, list):
        raise ApiError(422, "The request body must be an array of customers.")
    if len(items) > CUSTOMER_BATCH:
        raise ApiError(
            413, f"The request payload is too large. The maximum number of items allowed in the array is "
                 f"{CUSTOMER_BATCH}."
        )
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, item in enumerate(items):
        errors.update(_customer_errors(s, index, item, seen))
    if errors:
        raise ApiError(422, "The customers are not valid.", errors)
    updated = []
    for item in items:
        customer = s.customers[item["id"]]
        customer.update({k: item[k] for k in UPDATABLE if k in item})
        customer["date_modified"] = now()
        s.emit("store/customer/updated", {"type": "customer", "id": customer["id"]})
        updated.append(customer)
    return v3_json(updated)


# ------------------------------------------------------------------ customer groups (V2)


def _groups(request: web.Request) -> list[dict[str, Any]]:
    rows = sorted(store(request).groups.values(), key=lambda g: g["id"])
    if "name" in request.query:
        rows = [g for g in rows if g["name"] == request.query["name"]]
    if "name:like" in request.query:
        rows = [g for g in rows if request.query["name:like"].lower() in g["name"].lower()]
    if "is_default" in request.query:
        wanted = request.query["is_default"].lower() in ("1", "true")
        rows = [g for g in rows if g["is_default"] is wanted]
    return rows


async def customer_groups(request: web.Request) -> web.Response:
    return v2_page(request, _groups(request))


async def count_customer_groups(request: web.Request) -> web.Response:
    return v2_json({"count": len(_groups(request))})


async def get_customer_group(request: web.Request) -> web.Response:
    raw = request.match_info["customer_group_id"]
    group = store(request).groups.get(int(raw)) if raw.isdigit() else None
    if group is None:
        raise ApiError(404, "The requested customer group was not found.")
    return v2_json(group)


def create_group(s: Store, name: str, *, is_default: bool = False) -> dict[str, Any]:
    """A new customer group (409 if the name is taken)."""
    if any(g["name"].lower() == name.lower() for g in s.groups.values()):
        raise ApiError(409, f"The customer group name '{name}' already exists.")
    if is_default:
        for other in s.groups.values():
            other["is_default"] = False
    created = now()
    gid = s.next_id("group")
    s.groups[gid] = {"id": gid, "name": name, "is_default": is_default, "category_access": {"type": "all"},
                     "discount_rules": [], "date_created": created, "date_modified": created,
                     "is_group_for_guests": False}
    return s.groups[gid]


async def create_customer_group(request: web.Request) -> web.Response:
    payload = await body(request)
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "The field 'name' is required.")
    group = create_group(store(request), name, is_default=bool(payload.get("is_default", False)))
    return v2_json(group)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{V3}/customers", list_customers)
    r.add_put(f"{V3}/customers", update_customers, name="customers_update")
    r.add_get(f"{V2}/customer_groups", customer_groups)
    r.add_post(f"{V2}/customer_groups", create_customer_group)
    r.add_get(f"{V2}/customer_groups/count", count_customer_groups)
    r.add_get(f"{V2}/customer_groups/{{customer_group_id}}", get_customer_group)
