"""WindowBatcher: calls within a window run as one batch; a full batch runs at once; errors reach their callers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from connectors.batching import WindowBatcher


class Recorder:
    def __init__(self) -> None:
        self.batches: list[dict[str, int]] = []

    async def run(self, batch: dict[str, int]) -> Mapping[str, int | BaseException]:
        self.batches.append(dict(batch))
        return {key: ValueError(key) if value < 0 else value * 10 for key, value in batch.items() if key != "lost"}


async def test_calls_in_one_window_share_one_batch_and_a_repeated_key_shares_its_result() -> None:
    recorder = Recorder()
    batcher: WindowBatcher[str, int, int] = WindowBatcher(recorder.run, max_batch=10)
    results = await asyncio.gather(batcher.submit("a", 1, window=0.05), batcher.submit("b", 2, window=0.05),
                                   batcher.submit("a", 1, window=0.05))
    assert list(results) == [10, 20, 10]
    assert recorder.batches == [{"a": 1, "b": 2}]
    assert batcher.pending == 0


async def test_a_full_batch_runs_without_waiting_for_its_window() -> None:
    recorder = Recorder()
    batcher: WindowBatcher[str, int, int] = WindowBatcher(recorder.run, max_batch=2)
    results = await asyncio.wait_for(
        asyncio.gather(batcher.submit("a", 1, window=60), batcher.submit("b", 2, window=60)), timeout=5)
    assert list(results) == [10, 20]


async def test_per_key_errors_and_missing_results_reach_only_their_callers() -> None:
    recorder = Recorder()
    batcher: WindowBatcher[str, int, int] = WindowBatcher(recorder.run, max_batch=10)
    ok, bad, lost = await asyncio.gather(batcher.submit("ok", 1, window=0.01), batcher.submit("bad", -1, window=0.01),
                                         batcher.submit("lost", 3, window=0.01), return_exceptions=True)
    assert ok == 10
    assert isinstance(bad, ValueError)
    assert isinstance(lost, LookupError)


async def test_a_failed_batch_fails_every_caller_in_it() -> None:
    async def broken(batch: dict[str, int]) -> Mapping[str, int | BaseException]:
        raise ConnectionError("down")

    batcher: WindowBatcher[str, int, int] = WindowBatcher(broken, max_batch=10)
    with pytest.raises(ConnectionError):
        await asyncio.gather(batcher.submit("a", 1, window=0.01), batcher.submit("b", 2, window=0.01))
