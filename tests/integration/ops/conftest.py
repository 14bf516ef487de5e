"""Fixtures of the ops page's integration tests: a migrated database, the page on a free port, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.ops.harness import PASSWORDS, OpsServer, csrf_token, start_ops


@pytest.fixture
async def ops_factory(migrated_db: str) -> AsyncIterator[Callable[..., Awaitable[OpsServer]]]:
    started: list[OpsServer] = []

    async def factory(**overrides: Any) -> OpsServer:
        server = await start_ops(migrated_db, **overrides)
        started.append(server)
        return server

    yield factory
    for server in started:
        await server.stop()


@pytest.fixture
async def ops(ops_factory: Callable[..., Awaitable[OpsServer]]) -> OpsServer:
    return await ops_factory(page_size=5)


async def sign_in(client: httpx.AsyncClient, user: str, password: str | None = None) -> httpx.Response:
    """Open the sign-in form (it sets the session cookie with the CSRF token) and submit it."""
    form = await client.get("/signin")
    return await client.post("/signin", data={"user": user, "password": password or PASSWORDS[user], "next": "/",
                                              "csrf_token": csrf_token(form.text)})


@pytest.fixture
async def client(ops: OpsServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ops.url, follow_redirects=False, timeout=10) as c:
        yield c
