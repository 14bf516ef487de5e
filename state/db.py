"""The asyncpg connection pool, with JSON codecs registered on every connection."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 4, **kwargs: Any) -> asyncpg.Pool:
    """One pool per process; ``json``/``jsonb`` columns read and write Python objects via orjson."""
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
