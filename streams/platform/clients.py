"""One client, and so one connection pool, per outside system per worker.

Each client is a Faust service: opened when the worker starts, closed when it stops. A flow or a
source that needs one calls :func:`bigcommerce` or :func:`netsuite`; the first call adds the
connection to the app, later calls return the same connection. Nothing is opened (and no outside
system is called) unless an enabled flow asked for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

from mode import Service

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from streams.platform.app import app


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


#: The outside systems this worker calls (``bigcommerce``, ``netsuite``, ``stripe``, ``paypal``): an enabled flow or
#: source asked for their client. ``streams.platform.sandbox_guard`` checks their settings before the worker starts.
in_use: set[str] = set()


@lru_cache(maxsize=1)
def bigcommerce_settings() -> BigCommerceSettings:
    return BigCommerceSettings()


@lru_cache(maxsize=1)
def netsuite_settings() -> NetSuiteSettings:
    return NetSuiteSettings()


@lru_cache(maxsize=1)
def bigcommerce() -> ClientConnection[BigCommerceClient]:
    """The worker's BigCommerce client (added to the app on first use)."""
    connection = ClientConnection(lambda: BigCommerceClient(bigcommerce_settings()))
    app.add_dependency(connection)
    in_use.add("bigcommerce")
    return connection


@lru_cache(maxsize=1)
def netsuite() -> ClientConnection[NetSuiteClient]:
    """The worker's NetSuite client (added to the app on first use)."""
    connection = ClientConnection(lambda: NetSuiteClient(netsuite_settings()))
    app.add_dependency(connection)
    in_use.add("netsuite")
    return connection


async def bigcommerce_client() -> BigCommerceClient:
    """The BigCommerce client, once the worker has opened it (call ``bigcommerce()`` at import to use it)."""
    return await bigcommerce().client()


async def netsuite_client() -> NetSuiteClient:
    """The NetSuite client, once the worker has opened it (call ``netsuite()`` at import to use it)."""
    return await netsuite().client()
