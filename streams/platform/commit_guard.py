"""Never commit a Kafka offset past a message an agent is still processing.

With agent concurrency, faust-streaming can commit past an in-flight message: when the message at
the committed head is still being processed and later ones are acked, ``Consumer._new_offset``
treats the single missing offset as a compacted-topic gap and commits over it, so a crash loses the
message (faust-streaming/faust#606, fix proposed in #707, not released). o2c's NetSuite writer
holds a command for seconds while its customer is batched, and the chaos test lost an order this
way. :func:`install` wraps ``_new_offset`` so that only acked offsets below the oldest message
still in flight on that partition are considered; the rest stay acked and are committed once the
message before them is.
"""

from __future__ import annotations

from typing import Any

from faust.transport.consumer import Consumer
from faust.types import TP

_original_new_offset = Consumer._new_offset


def oldest_in_flight(consumer: Any, tp: TP) -> int | None:
    """The lowest offset on ``tp`` delivered to a stream and not acked yet (at or past the committed one)."""
    committed = consumer._committed_offset[tp]
    offsets = [m.offset for m in list(consumer._unacked_messages)
               if m.tp == tp and (committed is None or m.offset >= committed)]
    return min(offsets, default=None)


def _new_offset_below_in_flight(self: Any, tp: TP) -> int | None:
    head = oldest_in_flight(self, tp)
    acked: list[int] = self._acked[tp]
    if head is None or not acked or max(acked) < head:
        return _original_new_offset(self, tp)
    later = [offset for offset in acked if offset > head]
    acked[:] = [offset for offset in acked if offset < head]
    try:
        return _original_new_offset(self, tp) if acked else None
    finally:
        acked.extend(later)
        acked.sort()


def install() -> None:
    """Make every Faust consumer in this process keep its commits below in-flight messages."""
    Consumer._new_offset = _new_offset_below_in_flight  # type: ignore[method-assign]
