"""NetSuite fulfilments → BigCommerce shipments end to end: real broker, PostgreSQL, worker, BigCommerce sandbox.

Fulfilment events are put on ``ns.fulfilments`` as the NetSuite source publishes them (the source itself is
covered by tests/e2e/netsuite); order lines come from BigCommerce (one read per order not seen on bc.orders).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models.orders import Order
from connectors.bigcommerce.sandbox import SandboxServer
from deploy.local.kafka import KafkaBroker
from streams.contract import NsFulfilmentEvent, event_id
from streams.contract.codec import encode
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine, NsPackage, NsPackageLine
from tests.integration.bigcommerce.helpers import address
from tests.support.kafka import produce
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

T0 = datetime.now(UTC).replace(microsecond=0)


async def new_order(client: BigCommerceClient, quantities: tuple[int, ...], **extra: Any) -> Order:
    variants = []
    async for v in client.list_variants():
        variants.append(v)
        if len(variants) == len(quantities):
            break
    return await client.create_order(
        {
            "status_id": 11,
            "billing_address": address("ship@example.com"),
            "products": [
                {"product_id": v.product_id, "variant_id": v.id, "quantity": q}
                for v, q in zip(variants, quantities, strict=True)
            ],
            **extra,
        }
    )


def message(f: NsFulfilment) -> tuple[bytes, bytes]:
    key = str(f.bc_order_id) if f.bc_order_id is not None else f.ns_id
    event = NsFulfilmentEvent.build(
        f,
        key=key,
        source="netsuite:TEST",
        occurred_at=f.last_modified,
        event_id=event_id("TEST", "fulfilment", f.ns_id, f.last_modified, f.status),
    )
    return key.encode(), encode(event)


def ful(
    store: str,
    ns_id: str,
    order_id: int | None,
    lines: list[tuple[int | None, int]],
    *,
    tracking: tuple[str, ...] = ("1Z1",),
    method: str = "UPS Ground",
    status: str = "shipped",
    minutes: int = 0,
    **extra: Any,
) -> NsFulfilment:
    values: dict[str, Any] = dict(
        ns_id=ns_id,
        store_hash=store,  # later tests' workers read this topic too: never another store's fulfilment
        tran_id=f"IF{ns_id}",
        sales_order_ns_id=f"SO{ns_id}",
        bc_order_id=order_id,
        status=status,
        ship_method=method,
        tracking_numbers=tracking,
        packages=tuple(NsPackage(tracking_number=t) for t in tracking[:1]),
        lines=tuple(
            NsFulfilmentLine(
                sku=f"SKU{p}", ns_item_id="1", quantity=Decimal(q), bc_order_product_id=p, order_line=str(i + 1)
            )
            for i, (p, q) in enumerate(lines)
        ),
        last_modified=T0 + timedelta(minutes=minutes),
    )
    return NsFulfilment(**{**values, **extra})


async def test_fulfilments_become_shipments_once_each(
    kafka: KafkaBroker,
    sandbox: SandboxServer,
    client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    store = sandbox.config.store_hash
    await asyncio.to_thread(
        make_worker, O2C_FULFILMENTS_ENABLED="true", O2C_BC_API_BASE=sandbox.url, O2C_BC_STORE_HASH=store
    )
    a, b, c, d = [await new_order(client, q) for q in ((2, 1), (1,), (1,), (1,))]
    pa = [p.id for p in await client.order_products(a.id)]
    (pb,) = [p.id for p in await client.order_products(b.id)]
    (pc,) = [p.id for p in await client.order_products(c.id)]
    (pd,) = [p.id for p in await client.order_products(d.id)]
    base = random.randint(10**6, 10**8)
    n = [str(base + i) for i in range(10)]

    partial = ful(store, n[0], a.id, [(pa[0], 1)], tracking=(" 1z 999 aa1 ",))
    rest = ful(
        store,
        n[1],
        a.id,
        [(pa[0], 1), (pa[1], 1)],
        tracking=("1ZB1", "1ZB2"),
        packages=(
            NsPackage(tracking_number="1ZB1", carton="C1", lines=(NsPackageLine(order_line="1", quantity=Decimal(1)),)),
            NsPackage(tracking_number="1ZB2", carton="C2", lines=(NsPackageLine(order_line="2", quantity=Decimal(1)),)),
        ),
    )
    royal = ful(store, n[2], b.id, [(pb, 1)], method="Royal Mail Tracked 24", tracking=("rm123gb",))
    await produce(
        kafka.bootstrap,
        NsFulfilmentEvent.TOPIC,
        [
            message(ful(store, n[3], a.id, [(pa[0], 1)], status="packed")),  # waits
            message(partial),
            message(rest),
            message(royal),
            message(ful(store, n[4], 999_999_999, [(1, 1)])),  # unknown order
            message(ful(store, n[5], d.id, [(None, 1)])),  # a line without its order product
            message(ful(store, n[6], c.id, [(pc, 5)])),  # more than ordered: BigCommerce refuses it
            message(
                ful(store, n[7], d.id, [(pd, 1)], method="Acme Couriers Overnight", tracking=("AC 77",))
            ),  # unknown carrier
        ],
    )
    # replays and a second poll change nothing
    await produce(kafka.bootstrap, NsFulfilmentEvent.TOPIC, [message(partial), message(rest), message(royal)])

    async def shipments(order_id: int) -> list[Any]:
        return await client.list_shipments(order_id)

    async def settled() -> bool:
        return len(await shipments(a.id)) == 3 and len(await shipments(b.id)) == 1 and len(await shipments(d.id)) == 1

    await eventually(settled, timeout=90, what="shipments of orders a, b, d")
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:

        async def exceptions_seen() -> bool:
            return len(await conn.fetch("SELECT 1 FROM exceptions WHERE ns_id = ANY($1::text[])", n)) >= 3

        await eventually(exceptions_seen, timeout=60, what="three exceptions")
        kinds = {
            r["ns_id"]: (r["kind"], r["owner"], r["message"])
            for r in await conn.fetch(
                "SELECT ns_id, kind, owner, message FROM exceptions WHERE ns_id = ANY($1::text[])", n
            )
        }
        assert kinds[n[4]][0] == "fulfilment_unmatched" and "999999999 is not known" in kinds[n[4]][2]
        assert kinds[n[5]][0] == "fulfilment_unmatched" and "no BigCommerce order product id" in kinds[n[5]][2]
        assert kinds[n[6]][:2] == ("shipment_rejected", "operations")
        assert n[3] not in kinds and n[7] not in kinds
    finally:
        await conn.close()

    by_tracking = {s.tracking_number: s for s in await shipments(a.id)}
    assert set(by_tracking) == {"1Z999AA1", "1ZB1", "1ZB2"}
    assert [(i.order_product_id, i.quantity) for i in by_tracking["1Z999AA1"].items] == [(pa[0], 1)]
    assert [(i.order_product_id, i.quantity) for i in by_tracking["1ZB2"].items] == [(pa[1], 1)]
    assert by_tracking["1Z999AA1"].tracking_carrier == "ups"
    assert (await client.get_order(a.id)).status_id == 2  # Shipped once everything went
    (rm,) = await shipments(b.id)
    assert (rm.shipping_provider, rm.tracking_carrier, rm.tracking_number) == ("royalmail", "", "RM123GB")
    (acme,) = await shipments(d.id)
    assert (acme.tracking_carrier, acme.shipping_provider, acme.tracking_number) == ("", "", "AC77")
    assert await shipments(c.id) == []

    # an edit corrects the tracking number (same shipment); a deletion deletes the shipment
    first_id = by_tracking["1Z999AA1"].id
    await produce(
        kafka.bootstrap,
        NsFulfilmentEvent.TOPIC,
        [
            message(
                partial.model_copy(
                    update={
                        "tracking_numbers": ("1Z999AA2",),
                        "packages": (NsPackage(tracking_number="1Z999AA2"),),
                        "last_modified": T0 + timedelta(minutes=3),
                    }
                )
            ),
            message(ful(store, n[2], None, [], status="deleted", tracking=(), minutes=4, sales_order_ns_id="")),
        ],
    )

    async def edited() -> bool:
        ids = {s.id: s.tracking_number for s in await shipments(a.id)}
        return ids.get(first_id) == "1Z999AA2" and await shipments(b.id) == []

    await eventually(edited, timeout=60, what="tracking corrected and shipment deleted")
    assert len(await shipments(a.id)) == 3


async def test_capture_at_first_shipment_once(
    kafka: KafkaBroker,
    sandbox: SandboxServer,
    client: BigCommerceClient,
    make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    store = sandbox.config.store_hash
    await asyncio.to_thread(
        make_worker,
        O2C_FULFILMENTS_ENABLED="true",
        O2C_BC_API_BASE=sandbox.url,
        O2C_BC_STORE_HASH=store,
        O2C_FULFILMENTS_CAPTURE_ON_SHIPMENT="true",
    )
    authorised = await new_order(client, (1, 1), _sandbox_payment_status="authorized")
    paid = await new_order(client, (1,))
    pa = [p.id for p in await client.order_products(authorised.id)]
    (pp,) = [p.id for p in await client.order_products(paid.id)]
    base = random.randint(10**6, 10**8)
    await produce(
        kafka.bootstrap,
        NsFulfilmentEvent.TOPIC,
        [
            message(ful(store, str(base), authorised.id, [(pa[0], 1)])),
            message(ful(store, str(base + 1), authorised.id, [(pa[1], 1)], tracking=("1Z2",))),
            message(ful(store, str(base + 2), paid.id, [(pp, 1)])),
        ],
    )
    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:

        async def both_tried() -> bool:
            n = await conn.fetchval(
                "SELECT count(*) FROM fulfilment_captures WHERE order_id = ANY($1::bigint[])", [authorised.id, paid.id]
            )
            return bool(n == 2) and len(await client.list_shipments(authorised.id)) == 2

        await eventually(both_tried, timeout=60, what="a capture attempt per order")
        status = {
            r["order_id"]: r["status"]
            for r in await conn.fetch(
                "SELECT order_id, status FROM fulfilment_captures WHERE order_id = ANY($1::bigint[])",
                [authorised.id, paid.id],
            )
        }
        assert status == {authorised.id: "captured", paid.id: "refused"}
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM exceptions WHERE kind = 'capture_failed' AND bc_id = ANY($1)",
                [str(authorised.id), str(paid.id)],
            )
            == 0
        )
    finally:
        await conn.close()
    def captures() -> list[dict[str, object]]:
        return [t for t in sandbox.store.transactions.get(authorised.id, []) if t.get("event") == "capture"]

    async def settled() -> bool:  # BigCommerce settles a capture asynchronously ("capture pending" first)
        return bool(captures())

    await eventually(settled, timeout=30, what="the capture settled in BigCommerce")
    await asyncio.sleep(1)  # a second capture, if one was sent, would have settled by now
    assert len(captures()) == 1
