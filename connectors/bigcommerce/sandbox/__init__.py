"""A local BigCommerce API sandbox (aiohttp) speaking Orders V2/V3, Catalog, Inventory, Customers,
Price Lists and Webhooks closely enough that the connector cannot tell. See docs/bigcommerce.md."""

from .app import create_app
from .catalogue import CatalogueStyle, CatalogueVariant, catalogue, sku_for
from .config import SandboxConfig
from .server import DEFAULT_HOST, DEFAULT_PORT, SandboxServer, main, run, start_sandbox

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "CatalogueStyle",
    "CatalogueVariant",
    "SandboxConfig",
    "SandboxServer",
    "catalogue",
    "create_app",
    "main",
    "run",
    "sku_for",
    "start_sandbox",
]
