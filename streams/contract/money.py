"""Money and quantities on the wire: ``Decimal``, finite, and within what the books can hold.

Every amount fits PostgreSQL's ``numeric(19,4)`` (what o2c stores) and NetSuite's currency fields: at
most 15 digits before the point and 4 after. ``1e30``, ``NaN`` or ``-Infinity`` in a price is refused
at the agent boundary with a plain-English reason, so the event is quarantined instead of crashing a
rule or overflowing a column. Order amounts are never negative outside a refund.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator

DIGITS_BEFORE_POINT = 15
DECIMAL_PLACES = 4
LIMIT = Decimal(10) ** DIGITS_BEFORE_POINT


def bounded(value: Decimal) -> Decimal:
    """``value`` if it is a finite amount o2c can book; a ``ValueError`` in plain words otherwise."""
    if not value.is_finite():
        raise ValueError(f"an amount must be a number, not {value}")
    if abs(value) >= LIMIT:
        raise ValueError(f"an amount of {value} is too large to book (at most {DIGITS_BEFORE_POINT} digits "
                         "before the decimal point)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_PLACES and value != value.quantize(Decimal(1).scaleb(
            -DECIMAL_PLACES)):
        raise ValueError(f"an amount of {value} has more than {DECIMAL_PLACES} decimal places")
    return value


def not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"an amount of {value} is negative; BigCommerce orders carry no negative prices or "
                         "totals outside a refund")
    return value


Money = Annotated[Decimal, AfterValidator(bounded)]
"""Any amount (discount lines are negative)."""

Charge = Annotated[Decimal, AfterValidator(bounded), AfterValidator(not_negative)]
"""A price, cost or total of an order: never negative."""
