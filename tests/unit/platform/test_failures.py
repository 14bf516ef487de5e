"""Which failures an agent waits out and which set the event aside (``streams.platform.failures``)."""

from __future__ import annotations

import decimal

import asyncpg
import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from connectors.http import PermanentError, RetryableError, TransientNetworkError
from streams.platform.failures import backoff, is_transient


@pytest.mark.parametrize("error", [
    RetryableError("503"), TransientNetworkError("reset"), TimeoutError(), ConnectionRefusedError(),
    asyncpg.ConnectionDoesNotExistError("closed"), asyncpg.CannotConnectNowError("starting up"),
    asyncpg.InterfaceError("pool is closing"), KafkaTimeoutError(), OSError("no route"),
])
def test_outside_systems_being_unavailable_is_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    decimal.InvalidOperation(), ValueError("bad"), KeyError("x"), PermanentError("refused"),
    asyncpg.NumericValueOutOfRangeError("numeric field overflow"), MessageSizeTooLargeError(),
])
def test_defects_and_refusals_are_not_transient(error: BaseException) -> None:
    assert not is_transient(error)


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff(50) == 30.0
