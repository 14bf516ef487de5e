"""The refund plan: one BigCommerce refund + what NetSuite holds for its order → the documents. Pure.

======================================================  ===================================================
the refund has…                                         o2c writes (externalIds per BigCommerce refund id)
======================================================  ===================================================
product units that shipped                              a return authorization from the sales order for those
                                                        lines and quantities (``BC-RA-<store>-<refund>``)
… and ``O2C_RETURNS_RECEIVE_ON_REFUND=true``            an item receipt of them into ``O2C_RETURNS_LOCATION_ID``
                                                        (``BC-IR-…``); false: the warehouse receives the
                                                        return authorization in NetSuite
product units not shipped yet                           those sales-order lines reduced (closed when nothing is
                                                        left), no return authorization; their value comes back
                                                        out of the deposit
product units the order's cancellation took off         nothing more off the order; their value comes back out
                                                        of the deposit
shipping, handling, order-level (goodwill), tax         on the credit memo once anything of the order shipped
amounts                                                 or was invoiced; before that they come off the sales
                                                        order and out of the deposit
whatever it credits once shipped                        one credit memo (``BC-CM-…``): from the return
                                                        authorization, or standalone; its total is the refund
                                                        less what comes out of the deposit, to the cent
each gateway payment                                    a customer refund from the gateway's clearing account
                                                        (``BC-RF-…-<n>``) applied to the credit memo, and to
                                                        the deposit for the part not invoiced
store credit (and offline without an account)          no cash refund: the credit stays on the customer
nothing of the order shipped and everything refunded    every sales-order line closed, the deposit refunded
======================================================  ===================================================

Units of a line that are both shipped and not yet shipped are refunded from the unshipped ones first, so
the warehouse never ships goods the customer has been refunded for. A refund that cannot be honoured
is held with one plain-English exception and nothing is posted: a product line the sales order does not
have (``refund_unmapped``), more units than were shipped and not already returned, a gateway refund larger
than what the gateway took for the order less what was refunded before (``refund_over_paid``), or a
declined refund payment (``refund_declined``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from streams.contract.bigcommerce import BcRefund

ZERO = Decimal(0)
CENT = Decimal("0.01")

LineKind = Literal["goods", "tax", "handling", "adjustment", "other"]


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ref(refund_id: int) -> str:
    """A refund id in externalIds: BigCommerce's refund id, or ``V<transaction id>`` for a void."""
    return str(refund_id) if refund_id >= 0 else f"V{-refund_id}"


def ra_external_id(store_hash: str, refund_id: int) -> str:
    return f"BC-RA-{store_hash}-{ref(refund_id)}"


def ir_external_id(store_hash: str, refund_id: int) -> str:
    return f"BC-IR-{store_hash}-{ref(refund_id)}"


def cm_external_id(store_hash: str, refund_id: int) -> str:
    return f"BC-CM-{store_hash}-{ref(refund_id)}"


def rf_external_id(store_hash: str, refund_id: int, n: int) -> str:
    return f"BC-RF-{store_hash}-{ref(refund_id)}-{n}"


def so_marker(refund_id: int) -> str:
    """The description of the sales-order line that records a refund's reduction (its idempotency mark)."""
    return f"BigCommerce refund {refund_id}: refunded before shipping"


# -- what NetSuite holds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoLine:
    """One sales-order line as the plan reads it."""

    line: str
    item_id: str
    kind: LineKind
    quantity: Decimal
    amount: Decimal
    fulfilled: Decimal = ZERO
    returned: Decimal = ZERO
    rate: Decimal | None = None
    order_product_id: int | None = None
    tax_amount: Decimal | None = None  # legacy tax1Amt
    closed: bool = False
    description: str = ""
    cancelled: Decimal = ZERO  # units taken off when the order was cancelled (custcol_o2c_cancelled_quantity)

    @property
    def open(self) -> Decimal:
        return ZERO if self.closed else max(self.quantity - self.fulfilled, ZERO)

    @property
    def returnable(self) -> Decimal:
        return max(self.fulfilled - self.returned, ZERO)

    def share(self, quantity: Decimal) -> Decimal:
        """The line's amount for ``quantity`` units."""
        if self.quantity == 0:
            return ZERO
        if self.rate is not None and q2(self.rate * self.quantity) == self.amount:
            return q2(self.rate * quantity)
        return q2(self.amount * quantity / self.quantity)


