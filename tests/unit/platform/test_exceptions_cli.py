"""The pure parts of ``o2c exceptions`` and of retry outcomes."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from connectors.bigcommerce.source import UnreadableOrder
from state import exceptions as store
from streams.ingest.bigcommerce_sink import retry_failed_note
from streams.platform.exceptions_cli import parse_rate, parse_since, statuses
from streams.platform.retries import failed_note

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


def test_since_takes_ages_and_iso_dates() -> None:
    assert parse_since("24h", now=NOW) == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now=NOW) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert parse_since("30m", now=NOW) == datetime(2026, 12, 8, 11, 30, tzinfo=UTC)
    assert parse_since("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_since("2026-12-01T08:30:00+01:00").hour == 8
    with pytest.raises(argparse.ArgumentTypeError):
        parse_since("last week")


def test_rate_and_status_choices() -> None:
    assert parse_rate("5/s") == 5 and parse_rate("5") == 5 and parse_rate("300/m") == 5
    for bad in ("0", "-1/s", "fast"):
        with pytest.raises(ValueError):
            parse_rate(bad)
    assert statuses(None) is None and statuses("all") == store.STATUSES and statuses("retrying") == ("retrying",)


def test_retry_notes_are_plain_english() -> None:
    gone = UnreadableOrder("abc", 7, "", 0, "404 Not Found", retried=True)
    assert "no longer has it" in retry_failed_note(gone)
    broken = UnreadableOrder("abc", 7, "2026-12-08", 1, "bad date", retried=True)
    assert retry_failed_note(broken) == "The retry read BigCommerce order 7 again and it failed: bad date"
    assert failed_note("held again") == "The retry ran again and failed: held again"
