"""The failure bookkeeping rule of the change source (connectors/bigcommerce/source/failures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.bigcommerce.source import HydrationFailed, count_failure, given_up, one_line
from state.bigcommerce_source import HydrationFailure

T0 = datetime(2026, 1, 1, tzinfo=UTC)
V1 = "2026-01-01T00:00:00+00:00/aaaaaaaaaaaa"
V2 = "2026-01-01T00:05:00+00:00/bbbbbbbbbbbb"


def fail(previous: HydrationFailure | None, version: str, n: int = 1, error: str = "boom") -> HydrationFailure:
    record = previous
    for i in range(n):
        record = count_failure(record, order_id=7, version=version, error=f"{error} {i}", at=T0 + timedelta(i))
    assert record is not None
    return record


def test_failures_of_one_version_add_up() -> None:
    first = fail(None, V1)
    assert (first.failures, first.version, first.first_failed_at, first.last_error) == (1, V1, T0, "boom 0")
    third = fail(first, V1, 2)
    assert (third.failures, third.version, third.first_failed_at) == (3, V1, T0)
    assert third.last_failed_at == T0 + timedelta(1) and third.last_error == "boom 1"


def test_a_changed_order_starts_over() -> None:
    changed = fail(fail(None, V1, 3), V2)
    assert (changed.failures, changed.version) == (1, V2)


def test_an_unknown_version_counts_towards_the_known_one_and_is_filled_in_later() -> None:
    unknown = fail(fail(None, V1, 2), "")
    assert (unknown.failures, unknown.version) == (3, V1)
    only_unknown = fail(None, "", 2)
    assert (only_unknown.failures, only_unknown.version) == (2, "")
    known = fail(only_unknown, V1)
    assert (known.failures, known.version) == (3, V1)


def test_a_reset_row_starts_over() -> None:
    reset = HydrationFailure(7, V1, 0, "", T0, T0)  # an operator retry, or the placeholder of a first failure
    again = count_failure(reset, order_id=7, version=V1, error="x", at=T0 + timedelta(5))
    assert (again.failures, again.first_failed_at) == (1, T0 + timedelta(5))


def test_a_version_is_given_up_only_at_the_limit_and_only_for_that_version() -> None:
    assert not given_up(None, V1, 3)
    assert not given_up(fail(None, V1, 2), V1, 3)
    assert given_up(fail(None, V1, 3), V1, 3)
    assert not given_up(fail(None, V1, 3), V2, 3)  # changed since: read it again
    assert not given_up(fail(None, "", 5), V1, 3)  # the poller tries the known version once
    assert HydrationFailed(fail(None, V1, 3), 3).given_up and not HydrationFailed(fail(None, V1, 2), 3).given_up


def test_errors_are_kept_in_one_short_line() -> None:
    assert one_line(ValueError("a\n  b\tc")) == "ValueError: a b c"
    long = one_line(RuntimeError("x" * 2000))
    assert len(long) == 500 and long.endswith("…")
