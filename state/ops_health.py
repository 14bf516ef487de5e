"""Figures of each flow for the ops page's home: its last success, what waits and since when, what is stuck.

One set-based statement for all flows (each figure a sub-select over an indexed or small table); the page
turns them into a status (``streams/ops/health.py``). Also the exception object types, for its filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from state.db import Executor

FLOWS = ("orders", "inventory", "fulfilments", "cash", "payouts", "returns", "prices")


@dataclass(frozen=True)
class FlowRow:
    """``last_success``: the latest write the flow made; ``waiting``: objects not yet synced (``oldest``: since
    when the longest-waiting one waits); ``stuck``: objects held or refused (each has an exception)."""

    last_success: datetime | None
    waiting: int
    oldest: datetime | None
    stuck: int


_SQL = """
SELECT
  (SELECT max(synced_at) FROM order_links) AS orders_last,
  (SELECT count(*) FROM parked_orders) AS orders_waiting,
  (SELECT min(parked_at) FROM parked_orders) AS orders_oldest,
  (SELECT count(*) FROM order_links WHERE status = 'held') AS orders_stuck,

  (SELECT max(finished_at) FROM inventory_resyncs) AS inventory_last,
  0::bigint AS inventory_waiting,
  NULL::timestamptz AS inventory_oldest,
  0::bigint AS inventory_stuck,

  (SELECT max(updated_at) FROM fulfilment_shipments WHERE status IN ('created', 'deleted')) AS fulfilments_last,
  (SELECT count(*) FROM fulfilment_shipments WHERE status = 'pending') AS fulfilments_waiting,
  (SELECT min(created_at) FROM fulfilment_shipments WHERE status = 'pending') AS fulfilments_oldest,
  0::bigint AS fulfilments_stuck,

  greatest((SELECT max(updated_at) FROM cash_deposits WHERE status = 'written'),
           (SELECT max(updated_at) FROM cash_invoices WHERE status = 'created')) AS cash_last,
  (SELECT count(*) FROM cash_deposits WHERE status = 'waiting')
    + (SELECT count(*) FROM cash_invoices WHERE status = 'pending') AS cash_waiting,
  least((SELECT min(created_at) FROM cash_deposits WHERE status = 'waiting'),
        (SELECT min(created_at) FROM cash_invoices WHERE status = 'pending')) AS cash_oldest,
  (SELECT count(*) FROM cash_deposits WHERE status IN ('held', 'refused')) AS cash_stuck,

  greatest((SELECT max(posted_at) FROM payouts), (SELECT max(reconciled_at) FROM payouts)) AS payouts_last,
  (SELECT count(*) FROM payouts WHERE result = 'pending') AS payouts_waiting,
  (SELECT min(received_at) FROM payouts WHERE result <> 'reconciled') AS payouts_oldest,
  (SELECT count(*) FROM payouts WHERE result NOT IN ('pending', 'reconciled')) AS payouts_stuck,

  (SELECT max(updated_at) FROM return_refunds WHERE status = 'done') AS returns_last,
  (SELECT count(*) FROM return_refunds WHERE status IN ('waiting', 'writing')) AS returns_waiting,
  (SELECT min(created_at) FROM return_refunds WHERE status IN ('waiting', 'writing')) AS returns_oldest,
  (SELECT count(*) FROM return_refunds WHERE status IN ('held', 'refused')) AS returns_stuck,

  (SELECT max(updated_at) FROM price_records WHERE sent_version = version) AS prices_last,
  (SELECT count(*) FROM price_records WHERE sent_version IS DISTINCT FROM version AND status = 'ok')
    AS prices_waiting,
  (SELECT min(updated_at) FROM price_records WHERE sent_version IS DISTINCT FROM version AND status = 'ok')
    AS prices_oldest,
  (SELECT count(*) FROM price_records WHERE status = 'rejected') AS prices_stuck
"""


async def flow_rows(conn: Executor) -> dict[str, FlowRow]:
    """Every flow's figures (``FLOWS`` order); counts are 0 and times None where nothing happened yet."""
    row = await conn.fetchrow(_SQL)
    assert row is not None
    return {flow: FlowRow(last_success=row[f"{flow}_last"], waiting=int(row[f"{flow}_waiting"] or 0),
                          oldest=row[f"{flow}_oldest"], stuck=int(row[f"{flow}_stuck"] or 0))
            for flow in FLOWS}


async def exception_object_types(conn: Executor) -> list[str]:
    """Every object type exceptions were recorded for (the page's filter)."""
    return [r["object_type"] for r in await conn.fetch("SELECT DISTINCT object_type FROM exceptions ORDER BY 1")]


async def database_now(conn: Executor) -> datetime:
    """PostgreSQL's clock: ages on the page are measured against the same clock as the rows."""
    value: datetime = await conn.fetchval("SELECT now()")
    return value
