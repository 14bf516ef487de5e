"""API clients as Faust services: opened when the worker starts, closed when it stops.

One class serves every outside system (its governor is process-wide anyway); flows create the
connection they need and add it to the app only when they are enabled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from mode import Service

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings


class _Closable(Protocol):
    async def aclose(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class ClientConnection(Service, Generic[C]):
    """Holds one client built by ``factory``; ``client()`` waits until the service has started."""

    def __init__(self, factory: Callable[[], C], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._factory = factory
        self._client: C | None = None
        self._opened = asyncio.Event()

    async def on_start(self) -> None:
        self._client = self._factory()
        self._opened.set()

    async def on_stop(self) -> None:
        if self._client is not None:
            self._opened.clear()
            await self._client.aclose()
            self._client = None

    async def client(self) -> C:
        await self._opened.wait()
        assert self._client is not None
        return self._client


def netsuite_connection(settings: NetSuiteSettings | None = None) -> ClientConnection[NetSuiteClient]:
    return ClientConnection(lambda: NetSuiteClient(settings or NetSuiteSettings()))


def bigcommerce_connection(settings: BigCommerceSettings) -> ClientConnection[BigCommerceClient]:
    return ClientConnection(lambda: BigCommerceClient(settings))
