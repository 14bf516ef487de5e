"""Minor units ↔ ``Decimal``: gateways send integers (Stripe: cents; PayPal STL: unsigned minor units)."""

from __future__ import annotations

from decimal import Decimal

#: Currencies without a minor unit (Stripe's "zero-decimal currencies").
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
#: Currencies with three decimals.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_decimal(minor: int, currency: str) -> Decimal:
    """``1234`` USD → ``Decimal("12.34")``; ``1234`` JPY → ``Decimal("1234")``."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise ValueError(f"an amount in minor units must be an integer, not {minor!r}")
    return Decimal(minor).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("12.34")`` USD → ``1234``; refuses an amount with more decimals than the currency has."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency.upper()} has more decimals than the currency allows")
    return int(scaled)
