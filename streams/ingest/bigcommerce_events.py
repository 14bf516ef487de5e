"""BigCommerce reads → the public events ``bc.orders`` and ``bc.refunds`` (pure functions).

The connector hands over typed reads (:class:`~connectors.bigcommerce.source.OrderRead`,
:class:`~connectors.bigcommerce.source.RefundRead`); this module turns them into contract events.
Event ids are deterministic — hash(store, "order", order id, version) and hash(store, "refund",
refund id) — so every path (webhook, poller, replay) that reads the same version of an order gives the
same id, and consumers dedupe on it. Money stays ``Decimal`` throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from connectors.bigcommerce.models import (
    Address,
    Order,
    OrderCoupon,
    OrderProduct,
    OrderShippingAddress,
    Refund,
    Transaction,
)
from connectors.bigcommerce.source import OrderRead, RefundRead
from connectors.bigcommerce.versions import order_modified, utc
from streams.contract import BcOrderEvent, BcOrderSnapshot, BcRefund, BcRefundEvent, event_id
from streams.contract.bigcommerce import (
    BcAddress,
    BcAppliedDiscount,
    BcCoupon,
    BcOrderLine,
    BcRefundItem,
    BcRefundPayment,
    BcShippingAddress,
    BcTransaction,
)


def source_name(store_hash: str) -> str:
    return f"bigcommerce:{store_hash}"


def order_event_id(store_hash: str, order_id: int, version: str) -> str:
    return event_id(store_hash, "order", order_id, version)


def refund_event_id(store_hash: str, refund_id: int) -> str:
    return event_id(store_hash, "refund", refund_id)


def _extra_money(order: Order, name: str) -> Decimal:
    """An order field BigCommerce returns but the connector's model leaves undeclared (a V2 decimal string)."""
    value = (order.model_extra or {}).get(name)
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _extra_id(order: Order, name: str) -> int | None:
    value = (order.model_extra or {}).get(name)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _extra_text(order: Order, name: str) -> str:
    value = (order.model_extra or {}).get(name)
    return str(value) if value else ""


def _address(a: Address) -> dict[str, str]:
    return {name: getattr(a, name) or "" for name in BcAddress.model_fields}


def _line(p: OrderProduct) -> BcOrderLine:
    return BcOrderLine(
        order_product_id=p.id,
        product_id=p.product_id,
        variant_id=p.variant_id or None,
        sku=p.sku or "",
        name=p.name or "",
        quantity=p.quantity,
        order_address_id=p.order_address_id,
        price_ex_tax=p.price_ex_tax,
        price_inc_tax=p.price_inc_tax,
        total_ex_tax=p.total_ex_tax,
        total_inc_tax=p.total_inc_tax,
        total_tax=p.total_tax,
        applied_discounts=tuple(
            BcAppliedDiscount(name=d.name or "", code=d.code, amount=d.amount, target=d.target or "order")
            for d in p.applied_discounts
        ),
        options=tuple((o.display_name, o.display_value) for o in p.product_options),
    )


def _shipping_address(a: OrderShippingAddress) -> BcShippingAddress:
    return BcShippingAddress(
        id=a.id,
        shipping_method=a.shipping_method or "",
        cost_ex_tax=a.cost_ex_tax,
        cost_inc_tax=a.cost_inc_tax,
        cost_tax=a.cost_tax,
        cost_tax_class_id=a.cost_tax_class_id,
        handling_cost_ex_tax=a.handling_cost_ex_tax,
        handling_cost_tax=a.handling_cost_tax,
        **_address(a),
    )


def _coupon(c: OrderCoupon) -> BcCoupon:
    return BcCoupon(code=c.code, amount=c.amount, discount=c.discount, type=c.type)


def _transaction(t: Transaction) -> BcTransaction:
    return BcTransaction(
        id=t.id,
        event=t.event,
        method=t.method or "",
        amount=t.amount,
        currency=t.currency or "",
        gateway=t.gateway or "",
        gateway_transaction_id=t.gateway_transaction_id,
        status=t.status or "",
        date_created=t.date_created,
    )


