"""Carries a fulfilment's plan out: BigCommerce shipments, the ``state.fulfilments`` rows, exceptions, capture.

The normal path is one BigCommerce request per shipment (POST, PUT or DELETE). A ``pending`` row is written
before each POST; finding one later (a crash between BigCommerce's answer and the table) costs one
``list_shipments`` to adopt the shipment whose comments carry the marker. Fulfilments of one order are
handled one at a time (a keyed lock). BigCommerce 429/5xx are raised (the guarded loop waits them out,
the event stays unacked); a 400/422 refusal of one shipment is a ``shipment_rejected`` exception and the
stream goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import asyncpg
from prometheus_client import Counter, Histogram

from connectors.bigcommerce.errors import ValidationError
from connectors.bigcommerce.models.shipments import Shipment, ShipmentCreate, ShipmentItemCreate, ShipmentUpdate
from connectors.http import NotFoundError, PermanentError, one_line
from connectors.locks import KeyedLock
from state import exceptions as exceptions_store
from state import fulfilments as store
from streams.contract.netsuite import NsFulfilment
from streams.fulfilments.plan import (
    TOMBSTONE,
    Create,
    Delete,
    OrderLine,
    Plan,
    Problem,
    Recorded,
    Recreate,
    Update,
    Wanted,
    describe,
    for_this_store,
    marker,
    plan,
)
from streams.fulfilments.settings import FulfilmentSettings

log = logging.getLogger(__name__)

LATENCY = Histogram(
    "o2c_fulfilment_to_shipment_seconds", "NetSuite fulfilment shipped (last modified) → BigCommerce shipment created.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
SHIPMENTS = Counter("o2c_shipments_total", "BigCommerce shipments written by o2c, by action", ["action"])
UNSPLIT = Counter("o2c_fulfilment_packages_unsplit_total", "Fulfilments with several packages but no contents per "
                  "package: one shipment with the other tracking numbers in its comments")
OTHER_STORE = Counter("o2c_fulfilments_other_store_total",
                      "Fulfilments of sales orders of another BigCommerce store (left to that store's deployment)")
CAPTURES = Counter("o2c_shipment_captures_total", "Payment captures at first shipment, by outcome", ["outcome"])

PROBLEM_KINDS = ("fulfilment_unmatched", "tracking_invalid", "shipment_rejected")


class ShipmentApi(Protocol):
    """What the writer needs of the BigCommerce client."""

    async def list_shipments(self, order_id: int) -> list[Shipment]: ...
    async def create_shipment(self, order_id: int, shipment: ShipmentCreate) -> Shipment: ...
    async def update_shipment(self, order_id: int, shipment_id: int, update: ShipmentUpdate) -> Shipment: ...
    async def delete_shipment(self, order_id: int, shipment_id: int) -> None: ...
    async def capture_payment(self, order_id: int) -> None: ...
    async def order_products(self, order_id: int) -> list[Any]: ...


def _create_body(w: Wanted) -> ShipmentCreate:
    c = w.carrier
    return ShipmentCreate(
        order_address_id=w.order_address_id,
        items=[ShipmentItemCreate(order_product_id=p, quantity=q) for p, q in w.items],
        tracking_number=w.tracking_number, shipping_provider=c.shipping_provider, tracking_carrier=c.tracking_carrier,
        tracking_link=c.tracking_link or None, shipping_method=w.shipping_method or None, comments=w.comments)


def _update_body(w: Wanted) -> ShipmentUpdate:
    c = w.carrier
    return ShipmentUpdate(
        tracking_number=w.tracking_number, shipping_provider=c.shipping_provider, tracking_carrier=c.tracking_carrier,
        tracking_link=c.tracking_link, shipping_method=w.shipping_method, comments=w.comments)


def _recorded(rows: dict[str, store.ShipmentRow]) -> dict[str, Recorded]:
    return {k: Recorded(k, r.status, r.shipment_id, r.items_fingerprint, r.fields, r.source_modified)
            for k, r in rows.items()}


class FulfilmentWriter:
    def __init__(self, settings: FulfilmentSettings, client: Callable[[], Awaitable[Any]],
                 pool: Callable[[], Awaitable[asyncpg.Pool]], default_store: str) -> None:
        self.settings = settings
        self._client = client
        self._pool = pool
        self.default_store = default_store
        self._locks = KeyedLock()

    async def handle(self, f: NsFulfilment, *, raw: dict[str, Any] | None = None) -> str:
        """Give one fulfilment version its outcome; returns it in a few words (for the log)."""
        if not for_this_store(f, self.default_store):
            OTHER_STORE.inc()
            return f"for store {f.store_hash}, not this one ({self.default_store}): left to its deployment"
        pool = await self._pool()
        store_hash = f.store_hash or self.default_store
        order_id = f.bc_order_id
        if f.status == "deleted":
            order_id = await store.order_of(pool, store_hash, f.ns_id)
        async with self._locks.hold((store_hash, order_id if order_id is not None else f"ns:{f.ns_id}")):
            rows = await store.shipments(pool, store_hash, f.ns_id)
            order = None
            if f.status == "shipped" and f.bc_order_id is not None and TOMBSTONE not in rows:
                order = await self._order_lines(pool, store_hash, f.bc_order_id)
            p = plan(f, _recorded(rows), order, carriers=self.settings.carriers, links=self.settings.tracking_links)
            if p.problem is not None:
                await self._problem(pool, f, p.problem, raw)
                return p.problem.kind
            for note in p.notes:
                UNSPLIT.inc()
                log.info(note, extra={"ns_id": f.ns_id, "bc_order_id": order_id})
            done = await self._carry_out(pool, f, p, store_hash, order_id, raw)
            if p.tombstone:
                await store.save(pool, store_hash=store_hash, ns_id=f.ns_id, package_key=TOMBSTONE, status="deleted",
                                 tran_id=f.tran_id, bc_order_id=order_id, source_modified=f.last_modified)
            if done.get("rejected"):
                return "rejected"
            for kind in PROBLEM_KINDS:
                await exceptions_store.auto_resolve_key(pool, f"{kind}:fulfilment:{f.ns_id}")
            if self.settings.capture_on_shipment and order_id is not None and f.status == "shipped":
                await self._capture(pool, store_hash, order_id, f)  # also after a retried event: once per order
            return ", ".join(f"{k} {v}" for k, v in done.items()) or p.reason or "nothing to do"

    async def _order_lines(self, pool: asyncpg.Pool, store_hash: str, order_id: int) -> dict[int, OrderLine] | None:
        """The order's products, from the table (recorded from bc.orders) or read once from BigCommerce."""
        known = await store.order_lines(pool, store_hash, order_id)
        if known is None:
            api = cast(ShipmentApi, await self._client())
            try:
                products = await api.order_products(order_id)
            except NotFoundError:
                return None
            if not products:
                return None
            known = {p.id: store.OrderLineRow(p.id, p.order_address_id, int(p.quantity), p.sku or "")
                     for p in products}
            await store.save_order_lines(pool, store_hash, order_id, known.values())
        return {k: OrderLine(v.order_product_id, v.order_address_id, v.quantity, v.sku) for k, v in known.items()}

    async def _carry_out(self, pool: asyncpg.Pool, f: NsFulfilment, p: Plan, store_hash: str, order_id: int | None,
                         raw: dict[str, Any] | None) -> dict[str, int]:
        done: dict[str, int] = {}
        if not p.actions:
            return done
        assert order_id is not None
        api = cast(ShipmentApi, await self._client())

        async def save(key: str, status: str, shipment_id: int | None = None, w: Wanted | None = None) -> None:
            await store.save(pool, store_hash=store_hash, ns_id=f.ns_id, package_key=key, status=status,
                             tran_id=f.tran_id, bc_order_id=order_id, shipment_id=shipment_id,
                             items_fingerprint=w.items_fingerprint if w else "", fields=w.fields if w else (),
                             source_modified=f.last_modified)

        async def find(key: str) -> Shipment | None:
            tag = marker(f.ns_id, key)
            return next((s for s in await api.list_shipments(order_id) if tag in (s.comments or "")), None)

        async def remove(shipment_id: int) -> None:
            try:
                await api.delete_shipment(order_id, shipment_id)
            except NotFoundError:
                pass  # deleted in BigCommerce already

        async def create(w: Wanted, adopt: bool) -> None:
            if adopt:
                found = await find(w.package_key)
                if found is not None:
                    items = tuple(sorted((i.order_product_id, i.quantity) for i in found.items))
                    if items == w.items:
                        if found.tracking_number != w.tracking_number or found.comments != w.comments:
                            await api.update_shipment(order_id, found.id, _update_body(w))
                        await save(w.package_key, "created", found.id, w)
                        done["adopted"] = done.get("adopted", 0) + 1
                        return
                    await remove(found.id)
            await save(w.package_key, "pending", None, w)
            try:
                shipment = await api.create_shipment(order_id, _create_body(w))
            except (ValidationError, NotFoundError) as error:
                await save(w.package_key, "deleted")  # nothing was created: the next version creates it
                await self._rejected(pool, f, w.package_key, order_id, error, raw)
                done["rejected"] = done.get("rejected", 0) + 1
                return
            await save(w.package_key, "created", shipment.id, w)
            SHIPMENTS.labels("created").inc()
            LATENCY.observe(max(0.0, (datetime.now(UTC) - f.last_modified).total_seconds()))
            done["created"] = done.get("created", 0) + 1

        for action in p.actions:
            match action:
                case Create(wanted=w, adopt=adopt):
                    await create(w, adopt)
                case Update(wanted=w, shipment_id=sid):
                    try:
                        await api.update_shipment(order_id, sid, _update_body(w))
                    except NotFoundError:
                        await create(w, False)  # removed in BigCommerce meanwhile: send it again
                        continue
                    except ValidationError as error:
                        await self._rejected(pool, f, w.package_key, order_id, error, raw)
                        done["rejected"] = done.get("rejected", 0) + 1
                        continue
                    await save(w.package_key, "created", sid, w)
                    SHIPMENTS.labels("updated").inc()
                    done["updated"] = done.get("updated", 0) + 1
                case Recreate(wanted=w, shipment_id=sid):
                    await remove(sid)
                    SHIPMENTS.labels("deleted").inc()
                    await save(w.package_key, "deleted")
                    await create(w, False)
                case Delete(package_key=key, shipment_id=sid):
                    if sid is None:
                        found = await find(key)
                        sid = found.id if found else None
                    if sid is not None:
                        await remove(sid)
                        SHIPMENTS.labels("deleted").inc()
                        done["deleted"] = done.get("deleted", 0) + 1
                    await save(key, "deleted")
        return done

    async def _problem(self, pool: asyncpg.Pool, f: NsFulfilment, problem: Problem, raw: dict[str, Any] | None) -> None:
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind=problem.kind, object_type="fulfilment", owner="operations", severity="error", message=problem.message,
            bc_id=str(f.bc_order_id) if f.bc_order_id is not None else None, ns_id=f.ns_id,
            payload={**(raw or {}), "detail": problem.detail}, dedupe_key=f"{problem.kind}:fulfilment:{f.ns_id}"))
        log.warning(problem.message, extra={"ns_id": f.ns_id, "kind": problem.kind, "bc_order_id": f.bc_order_id})

    async def _rejected(self, pool: asyncpg.Pool, f: NsFulfilment, key: str, order_id: int, error: Exception,
                        raw: dict[str, Any] | None) -> None:
        message = (f"BigCommerce refused the shipment of {describe(f)} (package {key}) on order {order_id}: "
                   f"{one_line(error)}. Nothing was sent for this package and the other fulfilments went on. "
                   "Correct the fulfilment in NetSuite or the order in BigCommerce; the next edit is picked up, or "
                   "retry this exception.")
        await self._problem(pool, f, Problem("shipment_rejected", message, {"package_key": key,
                                                                            "bc_order_id": order_id}), raw)

    async def _capture(self, pool: asyncpg.Pool, store_hash: str, order_id: int, f: NsFulfilment) -> None:
        """Capture the order's payment once, when its first shipment went out."""
        if await store.capture_status(pool, store_hash, order_id) is not None:
            return
        if not await store.shipments_created(pool, store_hash, order_id):
            return  # no shipment has gone out yet
        api = cast(ShipmentApi, await self._client())
        try:
            await api.capture_payment(order_id)
        except ValidationError as error:  # 422: not authorised, or already captured: nothing to capture
            await store.record_capture(pool, store_hash, order_id, "refused", one_line(error))
            CAPTURES.labels("refused").inc()
            log.info(f"order {order_id}: BigCommerce has no payment to capture ({one_line(error)})")
            return
        except PermanentError as error:
            await store.record_capture(pool, store_hash, order_id, "failed", one_line(error))
            CAPTURES.labels("failed").inc()
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="capture_failed", object_type="order", owner="finance", severity="error", bc_id=str(order_id),
                ns_id=f.ns_id, payload={"bc_order_id": order_id, "error": one_line(error)},
                message=(f"The payment of BigCommerce order {order_id} was not captured when its first shipment "
                         f"({describe(f)}) went out: {one_line(error)}. Capture it in the BigCommerce control "
                         "panel (o2c does not try again), then resolve this exception.")))
            return
        await store.record_capture(pool, store_hash, order_id, "captured")
        CAPTURES.labels("captured").inc()