@dataclass(frozen=True)
class Deposit:
    """A customer deposit o2c wrote for the order (``unapplied``: not applied to invoices nor refunded)."""

    n: str
    ns_id: str
    kind: str  # gateway, store_credit, gift_certificate
    gateway: str
    gateway_transaction_id: str | None
    amount: Decimal
    unapplied: Decimal
    account_id: str | None = None


@dataclass(frozen=True)
class Gateway:
    """A payout gateway's refund side: its clearing account."""

    clearing: str


@dataclass(frozen=True)
class OrderState:
    """What NetSuite (and o2c's ledger) holds for the refund's order."""

    so_id: str
    customer_id: str
    lines: tuple[SoLine, ...]
    shipping_cost: Decimal
    deposits: tuple[Deposit, ...]
    invoiced: bool = False
    #: Gateway key → what earlier refunds of the order paid back through it.
    refunded_before: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    tax_mode: str = "line"
    receive_on_refund: bool = False
    location_id: str | None = None
    offline_account: str | None = None
    store_credit_providers: frozenset[str] = frozenset({"storecredit"})
    #: BigCommerce provider id → payout gateway key (stripe, paypal…).
    gateway_keys: Mapping[str, str] = field(default_factory=dict)
    gateways: Mapping[str, Gateway] = field(default_factory=dict)

    def gateway_key(self, provider_id: str) -> str:
        name = provider_id.strip().lower()
        return self.gateway_keys.get(name, name)


# -- the documents -----------------------------------------------------------------------------------


Owner = Literal["finance", "operations", "customer_service", "engineering"]


@dataclass(frozen=True)
class Held:
    kind: str
    owner: Owner
    message: str


@dataclass(frozen=True)
class LineChange:
    line: str
    quantity: Decimal | None = None  # the new quantity
    close: bool = False
    tax_amount: Decimal | None = None  # legacy: the line's new tax1Amt


@dataclass(frozen=True)
class SoReduction:
    """What comes off the sales order for refunded goods that never shipped (and, before anything shipped or
    was invoiced, shipping, handling and tax): the order total falls by ``amount``, the deposit refunds it."""

    amount: Decimal
    changes: tuple[LineChange, ...]
    close_all: bool = False
    shipping_cost: Decimal | None = None  # the new header shipping cost
    line_amounts: tuple[tuple[str, Decimal], ...] = ()  # (line, new amount) of tax / handling lines
    adjustment: Decimal = ZERO  # the amount of the marker line (negative: takes the rest off)


@dataclass(frozen=True)
class CreditLine:
    kind: Literal["handling", "adjustment", "tax"]
    amount: Decimal
    description: str


@dataclass(frozen=True)
class CustomerRefund:
    n: int
    external_id: str
    amount: Decimal
    account_id: str
    gateway: str
    gateway_transaction_id: str | None
    to_credit_memo: Decimal
    from_deposits: tuple[tuple[str, Decimal], ...]  # (deposit ns id, amount)
    memo: str


@dataclass(frozen=True)
class RefundPlan:
    returns: tuple[tuple[str, Decimal], ...]  # (sales-order line, quantity) on the return authorization
    receive: bool
    reduction: SoReduction | None
    credit_total: Decimal  # the credit memo's total; 0: no credit memo
    credit_lines: tuple[CreditLine, ...]
    shipping_credit: Decimal
    refunds: tuple[CustomerRefund, ...]
    left_on_customer: Decimal
    location_missing: bool = False

    @property
    def deposit_refunded(self) -> Decimal:
        return sum((a for r in self.refunds for _, a in r.from_deposits), ZERO)

    @property
    def credit(self) -> Decimal:
        """What the refund credits in NetSuite: the credit memo and the part that comes off the sales order."""
        return self.credit_total + (self.reduction.amount if self.reduction else ZERO)


Outcome = RefundPlan | Held


