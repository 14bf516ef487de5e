"""stock_stale: NetSuite stock changed but BigCommerce still shows the old figure after the allowed minutes."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from state.alerts import StaleStock
from streams.alerts.firing import Firing, span

SHOWN = 10  # SKUs named in the message (the payload lists up to what was sampled)


def stock_stale(total: int, rows: list[StaleStock], now: datetime, *, stale_minutes: float) -> list[Firing]:
    """One firing per store with SKUs waiting longer than ``stale_minutes`` (the oldest named first)."""
    out = []
    for store_hash, group in groupby(sorted(rows, key=lambda r: (r.store_hash, r.pending_since)),
                                     key=lambda r: r.store_hash):
        skus = list(group)
        count = total if len({r.store_hash for r in rows}) == 1 else len(skus)
        oldest = (now - skus[0].pending_since).total_seconds()
        named = ", ".join(r.sku for r in skus[:SHOWN]) + (f" and {count - SHOWN} more" if count > SHOWN else "")
        out.append(Firing(
            subject=store_hash,
            message=(f"The stock of {count} SKU{'s' if count != 1 else ''} changed in NetSuite but BigCommerce "
                     f"(store {store_hash}) was not updated within {span(stale_minutes * 60)} (the oldest waits "
                     f"for {span(oldest)}): {named}. The storefront may sell stock that is gone. Engineering: "
                     "check the worker's inventory writer (its log, BigCommerce's API quota and errors); "
                     "operations: correct urgent SKUs by hand in BigCommerce if needed. o2c keeps trying, and "
                     "this alert closes once BigCommerce has the figures."),
            payload={"store": store_hash, "count": count, "skus": [r.sku for r in skus],
                     "oldest_since": skus[0].pending_since.isoformat()}))
    return out
