"""What finance reads when a payout does not reconcile: which orders, which amounts, what to do. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from state.payouts import LineOutcome, Reconciliation

SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
MAX_NAMED = 20


def money(amount: Decimal, currency: str) -> str:
    symbol = SYMBOLS.get(currency.upper())
    if not symbol:
        return f"{amount:,.2f} {currency.upper()}"
    return f"{'-' if amount < 0 else ''}{symbol}{abs(amount):,.2f}"


def _orders(lines: Sequence[LineOutcome]) -> str:
    ids = sorted({line.order_id for line in lines if line.order_id is not None})
    named = ", ".join(str(i) for i in ids[:MAX_NAMED])
    return named + (f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else "")


def _payments(lines: Sequence[LineOutcome]) -> str:
    named = ", ".join(f"{line.charge_id or line.payment_intent or line.line_id} "
                      f"({money(line.gross, line.currency)})" for line in lines[:MAX_NAMED])
    return named + (f" and {len(lines) - MAX_NAMED} more" if len(lines) > MAX_NAMED else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def mismatch_message(payout_id: str, amount: Decimal, currency: str, result: Reconciliation) -> str:
    """One plain-English paragraph naming every reason the clearing account did not come back to zero."""
    head = f"Payout {payout_id} of {money(amount, currency)}"
    parts = []
    no_deposit = [p for p in result.problems if p.outcome == "no_deposit"]
    if no_deposit:
        parts.append(f"contains {_plural(len(no_deposit), 'charge')} with no deposit in NetSuite: orders "
                     f"{_orders(no_deposit)} (their deposits are waiting for the sales order or were refused; see "
                     "the orders' exceptions, then retry them)")
    differs = [p for p in result.problems if p.outcome == "amount_differs"]
    if differs:
        detail = "; ".join(f"order {p.order_id}: charged {money(p.gross, p.currency)}, deposit "
                           f"{money(p.expected, p.currency) if p.expected is not None else 'in another currency'}"
                           for p in differs[:MAX_NAMED])
        parts.append(f"has {_plural(len(differs), 'charge')} whose deposit is for a different amount ({detail}); "
                     "correct the deposit or book the difference")
    no_refund = [p for p in result.problems if p.outcome == "no_refund"]
    if no_refund:
        parts.append(f"contains {_plural(len(no_refund), 'refund')} o2c has not recorded as customer refunds in "
                     f"NetSuite: orders {_orders(no_refund)} (their BigCommerce refunds are waiting or were refused; "
                     "see the orders' exceptions, then retry them; a refund made outside BigCommerce needs its "
                     "customer refund booked by hand against the clearing account)")
    no_order = [p for p in result.problems if p.outcome == "no_order" and p.kind != "refund"]
    if no_order:
        parts.append(f"has {_plural(len(no_order), 'charge')} no BigCommerce order paid: {_payments(no_order)} "
                     "(payments taken outside the store, or an order o2c has not seen): book them by hand")
    stray_refunds = [p for p in result.problems if p.outcome == "no_order" and p.kind == "refund"]
    if stray_refunds:
        parts.append(f"has {_plural(len(stray_refunds), 'refund')} of payments no BigCommerce order paid: "
                     f"{_payments(stray_refunds)} (refunds of payments taken outside the store, or of an order o2c "
                     "has not seen): book their customer refunds by hand against the clearing account")
    if result.unclassified:
        parts.append(f"has {_plural(len(result.unclassified), 'line')} o2c could not classify, posted to the "
                     f"adjustments account: {_payments(list(result.unclassified))}; reclassify them")
    residual = result.residual
    tail = (f" The clearing account is off by {money(residual, currency)} for this payout."
            if residual else " The clearing account nets to zero, but the lines above need a look.")
    return f"{head} " + "; it ".join(parts) + "." + tail
