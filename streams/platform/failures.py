"""Which failures are worth waiting out (transient) and which mean the event itself cannot be handled.

A transient failure — PostgreSQL or Kafka unreachable, a connector's retryable error, a timeout, a
dropped connection — says nothing about the event: the agent waits and tries the same event again,
and never acks it meanwhile. Anything else is a defect or an input o2c cannot handle: the event is
set aside as a ``processing_failed`` exception and the stream goes on.
"""

from __future__ import annotations

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, RequestTimedOutError

from connectors.http import RereadError, RetryableError

_TRANSIENT_POSTGRES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,      # class 08: connection exceptions
    asyncpg.InterfaceError,               # the connection dropped or the pool is closing
    asyncpg.CannotConnectNowError,        # the server is starting or shutting down
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin shutdown, crash shutdown
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)


def is_transient(error: BaseException) -> bool:
    """True when trying the same event again later can succeed without anyone changing anything."""
    if isinstance(error, RetryableError | RereadError | TimeoutError | ConnectionError):
        return True
    if isinstance(error, _TRANSIENT_POSTGRES):
        return True
    if isinstance(error, KafkaError):
        return bool(getattr(error, "retriable", False)) or isinstance(
            error, KafkaTimeoutError | KafkaConnectionError | RequestTimedOutError)
    if isinstance(error, OSError):
        return True  # connection refused, reset, no route: the network, not the event
    return False


def backoff(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds before attempt number ``attempt`` (1-based) of the same event: 0.5, 1, 2, … up to ``cap``."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))
