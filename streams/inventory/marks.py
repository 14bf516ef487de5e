"""Stock marks in PostgreSQL (``stock_sync_marks``): since when a SKU's change waits for BigCommerce.

The writer of whichever worker owns the SKU keeps them; the alerts' leader reads them (``stock_stale``). A mark
that cannot be written is logged and skipped: it only feeds the alert, never the stock itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from connectors.http import one_line
from state import alerts as store

log = logging.getLogger(__name__)


class StockMarks:
    def __init__(self, store_hash: str, pool_factory: Callable[[], Awaitable[Any]]) -> None:
        self.store_hash = store_hash
        self._pool = pool_factory

    async def queued(self, sku: str, at: float) -> None:
        """A change of ``sku`` waits since ``at`` (Unix time)."""
        try:
            await store.stock_queued(await self._pool(), self.store_hash, sku, at)
        except Exception as error:  # the mark only feeds an alert
            log.warning(f"stock mark not written: {one_line(error)}", extra={"sku": sku})

    async def settled(self, settled: Sequence[tuple[str, float | None]], *, written: bool = True) -> None:
        """BigCommerce took these SKUs (``written``) or never needs them; each next wait from its Unix time."""
        try:
            await store.stock_settled(await self._pool(), self.store_hash, settled, written=written)
        except Exception as error:
            log.warning(f"stock marks not written: {one_line(error)}", extra={"skus": [s for s, _ in settled][:20]})
