"""Wire formats of the BigCommerce API: money and dates, in and out.

- V2 money is a string with four decimals (``"62.6793"``); V3 money is a JSON number.
  Both are parsed straight from the response text into :class:`~decimal.Decimal`
  (``json.loads(..., parse_float=Decimal)``), never through ``float``.
- V2 dates are RFC-2822 in UTC (``"Tue, 05 Mar 2019 21:40:11 +0000"``); ``""`` means "not set".
  V3 dates are ISO-8601; webhooks use Unix seconds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

CENT = Decimal("0.01")
V2_PLACES = Decimal("0.0001")


def parse_money(value: Any) -> Decimal:
    """A Decimal from a V2 money string, a V3 JSON number (already Decimal) or an int.

    ``None`` and ``""`` become ``Decimal(0)``. Floats are converted through ``repr`` so no binary
    noise leaks in (they should not occur when bodies are parsed with :func:`loads`).
    """
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not money")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a money amount: {value!r}") from exc
    raise ValueError(f"not a money amount: {value!r}")


def format_v2_money(value: Decimal) -> str:
    """V2's four-decimal string: ``Decimal("12.5")`` → ``"12.5000"``."""
    return str(value.quantize(V2_PLACES))


def parse_rfc2822(value: Any) -> datetime | None:
    """An aware UTC datetime from a V2 RFC-2822 date; ``""``/``None`` → ``None``.

    ISO-8601 strings are accepted too (V2 date filters take both).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not an RFC-2822 date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_rfc2822(value: datetime) -> str:
    """``"Tue, 05 Mar 2019 21:40:11 +0000"`` (UTC, the V2 response format)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(UTC))


def format_iso(value: datetime) -> str:
    """ISO-8601 with offset, seconds precision (the V3 format: ``2018-08-15T14:49:05+00:00``)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def loads(text: str | bytes) -> Any:
    """Parse a JSON body keeping every non-integer number as Decimal."""
    return json.loads(text, parse_float=Decimal)


def _to_wire(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A JSON number must be written somehow; repr of the float of a short decimal is that
        # same decimal text (shortest round-trip), so the bytes on the wire are exact.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    if isinstance(value, datetime):
        return format_iso(value)
    return value


def dumps(value: Any) -> bytes:
    """Serialise a body: Decimal → JSON number (exact text), datetime → ISO-8601."""
    return json.dumps(_to_wire(value), separators=(",", ":")).encode()
