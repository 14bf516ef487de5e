"""What the change source hands on, and to whom: typed reads and the :class:`Sink` that takes them.

The connector never publishes and never knows about events or exceptions: ``streams/ingest`` implements
:class:`Sink`, turns the reads into contract events, publishes them and records exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..models import Order, OrderCoupon, OrderProduct, OrderShippingAddress, Refund, Transaction


@dataclass(frozen=True)
class OrderRead:
    """One version of an order with everything read about it."""

    store_hash: str
    order: Order
    products: tuple[OrderProduct, ...]
    shipping_addresses: tuple[OrderShippingAddress, ...]
    coupons: tuple[OrderCoupon, ...]
    transactions: tuple[Transaction, ...]
    #: ``connectors.bigcommerce.versions.order_version(order)``
    version: str


@dataclass(frozen=True)
class RefundRead:
    """One refund of an order, as BigCommerce recorded it."""

    store_hash: str
    refund: Refund


@dataclass(frozen=True)
class UnreadableOrder:
    """An order version the source gave up on after ``failures`` failed hydrations in a row."""

    store_hash: str
    order_id: int
    #: the version that failed ('' when the order itself could never be read)
    version: str
    failures: int
    #: the last error, in one line
    error: str
    #: True when this was an operator's retry (``Sink.retries_requested``) that failed
    retried: bool = False


class OrderRejected(Exception):
    """Raised by :meth:`Sink.order` when the order's data cannot be turned into an event.

    The source counts it like a failed read of the order (it is about this order, not about the
    broker); any other exception from the sink means delivery failed and nothing is counted.
    """


class Sink(Protocol):
    """Where the source delivers. Each call returns only once what it was given is durable."""

    async def order(self, read: OrderRead) -> str:
        """Deliver one order version; returns the id it was delivered under (kept with the version).

        Raise :class:`OrderRejected` for data that cannot be used.
        """

    async def refund(self, read: RefundRead) -> str:
        """Deliver one refund; returns the id it was delivered under."""

    async def unreadable(self, failure: UnreadableOrder) -> None:
        """The source gave up on an order version and moves past it (called again on later failures)."""

    async def recovered(self, store_hash: str, order_id: int) -> None:
        """An order that had failed (or was given up) has now been delivered."""

    async def retries_requested(self) -> Sequence[int]:
        """Orders an operator asked to retry; asked on every poll."""
