"""A captured payment voided at the gateway before it settled: the money never reached a payout, so its
deposit is refunded (the customer refund credits clearing back). Pure.

A void is handled as a refund of its amount at order level, with refund id ``-<transaction id>`` (BigCommerce
refund ids are positive, so the two never meet): the same plan, documents and exactly-once guarantees. A
void of an authorisation that was never captured moves no money and becomes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from streams.cash.deposits import CAPTURE_EVENTS, GOOD_STATUSES
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcRefund, BcRefundItem, BcRefundPayment

ZERO = Decimal(0)


def void_refunds(order: BcOrderSnapshot) -> list[BcRefund]:
    """The refunds the order's voids of captured money stand for (oldest first)."""
    ok = [t for t in order.transactions if t.status.lower() in GOOD_STATUSES and t.amount > 0]
    captured = sum((t.amount for t in ok if t.event.lower() in CAPTURE_EVENTS), ZERO)
    refunds = []
    for txn in sorted((t for t in ok if t.event.lower() == "void"), key=lambda t: t.id):
        amount = min(txn.amount, captured)
        if amount <= 0:
            break
        captured -= amount
        refunds.append(BcRefund(
            store_hash=order.store_hash, order_id=order.order_id, refund_id=-txn.id,
            created=txn.date_created or order.date_modified, reason="Payment voided at the gateway",
            total_amount=amount, items=(BcRefundItem(item_type="ORDER", item_id=order.order_id,
                                                     requested_amount=amount),),
            payments=(BcRefundPayment(id=txn.id, provider_id=txn.gateway, amount=amount),)))
    return refunds
