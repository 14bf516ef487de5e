"""The NetSuite writer's decisions, as pure functions.

| the command …                                        | decision                                        |
|------------------------------------------------------|-------------------------------------------------|
| is older than the version already written            | ``stale``: skipped                              |
| closes an order none of whose lines were fulfilled   | close every line                                |
| closes an order with some lines fulfilled            | what has not shipped comes off (lines closed or |
|                                                      | reduced to what shipped); the rest is returns'  |
| closes an order whose goods have all shipped         | ``cancel_after_fulfilment`` exception (ops)     |
| upserts, and NetSuite refuses it (permanent error)   | ``sales_order_rejected`` exception (engineering)|
| upserts, and NetSuite is unavailable for now         | parked, re-sent after ``RETRY_AFTER`` seconds   |
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from connectors.http import ConnectorError, PermanentError
from state.exceptions import NewException
from streams.contract import LineKind, SalesOrderCommand

RETRY_AFTER = 30.0
#: NetSuite record type of the item each special line kind is booked on, when o2c creates it.
SPECIAL_RECORD_TYPES: dict[str, str] = {"discount": "discountItem", "custom": "nonInventoryResaleItem"}


def special_record_type(kind: LineKind) -> str:
    """Discounts on a discount item, custom lines on a non-inventory item, the rest on service items."""
    return SPECIAL_RECORD_TYPES.get(kind, "serviceItem")


def step(command: SalesOrderCommand, written_version: datetime | None) -> Literal["stale", "close", "upsert"]:
    """What to do with ``command`` given the version already written for its order (if any)."""
    if written_version is not None and written_version > command.source_version:
        return "stale"
    return "close" if command.action == "close" else "upsert"


def failure(error: Exception) -> Literal["rejected", "retry"]:
    """A write that failed: refused for good (a person must act), or worth re-sending later.

    Anything else (a defect, the database) is not decided here: the guarded agent loop handles it.
    """
    if isinstance(error, PermanentError):
        return "rejected"
    if isinstance(error, ConnectorError | LookupError):
        return "retry"
    raise error


class OrderLine(Protocol):
    """A sales order line as NetSuite has it: how much of it shipped, how much is still to ship."""

    @property
    def quantity_fulfilled(self) -> Decimal: ...

    @property
    def open(self) -> Decimal: ...


def cancellation(lines: Sequence[OrderLine]) -> Literal["close", "cancel_open", "all_shipped"]:
    """A cancelled order: closed whole if nothing shipped yet, its unshipped part taken off if some shipped;
    if everything shipped there is nothing to cancel (operations must arrange a return)."""
    if not any(line.quantity_fulfilled > 0 for line in lines):
        return "close"
    return "cancel_open" if any(line.open > 0 for line in lines) else "all_shipped"


def rejected(command: SalesOrderCommand, error: Exception) -> NewException:
    return NewException(
        kind="sales_order_rejected", object_type="order", owner="engineering", severity="error",
        bc_id=str(command.bc_order_id),
        message=(f"NetSuite refused the sales order for BigCommerce order {command.bc_order_id}: {error}. "
                 "Fix the cause in NetSuite (item, customer or form setup), then retry this exception."),
        payload=command.model_dump(mode="json"),
    )


def cancelled_after_fulfilment(command: SalesOrderCommand, *, ns_id: str, tran_id: str | None) -> NewException:
    return NewException(
        kind="cancel_after_fulfilment", object_type="order", owner="operations", severity="warning",
        bc_id=str(command.bc_order_id), ns_id=ns_id,
        message=(f"BigCommerce order {command.bc_order_id} was cancelled, but NetSuite has already shipped "
                 f"everything on sales order {tran_id or ns_id}, so there is nothing left to cancel. Arrange a "
                 "return with the customer: a refund in BigCommerce then becomes a return authorization and a "
                 "credit in NetSuite."),
        payload=command.model_dump(mode="json"),
    )


def close_refused(command: SalesOrderCommand, error: Exception) -> NewException:
    return NewException(
        kind="close_rejected", object_type="order", owner="engineering", severity="error",
        bc_id=str(command.bc_order_id),
        message=(f"BigCommerce order {command.bc_order_id} was cancelled, but NetSuite refused to close its sales "
                 f"order {command.external_id}: {error}. Close it in NetSuite by hand (or fix the cause and retry "
                 "this exception)."),
        payload=command.model_dump(mode="json"),
    )
