"""SuiteQL rows for the change source: reading them, parsing their values, and building safe query text.

SuiteQL answers with strings (``T``/``F`` for booleans) and leaves null columns out; timestamps are
read with ``TO_CHAR(…, 'YYYY-MM-DD HH24:MI:SS')``. Values from settings that go into query text
(column names, internal ids, item types) are checked or quoted here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from connectors.netsuite.client import NetSuiteClient

Row = dict[str, Any]
T = TypeVar("T")

TS_FORMAT = "YYYY-MM-DD HH24:MI:SS"
_PY_TS_FORMAT = "%Y-%m-%d %H:%M:%S"
IN_CHUNK = 900  # SuiteQL allows at most 1,000 values in an IN list
SO_EXTERNAL_ID = re.compile(r"^BC-SO-.+-(\d+)$", re.IGNORECASE)
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


async def read(client: NetSuiteClient, query: str, params: Sequence[Any] | None = None) -> list[Row]:
    """Every row of a query (all pages)."""
    return [row async for row in client.suiteql(query, params)]


def parse_ts(text: str) -> datetime:
    """A ``TO_CHAR(…, 'YYYY-MM-DD HH24:MI:SS')`` value (UTC) as an aware datetime."""
    return datetime.strptime(text, _PY_TS_FORMAT).replace(tzinfo=UTC)


def format_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_PY_TS_FORMAT)


def dec(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A SuiteQL number (a string, or absent when null) as ``Decimal``."""
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def flag(value: Any) -> bool:
    return str(value or "F").upper() in ("T", "TRUE")


def bc_order_id(link: Any, external_id: Any) -> int | None:
    """The BigCommerce order id from the sales order's link field, else its ``BC-SO-<store>-<id>`` externalId."""
    if link not in (None, ""):
        try:
            return int(str(link).strip())
        except ValueError:
            pass
    match = SO_EXTERNAL_ID.match(str(external_id or ""))
    return int(match.group(1)) if match else None


def ident(name: str) -> str:
    """A column name taken from settings, checked before it goes into SQL text."""
    lowered = name.strip().lower()
    if not _IDENT.match(lowered):
        raise ValueError(f"not a SuiteQL column name: {name!r}")
    return lowered


def in_list(ids: Iterable[str]) -> str:
    """Internal ids for an ``IN (…)`` list (digits only, checked)."""
    values = []
    for value in ids:
        if not str(value).isdigit():
            raise ValueError(f"not an internal id: {value!r}")
        values.append(str(value))
    return ", ".join(values)


def quoted_list(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def fingerprint(row: Row) -> str:
    """A short, stable hash of a SuiteQL row's values."""
    text = "\x1f".join(f"{k}={row[k]}" for k in sorted(row))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def row_key(row: Row) -> str:
    """``id|lastmodified|fingerprint``: NetSuite's modification time has one-second resolution, so the
    fingerprint of the row's content tells two versions written within the same second apart."""
    return f"{row['id']}|{row['lmd']}|{fingerprint(row)}"
