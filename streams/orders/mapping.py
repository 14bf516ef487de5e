"""A BigCommerce order snapshot → the NetSuite sales order that books exactly what was charged.

Pure functions, no I/O. The rules (DESIGN §6):

- every line carries an explicit ``rate`` and ``amount`` (tax-exclusive), so NetSuite never re-prices;
- a product-level discount is a negative discount line right after the line it discounts; coupons and
  the order-level discount follow the item lines, one line each;
- discounts are booked tax-exclusive. Their exclusive total is derived from BigCommerce's own figures
  (``subtotal_ex_tax + shipping/handling/wrapping ex tax − total_ex_tax``), which is exact for both
  tax-inclusive and tax-exclusive stores, and spread over the discount lines pro rata;
- shipping is the header ``shippingCost`` (ex tax); handling and wrapping are charge lines;
- the tax BigCommerce charged is one tax line, so NetSuite's total is BigCommerce's ``total_inc_tax``;
- a custom product line (no catalogue product, or a SKU that is not a NetSuite item by design) is
  booked on the configured non-inventory item, described by the line's name;
- rounding guard: the sales order total is compared with ``total_inc_tax``; a drift within the
  tolerance becomes an explicit rounding line, a larger one is a ``total_mismatch`` to hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from streams.contract import BcOrderLine, BcOrderSnapshot, CommandLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` over ``weights`` pro rata, to the cent, summing exactly to ``amount``."""
    if not weights:
        return []
    total = sum(weights, ZERO)
    if total <= 0:
        shares = [ZERO for _ in weights]
        shares[0] = amount
        return shares
    shares = [q2(amount * w / total) for w in weights]
    biggest = max(range(len(weights)), key=lambda i: weights[i])
    shares[biggest] += amount - sum(shares, ZERO)
    return shares


def normalise_email(email: str) -> str:
    return email.strip().lower()


def external_id_for_order(store_hash: str, order_id: int) -> str:
    return f"BC-SO-{store_hash}-{order_id}"


def external_id_for_customer(store_hash: str, email: str) -> str:
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16]
    return f"BC-CUST-{store_hash}-{digest}"


@dataclass(frozen=True)
class SalesOrderDraft:
    external_id: str
    bc_order_id: int
    tran_date: str
    lines: tuple[CommandLine, ...]
    shipping_cost: Decimal
    bc_total: Decimal
    memo: str
    tax_mode: str = "line"
    tax_total: Decimal | None = None
    shipping_tax_code_id: str | None = None
    shipping_tax_amount: Decimal | None = None
    shipping_tax_rate: Decimal | None = None

    @property
    def total(self) -> Decimal:
        """What NetSuite's total comes to: lines and shipping, plus the per-line tax in the tax modes."""
        tax = sum((line.tax_amount or ZERO for line in self.lines), ZERO) + (self.shipping_tax_amount or ZERO)
        return sum((line.amount for line in self.lines), ZERO) + self.shipping_cost + tax


@dataclass(frozen=True)
class TotalMismatch:
    """The drift is larger than the tolerance: hold the order for finance."""

    bc_total: Decimal
    ns_total: Decimal

    @property
    def drift(self) -> Decimal:
        return self.bc_total - self.ns_total

    def explain(self, order_id: int) -> str:
        return (
            f"BigCommerce order {order_id} was charged {self.bc_total}, but its lines, discounts, shipping and "
            f"tax add up to {self.ns_total} (a difference of {self.drift}). The sales order was not created. "
            "Check the order's discounts and tax in BigCommerce, then retry or resolve this exception."
        )


@dataclass(frozen=True)
class MappingConfig:
    discount_item: str
    tax_item: str
    handling_item: str
    rounding_item: str
    tolerance: Decimal = Decimal("0.01")
    custom_line_item: str = "O2C-CUSTOM"
    custom_line_skus: frozenset[str] = frozenset()

    def is_custom(self, line: BcOrderLine) -> bool:
        """A line with no catalogue product, or whose SKU is by design not a NetSuite item."""
        return line.product_id == 0 or not line.sku or line.sku in self.custom_line_skus


@dataclass
class _Discount:
    after_line: int | None  # index of the product line it follows; None = order level
    basis: Decimal  # what BigCommerce shows (store basis), for pro-rata and the description
    description: str
    amount_ex: Decimal = field(default=ZERO)


def _discounts(order: BcOrderSnapshot) -> list[_Discount]:
    found: list[_Discount] = []
    line_level_total = ZERO
    for index, line in enumerate(order.lines):
        product = sum((d.amount for d in line.applied_discounts if d.target == "product"), ZERO)
        if product:
            line_level_total += product
            found.append(_Discount(index, product, f"Discount on {line.sku}"))
    for coupon in order.coupons:
        if coupon.discount:
            found.append(_Discount(None, coupon.discount, f"Coupon {coupon.code or ''}".strip()))
    manual = order.discount_amount - line_level_total
    if manual > 0:
        found.append(_Discount(None, manual, "Order discount"))
    return found