def _money(amount: Decimal, currency: str = "") -> str:
    return f"{amount:,.2f}" + (f" {currency}" if currency else "")


def plan_refund(refund: BcRefund, state: OrderState, rules: Rules, currency: str = "") -> Outcome:
    """The documents of ``refund`` (see the module table), or why it is held."""
    by_product = {x.order_product_id: x for x in state.lines if x.order_product_id is not None and x.kind == "goods"}
    unshipped: dict[str, Decimal] = {}
    shipped: dict[str, Decimal] = {}
    cancelled: dict[str, Decimal] = {}  # units already off the order (cancelled): only their money comes back
    shipping = handling = order_level = tax_item = ZERO
    for item in refund.items:
        kind = item.item_type.upper()
        if kind == "PRODUCT":
            line = by_product.get(item.item_id)
            if line is None:
                return Held("refund_unmapped", "finance", (
                    f"BigCommerce refund {refund.refund_id} of order {refund.order_id} refunds order product "
                    f"{item.item_id}, which no line of the NetSuite sales order carries (custcol_bc_order_product_id)"
                    ". Nothing was posted: credit it by hand in NetSuite, or correct the sales order and retry."))
            quantity = Decimal(item.quantity or 0)
            from_open = min(quantity, line.open - unshipped.get(line.line, ZERO))
            from_shipped = min(quantity - from_open, line.returnable - shipped.get(line.line, ZERO))
            from_cancelled = min(quantity - from_open - from_shipped, line.cancelled - cancelled.get(line.line, ZERO))
            if from_open + from_shipped + from_cancelled < quantity:
                return Held("refund_unmapped", "finance", (
                    f"BigCommerce refund {refund.refund_id} of order {refund.order_id} refunds {quantity:f} of "
                    f"sales-order line {line.line}, but only {line.open:f} are still to ship and "
                    f"{line.returnable:f} shipped and not yet returned. Nothing was posted: check the order's "
                    "shipments and earlier returns in NetSuite, then retry."))
            if from_open:
                unshipped[line.line] = unshipped.get(line.line, ZERO) + from_open
            if from_shipped:
                shipped[line.line] = shipped.get(line.line, ZERO) + from_shipped
            if from_cancelled:
                cancelled[line.line] = cancelled.get(line.line, ZERO) + from_cancelled
        elif kind == "SHIPPING":
            shipping += item.requested_amount or ZERO
        elif kind in ("HANDLING", "GIFT_WRAPPING"):
            handling += item.requested_amount or ZERO
        elif kind == "TAX":
            tax_item += item.requested_amount or ZERO
        else:  # ORDER, FEE: order-level amounts, not taxed
            order_level += item.requested_amount or ZERO
    lines = {x.line: x for x in state.lines}
    total = refund.total_amount
    tax = refund.total_tax
    net_all = total - tax
    net_unshipped = sum((lines[k].share(q) for k, q in (*unshipped.items(), *cancelled.items())), ZERO)
    anything_shipped = bool(shipped) or state.invoiced or any(x.fulfilled > 0 for x in state.lines)
    if not anything_shipped:
        deposit_part = total  # nothing left the warehouse: everything comes off the order and out of the deposit
    elif net_all > 0:
        deposit_part = min(total, q2(net_unshipped * total / net_all))
    else:
        deposit_part = ZERO
    unapplied = sum((d.unapplied for d in state.deposits), ZERO)
    deposit_part = min(deposit_part, unapplied)
    credit_total = total - deposit_part

    reduction = _reduction(refund, state, rules, unshipped, cancelled, deposit_part, anything_shipped,
                           shipping=shipping, handling=handling, tax=tax) if deposit_part or unshipped else None

    credit_lines: list[CreditLine] = []
    shipping_credit = ZERO
    if credit_total:
        if anything_shipped:
            shipping_credit = shipping
            if handling:
                credit_lines.append(CreditLine("handling", handling, "Handling refunded"))
            if order_level:
                credit_lines.append(CreditLine("adjustment", order_level, "Order-level refund (goodwill)"))
            if rules.tax_mode == "line":
                cm_tax = tax - (q2(tax * deposit_part / total) if total else ZERO)
                if cm_tax:
                    credit_lines.append(CreditLine("tax", cm_tax, "Tax refunded"))
            elif tax_item:
                credit_lines.append(CreditLine("adjustment", tax_item, "Tax adjustment refunded"))
        goods = sum((lines[k].share(q) for k, q in shipped.items()), ZERO)
        listed = goods + shipping_credit + sum((x.amount for x in credit_lines), ZERO)
        rest = credit_total - listed
        if rest and (rules.tax_mode == "line" or not shipped):
            credit_lines.append(CreditLine("adjustment", rest, "Adjustment to BigCommerce's refund total"))

    money = _money_back(refund, state, rules, credit_total, deposit_part, currency)
    if isinstance(money, Held):
        return money
    refunds, left = money
    location_missing = bool(shipped) and rules.receive_on_refund and not rules.location_id
    return RefundPlan(
        returns=tuple(sorted(shipped.items(), key=lambda x: int(x[0]) if x[0].isdigit() else 0)),
        receive=bool(shipped) and rules.receive_on_refund and bool(rules.location_id),
        reduction=reduction, credit_total=credit_total, credit_lines=tuple(credit_lines),
        shipping_credit=shipping_credit, refunds=refunds, left_on_customer=left, location_missing=location_missing)


