"""JSON in and out with money kept as ``Decimal``: numbers with a fraction parse to ``Decimal`` and
``Decimal`` serialises as a bare JSON number (never through ``float``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def loads(data: bytes | str) -> Any:
    """Parse JSON; fractional numbers become ``Decimal``."""
    if not data:
        return None
    return json.loads(data, parse_float=Decimal)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value} as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        out.append(json.dumps(value))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed in NetSuite payloads; use Decimal")
    elif isinstance(value, (datetime, date)):
        out.append(json.dumps(value.isoformat()))
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Serialise to compact JSON bytes; ``Decimal`` is written exactly, floats are refused."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()
