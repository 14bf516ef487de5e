"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox


@pytest.fixture
async def netsuite() -> AsyncIterator[SandboxHandle]:
    """A seeded NetSuite sandbox over HTTP (three styles of matrix items), stopped after the test."""
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=3))
    try:
        yield handle
    finally:
        await handle.stop()