def order_snapshot(
    store_hash: str,
    order: Order,
    products: Sequence[OrderProduct],
    addresses: Sequence[OrderShippingAddress],
    coupons: Sequence[OrderCoupon],
    transactions: Sequence[Transaction],
) -> BcOrderSnapshot:
    """Everything the order-to-cash flow needs about one version of an order; money stays ``Decimal``."""
    modified = order_modified(order)
    provider = order.payment_provider_id
    return BcOrderSnapshot(
        store_hash=store_hash,
        order_id=order.id,
        status_id=order.status_id,
        status=order.status or "",
        date_created=utc(order.date_created or modified),
        date_modified=modified,
        customer_id=order.customer_id,
        email=order.billing_address.email or "",
        billing_address=BcAddress(**_address(order.billing_address)),
        currency_code=order.currency_code or order.default_currency_code,
        currency_exchange_rate=order.currency_exchange_rate if order.currency_exchange_rate > 0 else Decimal(1),
        default_currency_code=order.default_currency_code or "",
        store_default_currency_code=_extra_text(order, "store_default_currency_code"),
        is_tax_inclusive_pricing=order.is_tax_inclusive_pricing,
        subtotal_ex_tax=order.subtotal_ex_tax,
        subtotal_inc_tax=order.subtotal_inc_tax,
        subtotal_tax=order.subtotal_tax,
        shipping_cost_ex_tax=order.shipping_cost_ex_tax,
        shipping_cost_inc_tax=order.shipping_cost_inc_tax,
        shipping_cost_tax=order.shipping_cost_tax,
        shipping_cost_tax_class_id=_extra_id(order, "shipping_cost_tax_class_id"),
        handling_cost_ex_tax=order.handling_cost_ex_tax,
        handling_cost_inc_tax=order.handling_cost_inc_tax,
        handling_cost_tax=_extra_money(order, "handling_cost_tax"),
        handling_cost_tax_class_id=_extra_id(order, "handling_cost_tax_class_id"),
        wrapping_cost_ex_tax=order.wrapping_cost_ex_tax,
        wrapping_cost_inc_tax=order.wrapping_cost_inc_tax,
        wrapping_cost_tax=_extra_money(order, "wrapping_cost_tax"),
        discount_amount=order.discount_amount,
        coupon_discount=order.coupon_discount,
        total_ex_tax=order.total_ex_tax,
        total_inc_tax=order.total_inc_tax,
        total_tax=order.total_tax,
        refunded_amount=order.refunded_amount,
        store_credit_amount=order.store_credit_amount,
        gift_certificate_amount=order.gift_certificate_amount,
        payment_method=order.payment_method or "",
        payment_provider_id=str(provider) if provider not in (None, "") else None,
        is_deleted=order.is_deleted,
        customer_message=order.customer_message or "",
        lines=tuple(_line(p) for p in products),
        shipping_addresses=tuple(_shipping_address(a) for a in addresses),
        coupons=tuple(_coupon(c) for c in coupons),
        transactions=tuple(_transaction(t) for t in transactions),
    )


def order_event(snapshot: BcOrderSnapshot, version: str) -> BcOrderEvent:
    """``bc.orders`` event, keyed by order id, id = hash(store, "order", order id, version)."""
    return BcOrderEvent.build(
        snapshot,
        key=str(snapshot.order_id),
        source=source_name(snapshot.store_hash),
        event_id=order_event_id(snapshot.store_hash, snapshot.order_id, version),
        occurred_at=snapshot.date_modified,
    )


def refund_payload(store_hash: str, refund: Refund) -> BcRefund:
    return BcRefund(
        store_hash=store_hash,
        order_id=refund.order_id,
        refund_id=refund.id,
        created=utc(refund.created),
        reason=refund.reason,
        total_amount=refund.total_amount,
        total_tax=refund.total_tax,
        items=tuple(
            BcRefundItem(
                item_type=i.item_type,
                item_id=i.item_id,
                quantity=i.quantity,
                requested_amount=i.requested_amount,
                reason=i.reason,
            )
            for i in refund.items
        ),
        payments=tuple(
            BcRefundPayment(
                id=p.id, provider_id=p.provider_id, amount=p.amount, offline=p.offline, is_declined=p.is_declined
            )
            for p in refund.payments
        ),
    )


def refund_event(store_hash: str, refund: Refund) -> BcRefundEvent:
    """``bc.refunds`` event, keyed by order id, id = hash(store, "refund", refund id)."""
    payload = refund_payload(store_hash, refund)
    return BcRefundEvent.build(
        payload,
        key=str(refund.order_id),
        source=source_name(store_hash),
        event_id=refund_event_id(store_hash, refund.id),
        occurred_at=payload.created,
    )


def order_read_event(read: OrderRead) -> BcOrderEvent:
    """The ``bc.orders`` event of one order read (raises ``ValueError`` for data the contract refuses)."""
    snapshot = order_snapshot(read.store_hash, read.order, read.products, read.shipping_addresses, read.coupons,
                              read.transactions)
    return order_event(snapshot, read.version)


def refund_read_event(read: RefundRead) -> BcRefundEvent:
    """The ``bc.refunds`` event of one refund read."""
    return refund_event(read.store_hash, read.refund)
