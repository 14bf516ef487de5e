"""A NetSuite sandbox on its own thread and event loop, so a blocking worker start or stop never stalls it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox


class ThreadedSandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="netsuite-sandbox", daemon=True)
        self._thread.start()
        self.handle: SandboxHandle = asyncio.run_coroutine_threadsafe(
            start_sandbox("127.0.0.1", 0, config), self.loop).result(30)

    @property
    def url(self) -> str:
        return self.handle.url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.handle.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)


@pytest.fixture
def threaded_sandbox() -> Iterator[ThreadedSandbox]:
    sandbox = ThreadedSandbox(SandboxConfig(seed_styles=1))
    try:
        yield sandbox
    finally:
        sandbox.stop()
