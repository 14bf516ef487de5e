"""The plain-English exceptions of the money-back flow (who owns each, what to do)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from state.exceptions import NewException
from streams.contract.bigcommerce import BcRefund


def exception_key(kind: str, refund: BcRefund) -> str:
    return f"{kind}:refund:{refund.store_hash}:{refund.refund_id}"


def unsynced(refund: BcRefund) -> NewException:
    return NewException(
        kind="refund_unsynced", object_type="refund", owner="finance", severity="warning",
        message=(f"BigCommerce refund {refund.refund_id} of {refund.total_amount:,.2f} is for order {refund.order_id}, "
                 "which o2c has not synced to NetSuite (placed before o2c was connected, or still held by one of its "
                 "own exceptions). The refund waits and is posted as soon as the order's sales order is in NetSuite; "
                 "for an order that will never be synced, credit it in NetSuite by hand and resolve this."),
        bc_id=str(refund.order_id), payload={"refund": refund.model_dump(mode="json")},
        dedupe_key=exception_key("refund_unsynced", refund))


def location_missing(refund: BcRefund) -> NewException:
    return NewException(
        kind="return_location_missing", object_type="refund", owner="operations", severity="warning",
        message=(f"BigCommerce refund {refund.refund_id} of order {refund.order_id} returns goods, and "
                 "O2C_RETURNS_RECEIVE_ON_REFUND is on, but no returns location is configured "
                 "(O2C_RETURNS_LOCATION_ID), so the goods were not received back into stock. The return authorization "
                 "and the credit are in NetSuite: receive the return authorization there, or set the location and "
                 "retry."),
        bc_id=str(refund.order_id), payload={"refund": refund.model_dump(mode="json")},
        dedupe_key=exception_key("return_location_missing", refund))


def refused(refund: BcRefund, doc: str, external_id: str, detail: str, body: Any) -> NewException:
    return NewException(
        kind="refund_refused", object_type="refund", owner="finance", severity="error",
        message=(f"NetSuite refused the {doc} {external_id} for BigCommerce refund {refund.refund_id} of order "
                 f"{refund.order_id} ({refund.total_amount:,.2f}): {detail}. The documents before it are in NetSuite; "
                 "nothing after it was posted. Correct the cause in NetSuite and retry: o2c continues where it "
                 "stopped."),
        bc_id=str(refund.order_id), payload={"refund": refund.model_dump(mode="json"), "body": body},
        dedupe_key=exception_key("refund_refused", refund))


def cancelled_unrefunded(store_hash: str, order_id: int, paid: Decimal, refunded: Decimal) -> NewException:
    return NewException(
        kind="cancelled_unrefunded", object_type="order", owner="finance", severity="warning",
        message=(f"BigCommerce order {order_id} was cancelled before anything shipped, and its sales order is closed, "
                 f"but {paid - refunded:,.2f} of the {paid:,.2f} it paid has not been refunded in BigCommerce (nor "
                 "voided), so the customer's deposit stays in NetSuite. Refund it in BigCommerce (o2c then refunds "
                 "the deposit by itself) or, if the customer keeps it as credit, resolve this."),
        bc_id=str(order_id), payload={"store_hash": store_hash, "order_id": order_id, "paid": str(paid),
                                      "refunded": str(refunded)},
        dedupe_key=f"cancelled_unrefunded:order:{store_hash}:{order_id}")
