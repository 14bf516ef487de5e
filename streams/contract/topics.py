"""The public topics: o2c's event contract with other teams (DESIGN §4; docs/topics.md explains each).

Keys decide partitioning and so ordering. A topic whose ``event`` is set has a JSON Schema checked
in under ``docs/schemas/``; later flows add their event models here as they are built.

Message sizes: a topic that can carry a whole order (``large=True``: the order, refund, fulfilment and
command topics, and ``sync.exceptions``, which may carry the offending payload) accepts messages up to
:data:`MAX_MESSAGE_BYTES`. That one constant is derived everywhere: the topic configs o2c creates and
alters (``streams.platform.topic_admin``), the Strimzi ``KafkaTopic``s (``deploy.k8s.render``), the local
broker (``deploy.local.kafka.broker``) and the Faust producer and consumer (``streams.platform.app``).
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.contract import (
    BcOrderEvent,
    BcRefundEvent,
    Envelope,
    HeartbeatEvent,
    HeartbeatSeenEvent,
    NsCustomerEvent,
    NsFulfilmentEvent,
    NsItemEvent,
    NsPriceEvent,
    NsStockEvent,
    PayoutEvent,
    SalesOrderCommandEvent,
    SyncExceptionEvent,
    SyncResultEvent,
)

#: Largest message, in bytes, on a topic that can carry a whole order. Kafka's default (1 MiB) held about
#: 3,500 order lines (about 290 bytes each on bc.orders); this holds about 28,000 uncompressed (the
#: producer checks the uncompressed size, the broker the compressed batch), and it is the most
#: Confluent Cloud's standard clusters accept.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

#: The producers' compression codec (every message, every topic). zstd: the best ratio on JSON at about
#: lz4's speed, native in Kafka since 2.1; aiokafka compresses it with ``cramjam`` (a dependency).
COMPRESSION = "zstd"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    description: str
    pii: str
    event: type[Envelope] | None = None  # type: ignore[type-arg]
    compacted: bool = False
    large: bool = False  # may carry a whole order: max.message.bytes = MAX_MESSAGE_BYTES

    @property
    def config(self) -> dict[str, str]:
        """The topic-level Kafka configs o2c sets on this topic (created with them; altered to them)."""
        config = {}
        if self.compacted:
            config["cleanup.policy"] = "compact"
        if self.large:
            config["max.message.bytes"] = str(MAX_MESSAGE_BYTES)
        return config


PUBLIC_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("bc.orders", "BigCommerce order id", "Full order snapshots (products, addresses, coupons, "
              "transactions) each time an order is created or changed.", "yes: names, emails, addresses",
              event=BcOrderEvent, large=True),
    TopicSpec("bc.refunds", "BigCommerce order id", "Refunds issued in BigCommerce, with items and amounts.",
              "no", event=BcRefundEvent, large=True),
    TopicSpec("ns.items", "SKU", "NetSuite items: matrix parents and children with SKU and options.", "no",
              event=NsItemEvent, compacted=True),
    TopicSpec("ns.inventory", "SKU", "Stock per item per NetSuite location (on hand, committed, available).",
              "no", event=NsStockEvent),
    TopicSpec("ns.fulfilments", "BigCommerce order id", "NetSuite item fulfilments with lines, carrier and "
              "tracking numbers.", "no", event=NsFulfilmentEvent, large=True),
    TopicSpec("ns.prices", "SKU", "Each NetSuite item's whole price table: every price level, currency and "
              "quantity break; a row missing means not priced there.", "no", event=NsPriceEvent),
    TopicSpec("ns.customers", "NetSuite customer internal id", "NetSuite customers: email, names, inactive flag "
              "and default price level (B2B pricing).", "yes: emails, names", event=NsCustomerEvent),
    TopicSpec("payouts", "gateway:payout id", "Payment gateway payouts (Stripe, PayPal): each version of a "
              "payout with its lines (charges, refunds, disputes, fees), a page of lines per message.", "no",
              event=PayoutEvent, large=True),
    TopicSpec("ns.commands", "object key (e.g. BigCommerce order id)", "Idempotent writes for the NetSuite "
              "writer, each with its externalId.", "yes: customer names, emails, addresses",
              event=SalesOrderCommandEvent, large=True),
    TopicSpec("bc.commands", "object key (e.g. SKU)", "Writes for the BigCommerce writer (stock, shipments, "
              "metafields).", "no", large=True),
    TopicSpec("sync.results", "object key", "Outcome of each write: synced, parked or failed, with both ids.",
              "no", event=SyncResultEvent),
    TopicSpec(SyncExceptionEvent.TOPIC, "object key", "Exceptions raised by any flow, with owner and "
              "plain-English message (also stored in PostgreSQL).", "may carry the offending payload",
              event=SyncExceptionEvent, large=True),
    TopicSpec(HeartbeatEvent.TOPIC, "origin", "Liveness events that travel the pipeline end to end.", "no",
              event=HeartbeatEvent),
    TopicSpec(HeartbeatSeenEvent.TOPIC, "origin", "The heartbeat agent's output: counts kept in a table.", "no",
              event=HeartbeatSeenEvent),
)

BY_NAME: dict[str, TopicSpec] = {t.name: t for t in PUBLIC_TOPICS}
