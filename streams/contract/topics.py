"""The public topics: o2c's event contract with other teams (DESIGN §4; docs/topics.md explains each).

Keys decide partitioning and so ordering. A topic whose ``event`` is set has a JSON Schema checked
in under ``docs/schemas/``; later flows add their event models here as they are built.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.contract import (
    BcOrderEvent,
    BcRefundEvent,
    Envelope,
    HeartbeatEvent,
    HeartbeatSeenEvent,
    NsFulfilmentEvent,
    NsItemEvent,
    NsPriceEvent,
    NsStockEvent,
    SalesOrderCommandEvent,
    SyncExceptionEvent,
    SyncResultEvent,
)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    description: str
    pii: str
    event: type[Envelope] | None = None  # type: ignore[type-arg]
    compacted: bool = False


PUBLIC_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("bc.orders", "BigCommerce order id", "Full order snapshots (products, addresses, coupons, "
              "transactions) each time an order is created or changed.", "yes: names, emails, addresses",
              event=BcOrderEvent),
    TopicSpec("bc.refunds", "BigCommerce order id", "Refunds issued in BigCommerce, with items and amounts.",
              "no", event=BcRefundEvent),
    TopicSpec("ns.items", "SKU", "NetSuite items: matrix parents and children with SKU and options.", "no",
              event=NsItemEvent, compacted=True),
    TopicSpec("ns.inventory", "SKU", "Stock per item per NetSuite location (on hand, committed, available).",
              "no", event=NsStockEvent),
    TopicSpec("ns.fulfilments", "BigCommerce order id", "NetSuite item fulfilments with lines, carrier and "
              "tracking numbers.", "no", event=NsFulfilmentEvent),
    TopicSpec("ns.prices", "SKU", "NetSuite price levels and item prices.", "no", event=NsPriceEvent),
    TopicSpec("payouts", "gateway:payout id", "Payment gateway payouts: gross, fees, net and the charges paid.",
              "no"),
    TopicSpec("ns.commands", "object key (e.g. BigCommerce order id)", "Idempotent writes for the NetSuite "
              "writer, each with its externalId.", "yes: customer names, emails, addresses",
              event=SalesOrderCommandEvent),
    TopicSpec("bc.commands", "object key (e.g. SKU)", "Writes for the BigCommerce writer (stock, shipments, "
              "metafields).", "no"),
    TopicSpec("sync.results", "object key", "Outcome of each write: synced, parked or failed, with both ids.",
              "no", event=SyncResultEvent),
    TopicSpec(SyncExceptionEvent.TOPIC, "object key", "Exceptions raised by any flow, with owner and "
              "plain-English message (also stored in PostgreSQL).", "may carry the offending payload",
              event=SyncExceptionEvent),
    TopicSpec(HeartbeatEvent.TOPIC, "origin", "Liveness events that travel the pipeline end to end.", "no",
              event=HeartbeatEvent),
    TopicSpec(HeartbeatSeenEvent.TOPIC, "origin", "The heartbeat agent's output: counts kept in a table.", "no",
              event=HeartbeatSeenEvent),
)

BY_NAME: dict[str, TopicSpec] = {t.name: t for t in PUBLIC_TOPICS}
