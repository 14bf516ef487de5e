"""Which state of an order is which: the version string, its time, and whether it may carry refunds.

An order version is identified by its ``date_modified``: ``order_version`` gives the string kept in
PostgreSQL and hashed into the deterministic event id, so every path (webhook, poller, replay) that
reads the same version names it the same way. ``date_modified`` has one-second precision, so two
changes within one second would share it: the version therefore also carries a short fingerprint of
the order row (``2024-05-01T10:00:00+00:00/3f2a…``), and the later state is not taken for the earlier.

A list row that failed validation (:class:`~.models.UnreadableRow`) has a version by the same rule
(:func:`row_version`): its ``date_modified`` plus the fingerprint of the raw row, so a changed row is
another version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson

from .models import Order, Transaction, UnreadableRow

#: Order statuses that mean money went back (Refunded, Partially Refunded).
REFUND_STATUSES = frozenset({4, 14})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def order_modified(order: Order) -> datetime:
    return utc(order.date_modified or order.date_created or _EPOCH)


def order_version(order: Order) -> str:
    """One state of an order: ``date_modified`` (ISO-8601, UTC) + ``/`` + 12 hex of the row's SHA-1.

    Only the fields the model declares are hashed, so a list row and a single GET of one state agree.
    """
    row = orjson.dumps(order.model_dump(mode="json", include=set(Order.model_fields)), option=orjson.OPT_SORT_KEYS)
    return f"{order_modified(order).isoformat()}/{hashlib.sha1(row).hexdigest()[:12]}"


def row_version(row: UnreadableRow) -> str:
    """The version of a row that failed validation: its ``date_modified`` (its ``date_created`` when that
    does not read, else 1970) + ``/`` + the raw row's fingerprint."""
    return f"{(row.modified or row.created or _EPOCH).isoformat()}/{row.fingerprint}"


def version_time(version: str) -> datetime:
    """The ``date_modified`` part of a version string."""
    return datetime.fromisoformat(version.partition("/")[0])


def has_refunds(order: Order, transactions: Sequence[Transaction] = ()) -> bool:
    """Whether the order may carry refunds worth listing (V2's ``refunded_amount`` alone is not trusted)."""
    return (
        order.refunded_amount > 0
        or order.status_id in REFUND_STATUSES
        or order.payment_status in ("refunded", "partially refunded")
        or any(t.event == "refund" for t in transactions)
    )
