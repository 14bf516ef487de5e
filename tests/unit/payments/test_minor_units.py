"""Minor units ↔ Decimal by currency exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.payments.minor_units import exponent, to_decimal, to_minor


@pytest.mark.parametrize(("minor", "currency", "major"), [
    (1234, "usd", Decimal("12.34")), (-5, "EUR", Decimal("-0.05")), (1234, "jpy", Decimal(1234)),
    (1234, "KWD", Decimal("1.234")), (0, "gbp", Decimal(0)),
])
def test_round_trip(minor: int, currency: str, major: Decimal) -> None:
    assert to_decimal(minor, currency) == major
    assert to_minor(major, currency) == minor


def test_exponents() -> None:
    assert (exponent("usd"), exponent("JPY"), exponent("bhd")) == (2, 0, 3)


def test_refuses_floats_bools_and_extra_decimals() -> None:
    with pytest.raises(ValueError):
        to_decimal(12.5, "usd")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_decimal(True, "usd")
    with pytest.raises(ValueError, match="more decimals"):
        to_minor(Decimal("1.5"), "JPY")