def _reduction(refund: BcRefund, state: OrderState, rules: Rules, unshipped: Mapping[str, Decimal],
               cancelled: Mapping[str, Decimal], amount: Decimal, anything_shipped: bool, *, shipping: Decimal,
               handling: Decimal, tax: Decimal) -> SoReduction:
    lines = {x.line: x for x in state.lines}
    changes: list[LineChange] = []
    reduced = sum((lines[k].share(q) for k, q in cancelled.items()), ZERO)  # already off the order
    for key, quantity in sorted(unshipped.items()):
        line = lines[key]
        new = line.quantity - quantity
        reduced += line.amount - line.share(new)
        new_tax = None
        if rules.tax_mode == "legacy" and line.tax_amount is not None and line.quantity:
            new_tax = q2(line.tax_amount * new / line.quantity)
            reduced += line.tax_amount - new_tax
        changes.append(LineChange(key, close=True) if new == 0 and line.fulfilled == 0
                       else LineChange(key, quantity=new, tax_amount=new_tax))
    goods = [x for x in state.lines if x.kind == "goods" and not x.closed]
    nothing_left = all(x.fulfilled == 0 and x.quantity - unshipped.get(x.line, ZERO) == 0 for x in goods)
    if nothing_left and not anything_shipped:
        return SoReduction(amount, tuple(LineChange(x.line, close=True) for x in state.lines if not x.closed),
                           close_all=True)
    new_shipping: Decimal | None = None
    line_amounts: list[tuple[str, Decimal]] = []
    if not anything_shipped:
        if shipping and state.shipping_cost:
            new_shipping = max(state.shipping_cost - shipping, ZERO)
            reduced += state.shipping_cost - new_shipping
        if handling:
            reduced += _take(state.lines, "handling", handling, line_amounts)
        if rules.tax_mode == "line":
            reduced += _take(state.lines, "tax", tax, line_amounts)
    elif rules.tax_mode == "line" and refund.total_amount:
        reduced += _take(state.lines, "tax", q2(tax * amount / refund.total_amount), line_amounts)
    return SoReduction(amount, tuple(changes), shipping_cost=new_shipping, line_amounts=tuple(line_amounts),
                       adjustment=-(amount - reduced))


def _take(lines: Sequence[SoLine], kind: LineKind, wanted: Decimal, out: list[tuple[str, Decimal]]) -> Decimal:
    """Take up to ``wanted`` off the order's lines of ``kind``; what was taken."""
    taken = ZERO
    for line in lines:
        if line.kind != kind or line.closed or taken >= wanted or line.amount <= 0:
            continue
        cut = min(line.amount, wanted - taken)
        out.append((line.line, line.amount - cut))
        taken += cut
    return taken


