"""The refund writer's fixtures: the money-in books (NetSuite sandbox over HTTP, real PostgreSQL)."""

from tests.integration.cash.conftest import books, sandbox

__all__ = ["books", "sandbox"]
