"""A local PayPal sandbox (aiohttp): OAuth2 client-credentials tokens and Transaction Search
(``GET /v1/reporting/transactions``) in the shapes of PayPal's OpenAPI spec, paging, injectable
429/5xx, and ``/__sandbox`` admin endpoints to seed transactions."""

from .app import create_app
from .server import DEFAULT_HOST, DEFAULT_PORT, SandboxServer, main, run, start_sandbox
from .state import SandboxState, transaction_detail

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SandboxServer",
    "SandboxState",
    "create_app",
    "main",
    "run",
    "start_sandbox",
    "transaction_detail",
]
