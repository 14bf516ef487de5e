"""One NetSuite fulfilment + what o2c recorded for it + the BigCommerce order's lines → what to do. Pure.

A fulfilment becomes one BigCommerce shipment per package (and per shipping address, for an order that
ships to several). Each shipment is recorded under a **package key**: ``1`` for a fulfilment with one
package (or none, or several whose contents NetSuite does not say), ``c:<carton>`` for a package with its
carton's contents; ``@<address id>`` is appended when the lines of a package ship to several addresses.
The actions are: create (``adopt`` first when a ``pending`` row says an earlier attempt may have reached
BigCommerce), update (tracking fields changed: BigCommerce's PUT), recreate (the items changed: PUT cannot
change items, so delete and create), delete, or a problem for operations. A fulfilment that is picked or
packed waits; a replay of what is already recorded does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine, NsPackage
from streams.fulfilments import tracking as tracking_rules
from streams.fulfilments.carriers import CarrierChoice, choose

SINGLE = "1"
TOMBSTONE = "*"  # recorded when the fulfilment was deleted in NetSuite: later versions of it are ignored


@dataclass(frozen=True)
class OrderLine:
    """A BigCommerce order product: where it ships and how many were ordered."""

    order_product_id: int
    order_address_id: int
    quantity: int = 0
    sku: str = ""


@dataclass(frozen=True)
class Recorded:
    """What ``state.fulfilments`` holds for one package of a fulfilment."""

    package_key: str
    status: str  # pending, created, deleted
    shipment_id: int | None = None
    items_fingerprint: str = ""
    fields: tuple[str, ...] = ()  # the tracking fields last sent (Wanted.fields)
    source_modified: datetime | None = None


@dataclass(frozen=True)
class Wanted:
    """One shipment as BigCommerce should have it."""

    package_key: str
    order_address_id: int
    items: tuple[tuple[int, int], ...]  # (order_product_id, quantity), sorted
    tracking_number: str
    carrier: CarrierChoice
    shipping_method: str
    comments: str

    @property
    def items_fingerprint(self) -> str:
        return f"@{self.order_address_id}:" + ",".join(f"{p}x{q}" for p, q in self.items)

    @property
    def fields(self) -> tuple[str, ...]:
        c = self.carrier
        return (self.tracking_number, c.shipping_provider, c.tracking_carrier, c.tracking_link, self.shipping_method,
                self.comments)


@dataclass(frozen=True)
class Create:
    wanted: Wanted
    adopt: bool = False  # a pending row: look for the shipment by its marker before creating it


@dataclass(frozen=True)
class Update:
    wanted: Wanted
    shipment_id: int


@dataclass(frozen=True)
class Recreate:
    wanted: Wanted
    shipment_id: int


@dataclass(frozen=True)
class Delete:
    package_key: str
    shipment_id: int | None  # None: a pending row, found by its marker if BigCommerce has it


Action = Create | Update | Recreate | Delete


@dataclass(frozen=True)
class Problem:
    """Why nothing can be sent for this fulfilment (an exception for operations)."""

    kind: str  # fulfilment_unmatched, tracking_invalid
    message: str
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...] = ()
    problem: Problem | None = None
    reason: str = ""  # when there is nothing to do: why
    tombstone: bool = False  # record the fulfilment as deleted
    notes: tuple[str, ...] = ()  # info for the log (packages without contents)


def for_this_store(f: NsFulfilment, store_hash: str) -> bool:
    """Whether this deployment ships ``f``: its sales order names this store, or no store at all.

    One NetSuite account can serve several BigCommerce stores; a fulfilment of another store's sales order
    must never become a shipment on this store's order that happens to have the same number."""
    return not f.store_hash or f.store_hash == store_hash


def marker(ns_id: str, package_key: str) -> str:
    """The text a shipment's comments carry so o2c can find it again (read-before-write)."""
    return f"o2c:{ns_id}:{package_key}"


def describe(f: NsFulfilment) -> str:
    name = f"NetSuite fulfilment {f.tran_id or f.ns_id} (internal id {f.ns_id})"
    return name + (f" of sales order {f.sales_order_ns_id}" if f.sales_order_ns_id else "")


