"""Local NetSuite SuiteTalk REST sandbox (aiohttp). See ``docs/netsuite.md``."""

from connectors.netsuite.sandbox.app import SandboxHandle, create_app, main, run, start_sandbox
from connectors.netsuite.sandbox.config import SandboxConfig

__all__ = ["SandboxConfig", "SandboxHandle", "create_app", "main", "run", "start_sandbox"]
