"""The event contract: the envelope and every event that travels a public topic."""

from streams.contract.bigcommerce import BcOrderEvent, BcOrderLine, BcOrderSnapshot, BcRefund, BcRefundEvent
from streams.contract.commands import (
    CommandLine,
    CustomerSpec,
    LineKind,
    SalesOrderCommand,
    SalesOrderCommandEvent,
    SyncResult,
    SyncResultEvent,
)
from streams.contract.envelope import Envelope, Model, Publisher, event_id, utcnow
from streams.contract.netsuite import (
    NsFulfilment,
    NsFulfilmentEvent,
    NsItem,
    NsItemEvent,
    NsItemPrice,
    NsPriceEvent,
    NsStock,
    NsStockEvent,
)
from streams.contract.payouts import PayoutEvent, PayoutLineRecord, PayoutPage, PayoutRecord
from streams.contract.platform import (
    Heartbeat,
    HeartbeatEvent,
    HeartbeatSeen,
    HeartbeatSeenEvent,
    SyncException,
    SyncExceptionEvent,
)

__all__ = [
    "BcOrderEvent",
    "BcOrderLine",
    "BcOrderSnapshot",
    "BcRefund",
    "BcRefundEvent",
    "CommandLine",
    "CustomerSpec",
    "Envelope",
    "Heartbeat",
    "HeartbeatEvent",
    "HeartbeatSeen",
    "HeartbeatSeenEvent",
    "LineKind",
    "Model",
    "NsFulfilment",
    "NsFulfilmentEvent",
    "NsItem",
    "NsItemEvent",
    "NsItemPrice",
    "NsPriceEvent",
    "NsStock",
    "NsStockEvent",
    "PayoutEvent",
    "PayoutLineRecord",
    "PayoutPage",
    "PayoutRecord",
    "Publisher",
    "SalesOrderCommand",
    "SalesOrderCommandEvent",
    "SyncException",
    "SyncExceptionEvent",
    "SyncResult",
    "SyncResultEvent",
    "event_id",
    "utcnow",
]
