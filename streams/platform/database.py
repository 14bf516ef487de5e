"""The worker's PostgreSQL pool as a Faust service: opened when the worker starts, closed when it stops."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from mode import Service

from state.db import answers, create_pool


class Database(Service):
    """Holds the asyncpg pool; ``acquire_pool()`` waits until the service has started."""

    def __init__(self, dsn: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._dsn = dsn
        self._pool: asyncpg.Pool | None = None
        self._opened = asyncio.Event()

    async def on_start(self) -> None:
        # stateless: no agent takes session locks or LISTENs on this pool (the NetSuite source's
        # advisory locks use a pool of their own)
        self._pool = await create_pool(self._dsn, max_size=16, stateless=True)
        self._opened.set()

    async def acquire_pool(self) -> asyncpg.Pool:
        """The pool, once open (agents may start before this service does)."""
        await self._opened.wait()
        return self.pool

    async def on_stop(self) -> None:
        if self._pool is not None:
            self._opened.clear()
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database service has not started")
        return self._pool

    async def healthy(self) -> bool:
        if self._pool is None:
            return False
        try:
            return await answers(self._pool)
        except (OSError, asyncpg.PostgresError):
            return False
