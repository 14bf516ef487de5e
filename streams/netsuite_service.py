"""The worker's NetSuite client as a Faust service (one per process; the governor is process-wide)."""

from __future__ import annotations

import asyncio
from typing import Any

from mode import Service

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings


class NetSuiteConnection(Service):
    """Opens the client when the worker starts, closes it when it stops."""

    def __init__(self, settings: NetSuiteSettings | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._settings = settings
        self._client: NetSuiteClient | None = None
        self._opened = asyncio.Event()

    async def on_start(self) -> None:
        self._client = NetSuiteClient(self._settings or NetSuiteSettings())
        self._opened.set()

    async def on_stop(self) -> None:
        if self._client is not None:
            self._opened.clear()
            await self._client.aclose()
            self._client = None

    async def client(self) -> NetSuiteClient:
        await self._opened.wait()
        assert self._client is not None
        return self._client