def _unmatched(f: NsFulfilment, what: str, **detail: object) -> Plan:
    return Plan(problem=Problem("fulfilment_unmatched", (
        f"{describe(f)} could not be sent to BigCommerce as a shipment: {what}. Nothing was sent for it. "
        "Correct the link in NetSuite (or the order in BigCommerce); the next edit of the fulfilment is "
        "picked up, or retry this exception."), {"ns_id": f.ns_id, "tran_id": f.tran_id, **detail}))


def _contents(f: NsFulfilment, products: dict[str, tuple[int, int]]) -> list[tuple[NsPackage, dict[int, int]]] | str:
    """(package, {order product: quantity}) per package with contents; leftovers go to the first package."""
    by_sku: dict[str, str] = {}
    for index, line in enumerate(f.lines):
        if line.sku:
            by_sku.setdefault(line.sku, _line_key(line, index))
    remaining = {key: qty for key, (_, qty) in products.items()}
    out: list[tuple[NsPackage, dict[int, int]]] = []
    for package in f.packages:
        held: dict[int, int] = {}
        for content in package.lines:
            key = content.order_line if content.order_line in products else by_sku.get(content.sku)
            if key is None or key not in products or content.quantity != content.quantity.to_integral_value():
                return f"package {package.carton} holds {content.sku or content.order_line}, not a line it ships"
            quantity = int(content.quantity)
            if quantity > remaining.get(key, 0):
                return f"package {package.carton} holds more of {content.sku or content.order_line} than it ships"
            remaining[key] -= quantity
            product = products[key][0]
            held[product] = held.get(product, 0) + quantity
        out.append((package, held))
    for key, quantity in remaining.items():
        if quantity > 0:
            first = out[0][1]
            first[products[key][0]] = first.get(products[key][0], 0) + quantity
    return out


def _line_key(line: NsFulfilmentLine, index: int) -> str:
    """A fulfilment line's identity: its sales order line, else its position (two lines may share a SKU)."""
    return line.order_line or f"#{index}"


def wanted_shipments(f: NsFulfilment, order: Mapping[int, OrderLine], *, carriers: Mapping[str, str],
                     links: Mapping[str, str]) -> tuple[list[Wanted], tuple[str, ...]] | Plan:
    """The shipments this fulfilment should be in BigCommerce, or a Plan with the problem."""
    products: dict[str, tuple[int, int]] = {}  # fulfilment line key → (order product id, quantity)
    for index, line in enumerate(f.lines):
        if line.quantity <= 0:
            continue
        if line.bc_order_product_id is None:
            return _unmatched(f, f"its line {line.sku or line.ns_item_id} (sales order line {line.order_line or '?'}) "
                              "has no BigCommerce order product id on the sales order line", sku=line.sku)
        if line.bc_order_product_id not in order:
            return _unmatched(f, f"its line {line.sku or line.ns_item_id} names BigCommerce order product "
                              f"{line.bc_order_product_id}, which is not on BigCommerce order {f.bc_order_id}",
                              sku=line.sku, order_product_id=line.bc_order_product_id)
        if line.quantity != line.quantity.to_integral_value():
            return _unmatched(f, f"its line {line.sku} ships {line.quantity}, and BigCommerce ships whole units",
                              sku=line.sku)
        key = _line_key(line, index)
        _, before = products.get(key, (line.bc_order_product_id, 0))
        products[key] = (line.bc_order_product_id, before + int(line.quantity))
    if not products:
        return _unmatched(f, "it ships no quantity of any line")
    notes: list[str] = []
    packages = list(f.packages)
    try:
        tracking = [tracking_rules.normalise(p.tracking_number) for p in packages] or [
            tracking_rules.normalise(t) for t in f.tracking_numbers[:1]]
        extra = [tracking_rules.normalise(t) for t in f.tracking_numbers if not packages]
    except tracking_rules.TrackingNumberInvalid as error:
        return Plan(problem=Problem("tracking_invalid", (
            f"{describe(f)} could not be sent to BigCommerce as a shipment: its {error}. Nothing was sent for "
            "it. Correct the tracking number in NetSuite; the edit is picked up."), {"ns_id": f.ns_id}))
    groups: list[tuple[str, str, dict[int, int], list[str]]] = []  # (key, tracking, items, other tracking)
    if len(packages) > 1 and all(p.lines and p.carton for p in packages):
        contents = _contents(f, products)
        if isinstance(contents, str):
            return _unmatched(f, contents)
        for (package, held), number in zip(contents, tracking, strict=True):
            if held:
                groups.append((f"c:{package.carton}", number, held, []))
    else:
        items: dict[int, int] = {}
        for product, quantity in products.values():
            items[product] = items.get(product, 0) + quantity
        others = [t for t in (tracking[1:] if packages else extra[1:]) if t]
        if others:
            notes.append(f"{describe(f)} has {len(others) + 1} packages but NetSuite does not say what each holds: "
                         "one shipment with the first tracking number, the others in its comments (pack with "
                         "cartons in NetSuite to get one shipment per package)")
        groups.append((SINGLE, tracking[0] if tracking else "", items, others))
    wanted = []
    for key, number, held, others in groups:
        by_address: dict[int, list[tuple[int, int]]] = {}
        for product, quantity in held.items():
            by_address.setdefault(order[product].order_address_id, []).append((product, quantity))
        for address, address_items in sorted(by_address.items()):
            package_key = key if len(by_address) == 1 else f"{key}@{address}"
            comments = f"NetSuite fulfilment {f.tran_id or f.ns_id} ({marker(f.ns_id, package_key)})"
            if others:
                comments += f". Also in this shipment: packages with tracking {', '.join(others)}"
            wanted.append(Wanted(
                package_key=package_key, order_address_id=address, items=tuple(sorted(address_items)),
                tracking_number=number, shipping_method=f.ship_method[:250], comments=comments,
                carrier=choose(f.ship_method, f.carrier, number, configured=carriers, links=links)))
    return wanted, tuple(notes)


