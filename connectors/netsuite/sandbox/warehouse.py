"""Warehouse actions: what people in the warehouse do in NetSuite, to drive o2c's other direction.

- **fulfil** a sales order (all open lines, or some lines and quantities: a partial shipment) with a
  carrier, a ship method and tracking numbers: an item fulfilment, as the UI's "Fulfill" button makes it;
- **stock**: set (or adjust) on hand of an item at a location;
- **receive a return**: an item receipt against a return authorization (stock goes back).

Over HTTP (no authentication, no governance, like the other ``/__sandbox`` routes):
``POST /__sandbox/warehouse/fulfil``, ``/__sandbox/warehouse/stock``, ``/__sandbox/warehouse/receive-return``;
``POST`` / ``DELETE /__sandbox/warehouse/fulfilment/{id}`` edit or delete a fulfilment (:mod:`.fulfilments`).
From the command line: :func:`main` (``o2c sandbox netsuite-warehouse …``), which calls those routes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx
from aiohttp import web

from connectors.netsuite import codec
from connectors.netsuite.sandbox import fulfilments
from connectors.netsuite.sandbox.behaviour import FULFILLABLE, Behaviour
from connectors.netsuite.sandbox.store import Record, Store, StoreError, to_decimal


class _HasStore(Protocol):
    store: Store
    behaviour: Behaviour


def item_id(store: Store, body: Mapping[str, Any]) -> str:
    """The internal id named by ``item`` or ``sku`` (an item's ``itemId``)."""
    if body.get("sku"):
        for record_type in ("inventoryItem", "nonInventoryResaleItem"):
            hit = next((r for r in store.all(record_type) if r.get("itemId") == body["sku"]), None)
            if hit is not None:
                return str(hit["id"])
        raise StoreError(404, "NONEXISTENT_ID", f"No item with itemId {body['sku']}.")
    if body.get("item"):
        return str(body["item"])
    raise KeyError("sku")


def _ships(line: Mapping[str, Any]) -> bool:
    """A sales order line the warehouse can still ship (goods with quantity left)."""
    kind = line.get("itemType")
    kind = kind.get("id") if isinstance(kind, dict) else kind
    left = (to_decimal(line.get("quantity")) or Decimal(1)) - (to_decimal(line.get("quantityFulfilled")) or Decimal(0))
    return (kind is None or kind in FULFILLABLE) and left > 0


def _select_lines(store: Store, source: Record, wanted: Sequence[Mapping[str, Any]] | None,
                  location: str | None) -> list[Record] | None:
    """Transform lines: the listed ones (by ``orderLine``, ``sku`` or ``item``) and ``itemReceive: false``
    for the others; ``None`` (every open line) when nothing is listed."""
    source_lines = (source.get("item") or {}).get("items") or []
    # The transform pre-populates only open lines of goods: tax, discount and charge lines are not shipped,
    # so naming them (even with itemReceive false) is an invalid orderLine.
    goods = [line for line in source_lines if _ships(line)]
    if not wanted:
        if location is None:
            return None
        return [{"orderLine": line["line"], "location": {"id": location}} for line in goods]
    chosen: dict[str, Record] = {}
    for entry in wanted:
        if entry.get("orderLine") is not None:
            key = str(entry["orderLine"])
        else:
            target = item_id(store, entry)
            match = next((line for line in source_lines if str((line.get("item") or {}).get("id")) == target
                          and str(line.get("line")) not in chosen), None)
            if match is None:
                raise StoreError(400, "INVALID_CONTENT", f"Item {entry.get('sku') or target} is not on this order.")
            key = str(match["line"])
        line: Record = {"orderLine": int(key) if key.isdigit() else key, "itemReceive": True}
        if entry.get("quantity") is not None:
            line["quantity"] = Decimal(str(entry["quantity"]))
        if location is not None:
            line["location"] = {"id": location}
        chosen[key] = line
    others = [{"orderLine": line["line"], "itemReceive": False} for line in goods
              if str(line.get("line")) not in chosen]
    return list(chosen.values()) + others


def _transform(state: _HasStore, source_type: str, ref: str, target_type: str, body: Record) -> Record:
    store, behaviour = state.store, state.behaviour
    source_id = store.resolve_id(source_type, ref)
    merged = behaviour.transform(source_type, source_id, target_type, body)
    created = store.create(target_type, merged, defaults=behaviour.prepare)
    behaviour.after_transform(source_type, source_id, target_type, created)
    return created


def fulfil(state: _HasStore, sales_order: str, *, lines: Sequence[Mapping[str, Any]] | None = None,
           carrier: str | None = None, ship_method: str | None = None, tracking: Sequence[str] = (),
           location: str | None = None, status: str = "C",
           packages: Sequence[Mapping[str, Any]] | None = None) -> Record:
    """An item fulfilment for ``sales_order`` (internal id or ``eid:…``); partial when ``lines`` say so.

    ``packages`` (see :func:`fulfilments.build_packages`) become the ``package`` sublist and the packed
    lines' ``inventoryDetail``; without ``lines``, what is fulfilled is what the packages contain.
    ``tracking`` numbers not in a package become packages without contents.
    """
    store = state.store
    source = store.get("salesOrder", sales_order)
    body: Record = {"shipStatus": {"id": fulfilments.ship_status_id(status)}}
    contents: dict[str, list[Record]] = {}
    if packages:
        package_items, contents = fulfilments.build_packages(store, source, packages, tracking)
        body["package"] = {"items": package_items}
        if not lines and contents:
            lines = [{"orderLine": key, "quantity": fulfilments.packed_total(assignments)}
                     for key, assignments in contents.items()]
    elif tracking:
        body["package"] = {"items": [{"packageTrackingNumber": number, "packageWeight": Decimal("1")}
                                     for number in tracking]}
    chosen = _select_lines(store, source, lines, location)
    if contents:
        by_key = {str(line["orderLine"]): line for line in chosen or [] if line.get("itemReceive") is not False}
        for key, assignments in contents.items():
            line = by_key.get(key)
            if line is None:
                raise StoreError(400, "INVALID_CONTENT", f"Order line {key} is packed but not fulfilled.")
            quantity = to_decimal(line.get("quantity"))
            if quantity is not None and fulfilments.packed_total(assignments) > quantity:
                raise StoreError(400, "INVALID_CONTENT", f"More is packed than fulfilled on order line {key}.")
            line["inventoryDetail"] = fulfilments.inventory_detail(assignments)
    if chosen is not None:
        body["item"] = {"items": chosen}
    if carrier:
        body["shipCarrier"] = fulfilments.carrier_ref(carrier)
    if ship_method:
        body["shipMethod"] = fulfilments.ship_method_ref(store, ship_method)
    return _transform(state, "salesOrder", sales_order, "itemFulfillment", body)


def receive_return(state: _HasStore, return_authorization: str, *,
                   lines: Sequence[Mapping[str, Any]] | None = None, location: str | None = None) -> Record:
    """An item receipt for a return authorization: the goods are back on the shelf at ``location``."""
    store = state.store
    source = store.get("returnAuthorization", return_authorization)
    body: Record = {}
    chosen = _select_lines(store, source, lines, location)
    if chosen is not None:
        body["item"] = {"items": chosen}
    if location is not None:
        body["location"] = {"id": location}
    return _transform(state, "returnAuthorization", return_authorization, "itemReceipt", body)


def change_stock(state: _HasStore, body: Mapping[str, Any]) -> dict[str, str]:
    """``{"sku"|"item", "location", "quantity"}`` sets on hand; with ``"adjust": true`` it adds ``quantity``."""
    target = item_id(state.store, body)
    location = str(body["location"])
    try:
        quantity = Decimal(str(body["quantity"]))
    except InvalidOperation as exc:
        raise StoreError(400, "INVALID_CONTENT", f"Invalid quantity {body['quantity']!r}.") from exc
    if body.get("adjust"):
        record = state.store.records["inventoryItem"].get(target)
        if record is None:
            raise StoreError(404, "NONEXISTENT_ID", f"Inventory item {target} does not exist.")
        current = to_decimal(state.behaviour.stock_row(record, location).get("quantityOnHand")) or Decimal(0)
        quantity = current + quantity
    state.behaviour.set_stock(target, location, quantity)
    row = state.behaviour.stock_row(state.store.records["inventoryItem"][target], location)
    return {"item": target, "location": location, "onHand": str(row["quantityOnHand"]),
            "committed": str(row.get("quantityCommitted", 0)), "available": str(row["quantityAvailable"])}


# -- HTTP ---------------------------------------------------------------------------------------------


def add_routes(app: web.Application, state_of: Callable[[web.Request], _HasStore]) -> None:
    async def body_of(request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        data = codec.loads(raw) if raw else {}
        if not isinstance(data, dict):
            raise StoreError(400, "INVALID_REQUEST", "The request body must be a JSON object.")
        return data

    def answer(result: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=codec.dumps(result), content_type="application/json")

    def failure(exc: Exception) -> web.Response:
        if isinstance(exc, StoreError):
            return answer({"error": exc.code, "detail": exc.detail}, exc.status)
        return answer({"error": "INVALID_REQUEST", "detail": f"missing or bad {exc}"}, 400)

    async def fulfil_route(request: web.Request) -> web.Response:
        try:
            data = await body_of(request)
            record = fulfil(state_of(request), str(data["salesOrder"]), lines=data.get("lines"),
                            carrier=data.get("carrier"), ship_method=data.get("shipMethod"),
                            tracking=list(data.get("tracking") or ()), location=data.get("location"),
                            status=str(data.get("shipStatus") or "C"), packages=data.get("packages"))
        except (StoreError, KeyError, ValueError) as exc:
            return failure(exc)
        return answer({"itemFulfillment": record["id"], "tranId": record.get("tranId")}, 201)

    async def stock_route(request: web.Request) -> web.Response:
        try:
            return answer(change_stock(state_of(request), await body_of(request)))
        except (StoreError, KeyError, ValueError) as exc:
            return failure(exc)

    async def receive_route(request: web.Request) -> web.Response:
        try:
            data = await body_of(request)
            record = receive_return(state_of(request), str(data["returnAuthorization"]), lines=data.get("lines"),
                                    location=data.get("location"))
        except (StoreError, KeyError, ValueError) as exc:
            return failure(exc)
        return answer({"itemReceipt": record["id"], "tranId": record.get("tranId")}, 201)

    async def edit_route(request: web.Request) -> web.Response:
        try:
            record = fulfilments.edit(state_of(request), request.match_info["id"], await body_of(request))
        except (StoreError, KeyError, ValueError) as exc:
            return failure(exc)
        return answer({"itemFulfillment": record["id"], "tranId": record.get("tranId"),
                       "lastModifiedDate": record.get("lastModifiedDate")})

    async def delete_route(request: web.Request) -> web.Response:
        try:
            deleted = fulfilments.delete(state_of(request), request.match_info["id"])
        except (StoreError, KeyError, ValueError) as exc:
            return failure(exc)
        return answer({"itemFulfillment": deleted, "deleted": True})

    app.router.add_post("/__sandbox/warehouse/fulfil", fulfil_route)
    app.router.add_post("/__sandbox/warehouse/fulfilment/{id}", edit_route)
    app.router.add_delete("/__sandbox/warehouse/fulfilment/{id}", delete_route)
    app.router.add_post("/__sandbox/warehouse/stock", stock_route)
    app.router.add_post("/__sandbox/warehouse/receive-return", receive_route)


# -- command line --------------------------------------------------------------------------------------


def _line(text: str) -> dict[str, str]:
    """``SKU=QTY`` or ``SKU`` (everything open on that line), ``#3=QTY`` for order line 3."""
    name, _, quantity = text.partition("=")
    entry = {"orderLine": name[1:]} if name.startswith("#") else {"sku": name}
    if quantity:
        entry["quantity"] = quantity
    return entry


def _package(text: str) -> dict[str, Any]:
    """``TRACKING[:CARTON][=CONTENT,…]``, a content being ``SKU[*QTY]`` or ``#LINE[*QTY]``."""
    head, _, contents = text.partition("=")
    tracking, _, carton = head.partition(":")
    package: dict[str, Any] = {"tracking": tracking or None, "carton": carton or None}
    lines = []
    for content in filter(None, contents.split(",")):
        name, _, quantity = content.partition("*")
        entry: dict[str, str] = {"orderLine": name[1:]} if name.startswith("#") else {"sku": name}
        if quantity:
            entry["quantity"] = quantity
        lines.append(entry)
    if lines:
        package["lines"] = lines
    return {k: v for k, v in package.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    """``o2c sandbox netsuite-warehouse [--url URL] fulfil|fulfilment|delete-fulfilment|stock|receive-return …``."""
    parser = argparse.ArgumentParser(prog="o2c sandbox netsuite-warehouse",
                                     description="Warehouse actions in a running NetSuite sandbox")
    parser.add_argument("--url", default="http://127.0.0.1:8702", help="the sandbox's URL")
    commands = parser.add_subparsers(dest="command", required=True)
    ship = commands.add_parser("fulfil", help="fulfil a sales order (partially with --line)")
    ship.add_argument("sales_order", help="internal id, or eid:<externalId> (e.g. eid:BC-SO-store-1001)")
    ship.add_argument("--line", action="append", type=_line, default=[], metavar="SKU[=QTY]")
    ship.add_argument("--carrier", default=None, help="e.g. UPS, FedEx, USPS")
    ship.add_argument("--ship-method", default=None, help="ship item name or id, e.g. 'UPS Ground'")
    ship.add_argument("--tracking", action="append", default=[], help="a tracking number (repeatable)")
    ship.add_argument("--location", default=None, help="ship from this location id")
    ship.add_argument("--status", default="C", choices=["A", "B", "C"], help="picked, packed or shipped")
    ship.add_argument("--package", action="append", type=_package, default=[],
                      metavar="TRACKING[:CARTON][=SKU*QTY,#LINE*QTY]", help="a package and what it holds (repeatable)")
    change = commands.add_parser("fulfilment", help="change a fulfilment's tracking, packages, status, carrier")
    change.add_argument("fulfilment", help="the item fulfilment's internal id")
    change.add_argument("--tracking", action="append", default=None, help="a tracking number (repeatable)")
    change.add_argument("--package", action="append", type=_package, default=None,
                        metavar="TRACKING[:CARTON][=SKU*QTY,#LINE*QTY]", help="replaces the packages (repeatable)")
    change.add_argument("--status", default=None, help="picked, packed or shipped (or A, B, C)")
    change.add_argument("--carrier", default=None)
    change.add_argument("--ship-method", default=None)
    drop = commands.add_parser("delete-fulfilment", help="delete a fulfilment (quantities and stock go back)")
    drop.add_argument("fulfilment", help="the item fulfilment's internal id")
    stock = commands.add_parser("stock", help="set (or --adjust) on hand of a SKU at a location")
    stock.add_argument("sku")
    stock.add_argument("location")
    stock.add_argument("quantity")
    stock.add_argument("--adjust", action="store_true", help="add QUANTITY (may be negative) instead of setting it")
    back = commands.add_parser("receive-return", help="receive a return authorization")
    back.add_argument("return_authorization", help="internal id or eid:<externalId>")
    back.add_argument("--line", action="append", type=_line, default=[], metavar="SKU[=QTY]")
    back.add_argument("--location", default=None)
    args = parser.parse_args(argv)

    method = "POST"
    payload: dict[str, Any] | None
    if args.command == "fulfil":
        path, payload = "fulfil", {"salesOrder": args.sales_order, "lines": args.line or None,
                                   "carrier": args.carrier, "shipMethod": args.ship_method,
                                   "tracking": args.tracking, "location": args.location, "shipStatus": args.status,
                                   "packages": args.package or None}
    elif args.command == "fulfilment":
        path = f"fulfilment/{args.fulfilment}"
        payload = {k: v for k, v in {"tracking": args.tracking, "packages": args.package, "shipStatus": args.status,
                                     "carrier": args.carrier, "shipMethod": args.ship_method}.items() if v is not None}
    elif args.command == "delete-fulfilment":
        method, path, payload = "DELETE", f"fulfilment/{args.fulfilment}", None
    elif args.command == "stock":
        path, payload = "stock", {"sku": args.sku, "location": args.location, "quantity": args.quantity,
                                  "adjust": args.adjust}
    else:
        path, payload = "receive-return", {"returnAuthorization": args.return_authorization,
                                           "lines": args.line or None, "location": args.location}
    try:
        response = httpx.request(method, f"{args.url.rstrip('/')}/__sandbox/warehouse/{path}", json=payload,
                                 timeout=30)
    except httpx.HTTPError as exc:
        print(f"cannot reach the sandbox at {args.url}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(response.json(), indent=2))
    return 0 if response.status_code < 300 else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
