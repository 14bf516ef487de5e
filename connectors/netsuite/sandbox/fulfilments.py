"""Item fulfilments after the warehouse: packages with contents, edits and deletions.

- **Packages** (``package`` sublist: ``packageTrackingNumber``, ``packageCartonNumber``, ``packageWeight``,
  ``packageDescr``) and their contents, the WMS way: each packed item line carries
  ``inventoryDetail.inventoryAssignment.items[] = {quantity, packCarton}``, ``packCarton`` being the
  package's ``packageCartonNumber``.
- **Edits** of tracking, packages, ship status, carrier and ship method (``lastModifiedDate`` moves).
- **Deletion**: the sales order's ``quantityFulfilled`` and the stock go back, and the deletion is
  recorded for SuiteQL's ``deletedrecord`` (see :meth:`Store.delete`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from connectors.netsuite.sandbox.behaviour import Behaviour
from connectors.netsuite.sandbox.store import Record, Store, StoreError, to_decimal

ZERO = Decimal(0)
#: ``shipStatus`` words the warehouse routes accept, besides the letters A, B, C.
SHIP_STATUS_WORDS = {"picked": "A", "packed": "B", "shipped": "C"}


class HasStore(Protocol):
    store: Store
    behaviour: Behaviour


def ship_status_id(value: Any) -> str:
    """``A``/``B``/``C`` from a letter or ``picked``/``packed``/``shipped``."""
    text = str(value.get("id") if isinstance(value, Mapping) else value).strip()
    letter = SHIP_STATUS_WORDS.get(text.lower(), text.upper())
    if letter not in ("A", "B", "C"):
        raise StoreError(400, "INVALID_CONTENT", f"Invalid shipStatus {value!r} (picked, packed, shipped or A, B, C).",
                         "shipStatus")
    return letter


def ship_method_ref(store: Store, ship_method: str) -> Record:
    """``{"id"}`` of the ship item named by internal id or ``itemId``; 400 when there is none."""
    method = next((r for r in store.all("shipItem") if str(ship_method) in (r["id"], r.get("itemId"))), None)
    if method is None:
        raise StoreError(400, "INVALID_CONTENT", f"Unknown ship method {ship_method}.", "shipMethod")
    return {"id": method["id"]}


def carrier_ref(carrier: str) -> Record:
    return {"id": carrier.lower(), "refName": carrier}


def _quantity(value: Any, where: str) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except InvalidOperation as exc:
        raise StoreError(400, "INVALID_CONTENT", f"Invalid quantity {value!r} in {where}.") from exc
    if quantity <= 0:
        raise StoreError(400, "INVALID_CONTENT", f"The quantity in {where} must be positive.")
    return quantity


def order_line_of(store: Store, source: Record, entry: Mapping[str, Any]) -> Record:
    """The sales order line named by ``orderLine``, or by ``sku``/``item`` (its first line for that item)."""
    from connectors.netsuite.sandbox.warehouse import item_id

    lines: list[Record] = (source.get("item") or {}).get("items") or []
    if entry.get("orderLine") is not None:
        match = next((x for x in lines if str(x.get("line")) == str(entry["orderLine"])), None)
        if match is None:
            raise StoreError(400, "INVALID_CONTENT", f"Line {entry['orderLine']} is not on this order.")
        return match
    target = item_id(store, entry)
    matches = [x for x in lines if str((x.get("item") or {}).get("id")) == target]
    if not matches:
        raise StoreError(400, "INVALID_CONTENT", f"Item {entry.get('sku') or target} is not on this order.")
    open_lines = [x for x in matches
                  if (to_decimal(x.get("quantity")) or ZERO) > (to_decimal(x.get("quantityFulfilled")) or ZERO)]
    return (open_lines or matches)[0]


def build_packages(store: Store, source: Record, packages: Sequence[Any],
                   tracking: Sequence[str] = ()) -> tuple[list[Record], dict[str, list[Record]]]:
    """The ``package`` lines and, per sales order line (as text), its ``inventoryAssignment`` items.

    A package is ``{"tracking", "carton", "weight", "description", "lines": [{"orderLine"|"sku"|"item",
    "quantity"}]}``; ``carton`` defaults to ``C<n>`` for a package with contents (none without), ``weight``
    to 1; a content line without a quantity
    is the line's open quantity. Numbers in ``tracking`` not in any package become packages without contents.
    """
    items: list[Record] = []
    contents: dict[str, list[Record]] = {}
    cartons: set[str] = set()
    for index, package in enumerate(packages, start=1):
        if not isinstance(package, Mapping):
            raise StoreError(400, "INVALID_CONTENT", f"Package {index} must be an object.")
        carton = str(package["carton"]) if package.get("carton") else f"C{index}" if package.get("lines") else None
        if carton is not None and carton in cartons:
            raise StoreError(400, "INVALID_CONTENT", f"Carton {carton} is used by two packages.")
        if carton is not None:
            cartons.add(carton)
        weight = package.get("weight")
        line: Record = {"packageTrackingNumber": package.get("tracking"), "packageCartonNumber": carton,
                        "packageWeight": _quantity(weight, f"package {carton} weight") if weight is not None
                        else Decimal(1),
                        "packageDescr": package.get("description")}
        items.append({k: v for k, v in line.items() if v is not None})
        for entry in package.get("lines") or []:
            order_line = order_line_of(store, source, entry)
            if entry.get("quantity") is not None:
                quantity = _quantity(entry["quantity"], f"package {carton}")
            else:
                quantity = (to_decimal(order_line.get("quantity")) or ZERO) - (
                    to_decimal(order_line.get("quantityFulfilled")) or ZERO)
            contents.setdefault(str(order_line["line"]), []).append({"quantity": quantity, "packCarton": str(carton)})
    known = {str(x.get("packageTrackingNumber")) for x in items}
    items.extend({"packageTrackingNumber": number, "packageWeight": Decimal(1)}
                 for number in tracking if str(number) not in known)
    return items, contents


def inventory_detail(assignments: list[Record]) -> Record:
    return {"quantity": sum((a["quantity"] for a in assignments), ZERO),
            "inventoryAssignment": {"items": assignments}}


def packed_total(assignments: list[Record]) -> Decimal:
    return sum((to_decimal(a.get("quantity")) or ZERO for a in assignments), ZERO)


def edit(state: HasStore, ref: str, changes: Mapping[str, Any]) -> Record:
    """Change a fulfilment: ``packages`` (replace the ``package`` sublist and the lines' pack assignments),
    or ``tracking`` (a list: as many numbers as packages renumber them, cartons and contents kept; otherwise
    one package per number without contents), ``shipStatus``, ``carrier``, ``shipMethod``."""
    store = state.store
    fulfilment_id = store.resolve_id("itemFulfillment", ref)
    current = store.records["itemFulfillment"][fulfilment_id]
    body: Record = {}
    replace: list[str] = []
    if changes.get("shipStatus") is not None:
        body["shipStatus"] = {"id": ship_status_id(changes["shipStatus"])}
    if changes.get("carrier"):
        body["shipCarrier"] = carrier_ref(str(changes["carrier"]))
    if changes.get("shipMethod"):
        body["shipMethod"] = ship_method_ref(store, str(changes["shipMethod"]))
    contents: dict[str, list[Record]] | None = None
    if changes.get("packages") is not None or changes.get("tracking") is not None:
        source_id = str((current.get("createdFrom") or {}).get("id"))
        source = store.records["salesOrder"].get(source_id) or {}
        packages = list(changes.get("packages") or [])
        tracking = [str(x) for x in changes.get("tracking") or ()]
        existing: list[Record] = (current.get("package") or {}).get("items") or []
        if not packages and existing and len(tracking) == len(existing):
            # as many numbers as packages: renumber them, cartons and contents stay
            package_items = [{**package, "packageTrackingNumber": number}
                             for package, number in zip(existing, tracking, strict=True)]
        else:
            package_items, contents = build_packages(store, source, packages, tracking)
        body["package"] = {"items": package_items}
        replace.append("package")
    if not body:
        raise StoreError(400, "INVALID_REQUEST",
                         "Nothing to change: give tracking, packages, shipStatus, carrier or shipMethod.")
    if contents is not None:
        lines = {str(x.get("orderLine")): x for x in (current.get("item") or {}).get("items") or []}
        for key, assignments in contents.items():
            line = lines.get(key)
            if line is None:
                raise StoreError(400, "INVALID_CONTENT", f"Order line {key} is not on this fulfilment.")
            if packed_total(assignments) > (to_decimal(line.get("quantity")) or ZERO):
                raise StoreError(400, "INVALID_CONTENT", f"More is packed than fulfilled on order line {key}.")
    record = store.update("itemFulfillment", fulfilment_id, body, replace=replace, after=state.behaviour.prepare)
    if contents is not None:
        for line in (record.get("item") or {}).get("items") or []:
            packed = contents.get(str(line.get("orderLine")))
            if packed:
                line["inventoryDetail"] = inventory_detail(packed)
            else:
                line.pop("inventoryDetail", None)
    return record


def delete(state: HasStore, ref: str) -> str:
    """Delete a fulfilment: quantities fulfilled and stock go back on its sales order; returns its id."""
    store, behaviour = state.store, state.behaviour
    fulfilment_id = store.resolve_id("itemFulfillment", ref)
    record = store.records["itemFulfillment"][fulfilment_id]
    source_id = str((record.get("createdFrom") or {}).get("id"))
    source = store.records["salesOrder"].get(source_id)
    store.delete("itemFulfillment", fulfilment_id)
    if source is None:
        return fulfilment_id
    by_line = {str(line.get("line")): line for line in (source.get("item") or {}).get("items") or []}
    default_location = (record.get("location") or source.get("location") or {}).get("id")
    for line in (record.get("item") or {}).get("items") or []:
        src = by_line.get(str(line.get("orderLine")))
        if src is None:
            continue
        quantity = to_decimal(line.get("quantity")) or ZERO
        src["quantityFulfilled"] = max((to_decimal(src.get("quantityFulfilled")) or ZERO) - quantity, ZERO)
        location = (line.get("location") or {}).get("id") or default_location
        item = (line.get("item") or {}).get("id")
        if location and item:
            behaviour.move_stock(str(item), str(location), quantity)
    behaviour._advance("salesOrder", source)
    store.touch(source)
    return fulfilment_id