def plan(f: NsFulfilment, recorded: Mapping[str, Recorded], order: Mapping[int, OrderLine] | None, *,
         carriers: Mapping[str, str] | None = None, links: Mapping[str, str] | None = None) -> Plan:
    """What to do for this version of the fulfilment (``order`` None: o2c does not know the BigCommerce order)."""
    if TOMBSTONE in recorded:
        return Plan(reason="deleted in NetSuite earlier")
    newest = max((r.source_modified for r in recorded.values() if r.source_modified), default=None)
    if newest is not None and f.last_modified < newest:
        return Plan(reason="an older version than the one already handled")
    live = {k: r for k, r in recorded.items() if r.status in ("pending", "created")}
    if f.status == "deleted":
        return Plan(actions=tuple(Delete(k, r.shipment_id) for k, r in sorted(live.items())), tombstone=True,
                    reason="" if live else "deleted in NetSuite; no shipment had been sent")
    if f.status != "shipped":
        return Plan(reason=f"{f.status}, not shipped yet")
    if f.bc_order_id is None:
        return _unmatched(f, "its sales order is not linked to a BigCommerce order (no order id in the link "
                          "field or the external id)")
    if order is None:
        return _unmatched(f, f"BigCommerce order {f.bc_order_id} is not known to o2c (not in its order links "
                          "and not found in BigCommerce)", bc_order_id=f.bc_order_id)
    found = wanted_shipments(f, order, carriers=carriers or {}, links=links or {})
    if isinstance(found, Plan):
        return found
    wanted, notes = found
    actions: list[Action] = []
    for w in wanted:
        r = live.get(w.package_key)
        if r is None:
            actions.append(Create(w))
        elif r.status == "pending" or r.shipment_id is None:
            actions.append(Create(w, adopt=True))
        elif r.items_fingerprint != w.items_fingerprint:
            actions.append(Recreate(w, r.shipment_id))
        elif r.fields != w.fields:
            actions.append(Update(w, r.shipment_id))
    keys = {w.package_key for w in wanted}
    # packages that are gone first: their quantities must be free before BigCommerce takes the new shipments
    actions[:0] = [Delete(k, r.shipment_id) for k, r in sorted(live.items()) if k not in keys]
    return Plan(actions=tuple(actions), notes=notes, reason="" if actions else "already in BigCommerce")

