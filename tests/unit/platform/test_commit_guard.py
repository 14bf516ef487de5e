"""Faust never commits past a message an agent is still processing (faust-streaming/faust#606)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from faust.transport.consumer import Consumer
from faust.types import TP
from intervaltree import IntervalTree  # type: ignore[import-untyped]

from streams.platform import commit_guard

TOPIC = TP("ns.commands", 0)


@dataclass(frozen=True)
class InFlight:
    tp: TP
    offset: int


def _consumer(committed: int | None, acked: list[int], in_flight: list[int]) -> Any:
    consumer = SimpleNamespace(
        _committed_offset=defaultdict(lambda: None, {TOPIC: committed}),
        _acked=defaultdict(list, {TOPIC: list(acked)}),
        _acked_index=defaultdict(set, {TOPIC: set(acked)}),
        _gap=defaultdict(IntervalTree),
        _unacked_messages={InFlight(TOPIC, o) for o in in_flight} | {InFlight(TP("other", 0), 1)},
    )
    return consumer


def test_faust_alone_commits_over_the_message_still_in_flight() -> None:
    """The bug this guards against: the in-flight head 2585 is committed over (kept so an upgrade shows)."""
    consumer = _consumer(2585, [2586, 2587, 2588, 2589], [2585])
    assert commit_guard._original_new_offset(consumer, TOPIC) == 2590


def test_nothing_is_committed_while_the_head_is_in_flight_and_later_acks_are_kept() -> None:
    commit_guard.install()
    consumer = _consumer(2585, [2586, 2587, 2588, 2589], [2585])
    assert Consumer._new_offset(consumer, TOPIC) is None
    assert consumer._acked[TOPIC] == [2586, 2587, 2588, 2589]
    consumer._unacked_messages = set()  # the head is acked now
    consumer._acked[TOPIC].append(2585)
    consumer._acked_index[TOPIC].add(2585)
    assert Consumer._new_offset(consumer, TOPIC) == 2590


def test_offsets_below_the_in_flight_message_are_committed() -> None:
    commit_guard.install()
    consumer = _consumer(None, [10, 11, 13, 14], [12])
    assert Consumer._new_offset(consumer, TOPIC) == 12
    assert consumer._acked[TOPIC] == [13, 14]


def test_without_anything_in_flight_faust_decides_as_before() -> None:
    commit_guard.install()
    consumer = _consumer(5, [5, 6, 7], [])
    assert Consumer._new_offset(consumer, TOPIC) == 8
