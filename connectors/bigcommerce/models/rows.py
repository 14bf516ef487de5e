"""Orders list pages read row by row: one row the models refuse does not fail its page.

``GET /v2/orders`` answers up to 250 orders at once. Validated as a whole, one order that BigCommerce
sends in a shape the models refuse (a field of another type) would fail every read of its page, and
the catch-up poller, which must read that page to move its watermark, would stall on it for ever.
:func:`read_rows` validates each row on its own: a row that fails becomes an :class:`UnreadableRow`
(the order id, its dates as sent when they read as dates, the error in one line, a fingerprint of
the raw row) in its place in the page; a row without even a readable order id can only be left out
(its error is kept in :attr:`RowsPage.unidentified`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from connectors.http import one_line

from ..formats import parse_rfc2822

T = TypeVar("T")


@dataclass(frozen=True)
class UnreadableRow:
    """A list row of an order that failed validation (in the page in place of the order)."""

    order_id: int
    #: ``date_modified`` as BigCommerce sent it, when it reads as a date (else None)
    date_modified: str | None
    #: the validation error, in one line
    error: str
    #: 12 hex of a SHA-1 of the raw row (canonical JSON): the row changed when this changes
    fingerprint: str
    #: ``date_created`` as sent, when it reads as a date (places a row whose ``date_modified`` does not)
    date_created: str | None = None

    @property
    def modified(self) -> datetime | None:
        return parse_rfc2822(self.date_modified)

    @property
    def created(self) -> datetime | None:
        return parse_rfc2822(self.date_created)


@dataclass(frozen=True)
class RowsPage(Generic[T]):
    """One page of a list, parsed row by row, in the order BigCommerce sent it."""

    rows: list[T | UnreadableRow]
    #: rows BigCommerce sent, those without a readable id included (the page is full when this is the limit)
    received: int
    #: the errors of the rows left out because not even their order id could be read
    unidentified: tuple[str, ...] = ()


def row_fingerprint(row: Mapping[str, Any]) -> str:
    """12 hex of a SHA-1 of the row as canonical JSON (keys sorted; Decimals as their text)."""
    text = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def readable_id(row: Any) -> int | None:
    """The row's order id if it reads as one (a positive integer, or its digits), else None."""
    value = row.get("id") if isinstance(row, Mapping) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _readable_date(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if not isinstance(value, str) or not value:
        return None
    try:
        parse_rfc2822(value)
    except ValueError:
        return None
    return value


def unreadable_row(row: Any, error: BaseException) -> UnreadableRow | None:
    """What is left of a row that failed validation; None when it has no readable order id."""
    order_id = readable_id(row)
    if order_id is None:
        return None
    return UnreadableRow(order_id, _readable_date(row, "date_modified"), one_line(error), row_fingerprint(row),
                         _readable_date(row, "date_created"))


def read_rows(rows: Iterable[Any] | None, parse: Callable[[Mapping[str, Any]], T]) -> RowsPage[T]:
    """Each row through ``parse`` on its own; a row that fails (``ValueError``/``TypeError``, pydantic's
    ``ValidationError`` included) is an :class:`UnreadableRow`, or left out without a readable id."""
    parsed: list[T | UnreadableRow] = []
    unidentified: list[str] = []
    received = 0
    for row in rows or ():
        received += 1
        try:
            if not isinstance(row, Mapping):
                raise TypeError(f"an order row must be an object, not {type(row).__name__}")
            parsed.append(parse(row))
        except (ValueError, TypeError) as exc:
            unreadable = unreadable_row(row, exc)
            if unreadable is None:
                unidentified.append(one_line(exc))
            else:
                parsed.append(unreadable)
    return RowsPage(parsed, received, tuple(unidentified))
