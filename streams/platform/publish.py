"""Publish an event to its public topic and wait until the broker has it (a ``streams.contract.Publisher``).

Sources advance their watermarks only after ``publish`` returns, so a crash between the two
re-publishes (consumers dedupe on ``event_id``) instead of losing the event.
"""

from __future__ import annotations

from typing import Any

from streams.contract import Envelope
from streams.contract.codec import encode
from streams.platform.app import topic
from streams.platform.metrics import EVENTS_OUT


async def publish(event: Envelope[Any]) -> None:
    """Send ``event`` keyed by ``event.key`` to ``event.TOPIC``; return once the broker acknowledged it."""
    delivery = await topic(event.TOPIC).send(key=event.key.encode(), value=encode(event))
    await delivery
    EVENTS_OUT.labels(event.TOPIC).inc()
