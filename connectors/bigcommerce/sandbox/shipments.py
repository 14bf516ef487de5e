"""Order shipments (``/v2/orders/{id}/shipments``) validated the way BigCommerce validates them.

- ``tracking_carrier``: ``""`` or a value of BigCommerce's list (:mod:`connectors.bigcommerce.carriers`);
- ``shipping_provider``: the spec's list (``""``, auspost, canadapost, endicia, usps, fedex, royalmail,
  ups, upsready, shipperhq) or ``carrier_<id>``;
- ``tracking_number`` ≤ 50 characters, ``tracking_link`` ≤ 500;
- items: lines of the shipment's address, quantities not above what is left to ship there;
- ``generated_tracking_link`` is filled when a provider or carrier and a number are given without a
  custom ``tracking_link`` (which is then echoed and the generated one stays empty).

Creating moves the order to Partially Shipped (3) or Shipped (2) (``store/order/statusUpdated`` when
the status changes); deleting gives the quantities back but does not move the order out of Shipped
(spec: "Deleting a shipment does not move the order out of shipped status"). Errors are
:class:`~.state.ApiError` 400s naming the field, rendered as the V2 array.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .. import carriers
from .state import ADDRESS_FIELDS, READ_ONLY, ApiError, money, now

if TYPE_CHECKING:
    from .state import Store

PROVIDERS = frozenset({"", "auspost", "canadapost", "endicia", "usps", "fedex", "royalmail", "ups", "upsready",
                       "shipperhq"})
_THIRD_PARTY = re.compile(r"^carrier_[A-Za-z0-9_-]+$")
#: PUT may change these (``orderShipment_Put``); never ``items``.
UPDATABLE = ("tracking_number", "shipping_method", "shipping_provider", "tracking_carrier", "tracking_link",
             "comments")
_MAX_LEN = {"tracking_number": 50, "tracking_link": 500, "comments": 65535}


def _validate_fields(body: dict[str, Any]) -> None:
    """The tracking fields of a POST or PUT body (400 naming the first bad field)."""
    for name, limit in _MAX_LEN.items():
        if name in body and len(str(body[name] or "")) > limit:
            raise ApiError(400, f"The field '{name}' must be {limit} characters or fewer.")
    provider = str(body.get("shipping_provider") or "")
    if provider not in PROVIDERS and not _THIRD_PARTY.match(provider):
        raise ApiError(400, f"The field 'shipping_provider' is invalid: '{provider}' is not an accepted provider.")
    carrier = str(body.get("tracking_carrier") or "")
    if not carriers.is_valid(carrier):
        raise ApiError(400, f"The field 'tracking_carrier' is invalid: '{carrier}' is not an accepted carrier.")


def _tracking(shipment: dict[str, Any]) -> None:
    """Fill ``generated_tracking_link`` and ``shipping_provider_display_name`` from the tracking fields."""
    provider, carrier = shipment["shipping_provider"], shipment["tracking_carrier"]
    number, custom = shipment["tracking_number"], shipment["tracking_link"]
    via = provider or carrier
    if via and number and not custom:
        shipment["generated_tracking_link"] = f"https://track.aftership.com/{via}/{number}"
    else:
        shipment["generated_tracking_link"] = ""
    shipment["shipping_provider_display_name"] = carriers.carriers().get(carrier, "") if carrier and not provider \
        else provider.upper() if provider else ""


def _find(store: Store, order_id: int, shipment_id: int) -> dict[str, Any]:
    store.get_order(order_id)
    found = next((s for s in store.shipments[order_id] if s["id"] == shipment_id), None)
    if found is None:
        raise ApiError(404, "The requested resource was not found.")
    return found


def _address(store: Store, order_id: int, raw: Any) -> dict[str, Any]:
    try:
        aid = int(raw)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "The field 'order_address_id' is invalid.") from exc
    address = next((a for a in store.order_addresses[order_id] if a["id"] == aid), None)
    if address is None:
        raise ApiError(400, "The field 'order_address_id' is invalid.")
    return address


def create(store: Store, order_id: int, body: Any) -> dict[str, Any]:
    """``POST /v2/orders/{id}/shipments``."""
    order = store.get_order(order_id)
    if not isinstance(body, dict) or "order_address_id" not in body or not body.get("items"):
        raise ApiError(400, "The fields 'order_address_id' and 'items' are required.")
    address = _address(store, order_id, body["order_address_id"])
    _validate_fields(body)
    lines = {line["id"]: line for line in store.order_products[order_id]}
    wanted: dict[int, int] = {}
    for item in body["items"]:
        if not isinstance(item, dict):
            raise ApiError(400, "The field 'items' is invalid.")
        line = lines.get(int(item.get("order_product_id") or 0))
        qty = int(item.get("quantity") or 0)
        if line is None or line["order_address_id"] != address["id"]:
            raise ApiError(400, f"The order product {item.get('order_product_id')} is not part of this address.")
        if qty <= 0:
            raise ApiError(400, "The field 'quantity' must be a positive integer.")
        wanted[line["id"]] = wanted.get(line["id"], 0) + qty
    for opid, qty in wanted.items():
        line = lines[opid]
        if line["quantity_shipped"] + qty > line["quantity"]:
            raise ApiError(400, f"Quantity to ship for order product {opid} exceeds the quantity remaining.")
    for opid, qty in wanted.items():
        lines[opid]["quantity_shipped"] += qty
        address["items_shipped"] += qty
        order["items_shipped"] += qty
    shipment: dict[str, Any] = {
        "id": store.next_id("shipment"),
        "order_id": order_id,
        "customer_id": order["customer_id"],
        "order_address_id": address["id"],
        "date_created": now(),
        "tracking_number": str(body.get("tracking_number") or ""),
        "merchant_shipping_cost": money(body.get("merchant_shipping_cost", 0), "merchant_shipping_cost"),
        "shipping_method": str(body.get("shipping_method") or address["shipping_method"]),
        "shipping_provider": str(body.get("shipping_provider") or ""),
        "tracking_carrier": str(body.get("tracking_carrier") or ""),
        "tracking_link": str(body.get("tracking_link") or ""),
        "comments": str(body.get("comments") or ""),
        "billing_address": dict(order["billing_address"]),
        "shipping_address": {k: address[k] for k in ADDRESS_FIELDS},
        "items": [{"order_product_id": opid, "product_id": lines[opid]["product_id"], "quantity": qty}
                  for opid, qty in wanted.items()],
    }
    _tracking(shipment)
    store.shipments[order_id].append(shipment)
    store.emit("store/shipment/created", {"type": "shipment", "id": shipment["id"], "orderId": order_id})
    fully = order["items_shipped"] >= order["items_total"]
    if fully:
        order["date_shipped"] = now()
    store.set_status(order, 2 if fully else 3)
    return shipment


def update(store: Store, order_id: int, shipment_id: int, body: Any) -> dict[str, Any]:
    """``PUT /v2/orders/{id}/shipments/{shipment_id}``: tracking fields, comments, address; never items."""
    shipment = _find(store, order_id, shipment_id)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if "items" in body:
        raise ApiError(400, READ_ONLY.format("items"))
    merged = {**{k: shipment[k] for k in UPDATABLE}, **{k: body[k] for k in UPDATABLE if k in body}}
    _validate_fields(merged)
    if "order_address_id" in body:
        address = _address(store, order_id, body["order_address_id"])
        shipment["order_address_id"] = address["id"]
        shipment["shipping_address"] = {k: address[k] for k in ADDRESS_FIELDS}
    for key in UPDATABLE:
        if key in body:
            shipment[key] = str(body[key] or "")
    if "merchant_shipping_cost" in body:
        shipment["merchant_shipping_cost"] = money(body["merchant_shipping_cost"], "merchant_shipping_cost")
    _tracking(shipment)
    store.emit("store/shipment/updated", {"type": "shipment", "id": shipment_id, "orderId": order_id})
    return shipment


def _give_back(store: Store, order: dict[str, Any], shipment: dict[str, Any]) -> None:
    lines = {line["id"]: line for line in store.order_products[order["id"]]}
    addresses = {a["id"]: a for a in store.order_addresses[order["id"]]}
    for item in shipment["items"]:
        line = lines[item["order_product_id"]]
        qty = int(item["quantity"])
        line["quantity_shipped"] -= qty
        addresses[line["order_address_id"]]["items_shipped"] -= qty
        order["items_shipped"] -= qty
    order["date_modified"] = now()
    store.emit("store/shipment/deleted", {"type": "shipment", "id": shipment["id"], "orderId": order["id"]})


def delete(store: Store, order_id: int, shipment_id: int) -> None:
    """``DELETE /v2/orders/{id}/shipments/{shipment_id}``: quantities go back; the status stays."""
    shipment = _find(store, order_id, shipment_id)
    store.shipments[order_id].remove(shipment)
    _give_back(store, store.get_order(order_id), shipment)


def delete_all(store: Store, order_id: int) -> None:
    """``DELETE /v2/orders/{id}/shipments``: every shipment of the order, as :func:`delete`."""
    order = store.get_order(order_id)
    gone, store.shipments[order_id] = store.shipments[order_id], []
    for shipment in gone:
        _give_back(store, order, shipment)


def count(store: Store, order_id: int) -> int:
    """``GET /v2/orders/{id}/shipments/count``."""
    store.get_order(order_id)
    return len(store.shipments[order_id])