def build_sales_order(order: BcOrderSnapshot, config: MappingConfig) -> SalesOrderDraft | TotalMismatch:
    """The sales order draft for ``order``, or the mismatch that stops it."""
    handling_ex = order.handling_cost_ex_tax + order.wrapping_cost_ex_tax
    discounts = _discounts(order)
    discount_ex_total = (
        order.subtotal_ex_tax + order.shipping_cost_ex_tax + handling_ex - order.total_ex_tax
    )
    if discounts:
        for discount, share in zip(discounts, allocate(discount_ex_total, [d.basis for d in discounts]), strict=True):
            discount.amount_ex = share
    elif discount_ex_total:
        discounts.append(_Discount(None, discount_ex_total, "Discount", discount_ex_total))

    lines: list[CommandLine] = []
    for index, line in enumerate(order.lines):
        if line.quantity == 0:
            continue
        custom = config.is_custom(line)
        lines.append(CommandLine(
            kind="custom" if custom else "product", item_ref=config.custom_line_item if custom else line.sku,
            quantity=Decimal(line.quantity), rate=line.price_ex_tax, amount=line.total_ex_tax,
            description=line.name, bc_order_product_id=line.order_product_id,
        ))
        for discount in discounts:
            if discount.after_line == index and discount.amount_ex:
                lines.append(CommandLine(kind="discount", item_ref=config.discount_item,
                                            amount=-discount.amount_ex, description=discount.description))
    for discount in discounts:
        if discount.after_line is None and discount.amount_ex:
            lines.append(CommandLine(kind="discount", item_ref=config.discount_item,
                                        amount=-discount.amount_ex, description=discount.description))
    if handling_ex:
        lines.append(CommandLine(kind="handling", item_ref=config.handling_item, amount=handling_ex,
                                    description="Handling and gift wrapping"))
    if order.total_tax:
        lines.append(CommandLine(kind="tax", item_ref=config.tax_item, amount=order.total_tax,
                                    description="Tax charged by BigCommerce"))

    draft = SalesOrderDraft(
        external_id=external_id_for_order(order.store_hash, order.order_id), bc_order_id=order.order_id,
        tran_date=order.date_created.date().isoformat(), lines=tuple(lines),
        shipping_cost=order.shipping_cost_ex_tax, bc_total=order.total_inc_tax,
        memo=f"BigCommerce order #{order.order_id}",
    )
    return guard(draft, order, config)


def guard(draft: SalesOrderDraft, order: BcOrderSnapshot, config: MappingConfig) -> SalesOrderDraft | TotalMismatch:
    """The rounding guard: a drift within the tolerance becomes an (untaxed) rounding line, a larger one holds."""
    drift = order.total_inc_tax - draft.total
    if drift == 0:
        return draft
    if abs(drift) > config.tolerance:
        return TotalMismatch(bc_total=order.total_inc_tax, ns_total=draft.total)
    rounding = CommandLine(kind="rounding", item_ref=config.rounding_item, amount=drift,
                              description="Rounding adjustment to BigCommerce's charged total")
    return replace(draft, lines=(*draft.lines, rounding))


def skus_needed(order: BcOrderSnapshot, config: MappingConfig) -> set[str]:
    """The catalogue SKUs NetSuite must know before the order can be written (custom lines need none)."""
    return {line.sku for line in order.lines if line.quantity and not config.is_custom(line)}


def content_hash(order: BcOrderSnapshot) -> str:
    """Hash of what the sales order is built from: a status-only change leaves it unchanged."""
    data = order.model_dump(mode="json", exclude={"status_id", "status", "date_modified", "transactions",
                                                  "refunded_amount"})
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def sales_order_body(
    draft: SalesOrderDraft,
    *,
    customer_id: str,
    item_ids: dict[str, str],
    subsidiary_id: str,
    location_id: str,
    currency_id: str,
    store_hash: str,
) -> dict[str, Any]:
    """The REST body for ``PUT salesOrder/eid:<externalId>`` (money as Decimal; the client encodes it)."""
    items = []
    for line in draft.lines:
        element: dict[str, Any] = {"item": {"id": item_ids[line.item_ref]}, "quantity": line.quantity,
                                   "amount": line.amount, "description": line.description[:999]}
        if line.rate is not None:
            element["rate"] = line.rate
        if line.bc_order_product_id is not None:
            element["custcol_bc_order_product_id"] = str(line.bc_order_product_id)
        items.append(element)
    return {
        "externalId": draft.external_id,
        "entity": {"id": customer_id},
        "tranDate": draft.tran_date,
        "otherRefNum": str(draft.bc_order_id),
        "memo": draft.memo,
        "subsidiary": {"id": subsidiary_id},
        "location": {"id": location_id},
        "currency": {"id": currency_id},
        "orderStatus": {"id": "B"},
        "shippingCost": draft.shipping_cost,
        "custbody_bc_order_id": str(draft.bc_order_id),
        "custbody_bc_store_hash": store_hash,
        "item": {"items": items},
    }
