"""Set-based counts for the demo's live summary (``streams.platform.summary``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from state.db import Executor


async def demo_figures(conn: Executor, since: datetime) -> asyncpg.Record:
    """Orders received, synced, parked and held, open exceptions, shipments, deposits, invoices, payouts
    (posted, reconciled) and refunds (seen, credited) since ``since``; sellable items known; B2B price records
    in BigCommerce and customers in their price level's group."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM sync_ledger WHERE object_type = 'order' AND updated_at >= $1) AS received,
                  (SELECT count(*) FROM order_links WHERE status IN ('synced', 'closed') AND synced_at >= $1)
                      AS synced,
                  (SELECT count(*) FROM parked_orders WHERE parked_at >= $1) AS parked,
                  (SELECT count(*) FROM order_links WHERE status = 'held' AND updated_at >= $1) AS held,
                  (SELECT count(*) FROM exceptions WHERE status IN ('open', 'retrying') AND created_at >= $1)
                      AS open_exceptions,
                  (SELECT count(*) FROM sku_map WHERE sellable) AS items,
                  (SELECT count(*) FROM fulfilment_shipments WHERE status = 'created' AND created_at >= $1)
                      AS shipments,
                  (SELECT count(*) FROM cash_deposits WHERE status = 'written' AND updated_at >= $1) AS deposits,
                  (SELECT count(*) FROM cash_invoices WHERE status = 'created' AND created_at >= $1) AS invoices,
                  (SELECT count(*) FROM payouts WHERE je_status <> 'none' AND received_at >= $1) AS payouts,
                  (SELECT count(*) FROM payouts WHERE result = 'reconciled' AND received_at >= $1)
                      AS payouts_reconciled,
                  (SELECT count(*) FROM return_refunds WHERE created_at >= $1) AS refunds,
                  (SELECT count(*) FROM return_refunds WHERE status = 'done' AND created_at >= $1)
                      AS refunds_credited,
                  (SELECT count(*) FROM price_records WHERE price IS NOT NULL AND sent_version = version)
                      AS price_records,
                  (SELECT count(*) FROM price_customers WHERE status IN ('moved', 'unchanged')) AS price_customers""",
        since,
    )
    assert row is not None
    return row
