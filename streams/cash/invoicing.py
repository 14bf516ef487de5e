"""The invoice rule: what one shipment's invoice bills of its sales order. Pure.

- Goods lines: exactly what the fulfilment shipped of each line (never more than shipped and not yet
  billed). Goods lines this fulfilment did not ship are left out (``itemReceive: false``).
- Every other line (discounts, the tax line of the ``line`` tax mode, handling, rounding) is billed in
  proportion to the goods value this invoice bills, rounded to the cent; the invoice that bills the last
  goods takes what is left of each, so the invoices of a fully shipped order add up to the sales order
  to the cent.
- Shipping goes on the order's first invoice (NetSuite's default); per-line tax of the suitetax and
  legacy modes follows the lines in NetSuite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
QUANTUM = Decimal("0.000001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderLine:
    """One sales order line as NetSuite has it."""

    line: str
    goods: bool
    quantity: Decimal
    amount: Decimal
    fulfilled: Decimal = ZERO
    billed: Decimal = ZERO


@dataclass(frozen=True)
class InvoiceLine:
    order_line: str
    quantity: Decimal
    amount: Decimal
    goods: bool

    def body(self) -> dict[str, object]:
        """The transform body's line: goods by quantity, other lines by quantity and amount."""
        line: dict[str, object] = {"orderLine": self.order_line, "quantity": self.quantity}
        if not self.goods:
            line["amount"] = self.amount
        return line


@dataclass(frozen=True)
class InvoicePlan:
    lines: tuple[InvoiceLine, ...]
    skipped: tuple[str, ...]
    last: bool

    @property
    def amount(self) -> Decimal:
        """What the lines bill (before shipping and per-line tax)."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def empty(self) -> bool:
        return not any(line.goods for line in self.lines)

    def body_lines(self) -> list[dict[str, object]]:
        billed = [line.body() for line in self.lines]
        return billed + [{"orderLine": line, "itemReceive": False} for line in self.skipped]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plan_invoice(order: list[OrderLine], shipped: Mapping[str, Decimal],
                 billed_amounts: Mapping[str, Decimal]) -> InvoicePlan:
    """The invoice of one shipment. ``shipped``: order line → quantity this fulfilment shipped;
    ``billed_amounts``: order line → amount earlier invoices billed of the non-goods lines."""
    lines: list[InvoiceLine] = []
    skipped: list[str] = []
    goods_total = sum((line.amount for line in order if line.goods), ZERO)
    goods_now = ZERO
    last = True
    for line in order:
        if not line.goods:
            continue
        unbilled = max(line.fulfilled - line.billed, ZERO)
        quantity = min(shipped.get(line.line, ZERO), unbilled)
        if line.billed + quantity < line.quantity:
            last = False
        if quantity <= 0:
            skipped.append(line.line)
            continue
        amount = _cents(line.amount * quantity / line.quantity) if line.quantity else line.amount
        goods_now += amount
        lines.append(InvoiceLine(line.line, quantity, amount, goods=True))
    if not lines:
        return InvoicePlan((), tuple(line.line for line in order), last=False)
    share = goods_now / goods_total if goods_total else Decimal(1)
    for line in order:
        if line.goods:
            continue
        left_quantity = line.quantity - line.billed
        left_amount = line.amount - billed_amounts.get(line.line, ZERO)
        if last:
            amount, quantity = left_amount, left_quantity
        else:
            amount = _cents(line.amount * share)
            quantity = min((line.quantity * share).quantize(QUANTUM), left_quantity)
            if abs(amount) > abs(left_amount):
                amount = left_amount
        if amount == 0 or quantity <= 0:
            skipped.append(line.line)
            continue
        lines.append(InvoiceLine(line.line, quantity, amount, goods=False))
    return InvoicePlan(tuple(lines), tuple(skipped), last=last)


def invoice_external_id(store_hash: str, order_id: int, invoice_key: str) -> str:
    return f"BC-INV-{store_hash}-{order_id}-{invoice_key}"


def application_external_id(store_hash: str, order_id: int, invoice_key: str, deposit_n: str) -> str:
    return f"BC-DEPAPP-{store_hash}-{order_id}-{invoice_key}-{deposit_n}"


def applications(deposits: list[tuple[str, Decimal]], invoice_remaining: Decimal) -> list[tuple[str, Decimal]]:
    """Which deposits (n, unapplied) pay an invoice with ``invoice_remaining`` open, oldest first, and how much."""
    plan = []
    left = invoice_remaining
    for n, unapplied in deposits:
        if left <= 0:
            break
        amount = min(unapplied, left)
        if amount > 0:
            plan.append((n, amount))
            left -= amount
    return plan
