"""Turn sandbox state into the API's JSON: V2 (4-dp money strings, RFC-2822 dates, ``""`` for no date)
or V3 (JSON numbers, ISO-8601 dates). Keys starting with ``_`` are private and never rendered."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..formats import format_iso, format_rfc2822, format_v2_money

#: V2 fields whose dates render as "" when unset.
_V2_EMPTY_DATES = {"date_shipped"}
#: V2 fields the spec types as numbers rather than strings.
_V2_NUMBERS = {"discount"}


def v2(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: v2(v, k) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [v2(v) for v in value]
    if isinstance(value, Decimal):
        return float(value) if key in _V2_NUMBERS else format_v2_money(value)
    if isinstance(value, datetime):
        return format_rfc2822(value)
    if value is None and key in _V2_EMPTY_DATES:
        return ""
    return value


def v2_numbers(row: dict[str, Any]) -> dict[str, Any]:
    """A V2 row whose money the spec types as JSON numbers (consignments): top-level Decimals become
    floats, which :func:`v2` leaves alone (four-decimal amounts round-trip exactly through ``float``)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def v3(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v3(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [v3(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_iso(value)
    return value


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
