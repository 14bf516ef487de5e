"""NetSuite SuiteTalk REST connector: settings, auth, client, concurrency governor and a local sandbox."""

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.governor import ConcurrencyGovernor

__all__ = ["ConcurrencyGovernor", "NetSuiteClient", "NetSuiteSettings"]
