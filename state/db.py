"""The asyncpg connection pool, with JSON codecs registered on every connection."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (asyncpg still rolls back an open transaction first)."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 4, stateless: bool = False,
                      **kwargs: Any) -> asyncpg.Pool:
    """One pool per process; ``json``/``jsonb`` columns read and write Python objects via orjson.

    ``stateless``: the callers never leave session state on a connection (session advisory locks,
    LISTEN, SET, open cursors), so releasing one skips the reset round trip
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``) — one query less per use.
    """
    if stateless:
        kwargs["reset"] = _keep_session
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_inactive_connection_lifetime=300,
        command_timeout=30,
        server_settings={"application_name": "o2c"},
        init=_init_connection,
        **kwargs,
    )
    assert pool is not None
    return pool


Executor = asyncpg.Connection | asyncpg.Pool | PoolConnectionProxy
"""Anything that runs a query: a connection, a pooled connection or the pool itself."""


async def answers(pool: asyncpg.Pool) -> bool:
    """True when the server answers a trivial query (readiness)."""
    return bool(await pool.fetchval("SELECT 1"))


@contextlib.asynccontextmanager
async def transaction(conn: Executor) -> AsyncIterator[Executor]:
    """A transaction on ``conn``, or on a connection taken from it when it is the pool."""
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as acquired, acquired.transaction():
            yield acquired
    else:
        async with conn.transaction():
            yield conn