def _money_back(refund: BcRefund, state: OrderState, rules: Rules, credit_total: Decimal, deposit_part: Decimal,
                currency: str) -> tuple[tuple[CustomerRefund, ...], Decimal] | Held:
    """The customer refunds of the refund's payments, and what is left on the customer as credit."""
    cash: list[tuple[int, Decimal, str, str, Deposit | None]] = []  # (payment n, amount, gateway, account, deposit)
    for n, payment in enumerate(refund.payments, start=1):
        provider = payment.provider_id.strip().lower()
        if payment.is_declined:
            return Held("refund_declined", "finance", (
                f"BigCommerce refund {refund.refund_id} of order {refund.order_id}: the {payment.provider_id} "
                f"payment of {_money(payment.amount, currency)} was declined, so no money went back. Nothing was "
                "posted; refund it again in BigCommerce (a new refund is handled on its own)."))
        if provider in rules.store_credit_providers:
            continue  # the credit stays on the customer
        if payment.offline:
            if rules.offline_account:
                cash.append((n, payment.amount, "offline", rules.offline_account, None))
            continue
        key = rules.gateway_key(provider)
        gateway = rules.gateways.get(key)
        deposits = [d for d in state.deposits if d.kind == "gateway" and d.gateway == key]
        if gateway is None or not deposits:
            return Held("refund_unmapped", "finance", (
                f"BigCommerce refund {refund.refund_id} of order {refund.order_id} paid "
                f"{_money(payment.amount, currency)} back through {payment.provider_id!r}, but "
                + ("that gateway has no accounts in O2C_CASH_ACCOUNTS" if gateway is None else
                   "o2c booked no deposit of the order through it")
                + ". Nothing was posted: map the gateway (or record the payment) and retry."))
        paid = sum((d.amount for d in deposits), ZERO)
        before = state.refunded_before.get(key, ZERO)
        earlier = sum((a for m, a, g, _, _ in cash if g == key), ZERO)
        if before + earlier + payment.amount > paid:
            return Held("refund_over_paid", "finance", (
                f"BigCommerce refund {refund.refund_id} of order {refund.order_id} pays back "
                f"{_money(payment.amount, currency)} through {payment.provider_id}, but the order paid "
                f"{_money(paid, currency)} through it and {_money(before, currency)} was refunded before. Nothing "
                "was posted: check the refund in BigCommerce and the gateway, then book the difference by hand."))
        cash.append((n, payment.amount, key, gateway.clearing, deposits[0]))
    unapplied = {d.ns_id: d.unapplied for d in state.deposits}
    credit_left, deposit_left = credit_total, deposit_part
    refunds = []
    for n, amount, key, account, deposit in cash:
        from_deposits: list[tuple[str, Decimal]] = []
        remaining = amount
        if deposit is not None and deposit_left and unapplied.get(deposit.ns_id, ZERO) > 0:
            take = min(remaining, deposit_left, unapplied[deposit.ns_id])
            from_deposits.append((deposit.ns_id, take))
            unapplied[deposit.ns_id] -= take
            remaining -= take
            deposit_left -= take
        to_credit = min(remaining, credit_left)
        credit_left -= to_credit
        remaining -= to_credit
        if remaining:
            return Held("refund_unbalanced", "engineering", (
                f"BigCommerce refund {refund.refund_id} of order {refund.order_id}: {_money(remaining, currency)} "
                "of its gateway payments has neither an open credit nor an unapplied deposit to come from. Nothing "
                "was posted; look at the order's deposits and invoices in NetSuite."))
        where = key if deposit is None else f"{key} {deposit.gateway_transaction_id or ''}".strip()
        refunds.append(CustomerRefund(
            n=n, external_id=rf_external_id(refund.store_hash, refund.refund_id, n), amount=amount,
            account_id=account, gateway=key,
            gateway_transaction_id=deposit.gateway_transaction_id if deposit else None,
            to_credit_memo=to_credit, from_deposits=tuple(from_deposits),
            memo=f"BigCommerce refund {refund.refund_id} of order #{refund.order_id}: {where}"))
    return tuple(refunds), credit_left + deposit_left  # the store credit (and unbooked offline) part
