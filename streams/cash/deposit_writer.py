"""Carries the deposit rule out: rows in PostgreSQL first, then NetSuite, then the deposit applied.

Every planned deposit is stored before NetSuite is called: ``waiting`` until the order's sales order is in
NetSuite (a timer writes it then), ``held`` when its gateway has no accounts (a ``gateway_unmapped``
exception for finance). Writes are ``PUT customerDeposit/eid:BC-DEP-…`` (an upsert: a repeat changes
nothing). NetSuite refusing a deposit is a ``deposit_refused`` exception; 429/5xx are raised so the event
stays unacked and is retried.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from prometheus_client import Counter

from connectors.http import PermanentError, one_line
from connectors.netsuite.client import NetSuiteClient
from state import cash as store
from state import exceptions as exceptions_store
from state import orders as orders_store
from state.db import Executor
from streams.cash.applying import apply_deposits
from streams.cash.deposits import PlannedDeposit, plan_deposits, unmapped_message
from streams.cash.settings import CashSettings
from streams.contract import BcOrderSnapshot

log = logging.getLogger(__name__)

DEPOSITS = Counter("o2c_deposits_total", "Customer deposits o2c wrote to NetSuite, by kind", ["kind"])

DEPOSIT_KINDS = ("gateway_unmapped", "deposit_refused")


def _row(order: BcOrderSnapshot, d: PlannedDeposit, status: str, detail: str = "") -> store.DepositRow:
    return store.DepositRow(
        store_hash=order.store_hash, order_id=order.order_id, n=d.n, external_id=d.external_id, kind=d.kind,
        gateway=d.gateway, bc_gateway=d.bc_gateway, gateway_transaction_id=d.gateway_transaction_id,
        amount=d.amount, currency=d.currency, account_id=d.account_id, status=status, detail=detail or d.memo)


class DepositWriter:
    def __init__(self, settings: CashSettings) -> None:
        self.settings = settings

    async def handle(self, pool: Executor, ns: NetSuiteClient, order: BcOrderSnapshot,
                     raw: dict[str, Any] | None = None) -> str:
        """Plan the order's deposits, store them, write those whose sales order exists; a short outcome."""
        plan = plan_deposits(order, self.settings)
        if not plan.deposits:
            return "no payment to deposit"
        existing = {d.n: d for d in await store.deposits(pool, order.store_hash, order.order_id)}
        for d in plan.deposits:
            if existing.get(d.n) is not None and existing[d.n].status in ("written", "refused"):
                continue
            await store.plan_deposit(pool, _row(order, d, "held" if d.held else "waiting"))
        key = f"gateway_unmapped:order:{order.store_hash}:{order.order_id}"
        if plan.unmapped:
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="gateway_unmapped", object_type="order", owner="finance", severity="error",
                message=unmapped_message(order.order_id, plan.unmapped, sorted(self.settings.accounts)),
                bc_id=str(order.order_id), payload={"order": order.model_dump(mode="json"), "raw": raw},
                dedupe_key=key))
        else:
            await exceptions_store.auto_resolve_key(pool, key)
        return await self.write_waiting(pool, ns, order.store_hash, order.order_id)

    async def write_waiting(self, pool: Executor, ns: NetSuiteClient, store_hash: str, order_id: int) -> str:
        """Write the order's waiting deposits if its sales order is in NetSuite, then apply them."""
        rows = [d for d in await store.deposits(pool, store_hash, order_id) if d.status == "waiting"]
        refused = 0
        if rows:
            link = await orders_store.get_link(pool, store_hash, order_id)
            if link is None or link.ns_id is None or link.ns_customer_id is None or link.status != "synced":
                return f"{len(rows)} deposit(s) waiting for the sales order"
            for d in rows:
                if not await self._write(pool, ns, d, link.ns_id, link.ns_customer_id):
                    refused += 1
        applied = await apply_deposits(pool, ns, store_hash, order_id)
        return (f"{len(rows) - refused} deposit(s) written" + (f", {refused} refused" if refused else "")
                + (f", {applied} applied" if applied else ""))

    async def _write(self, pool: Executor, ns: NetSuiteClient, d: store.DepositRow, so_id: str,
                     customer_id: str) -> bool:
        """Write one deposit; False if NetSuite refused it (row ``refused``, a ``deposit_refused`` exception)."""
        assert d.account_id is not None
        accounts = self.settings.accounts.get(d.gateway)
        body: dict[str, Any] = {
            "customer": {"id": customer_id}, "salesOrder": {"id": so_id}, "payment": d.amount,
            "undepFunds": False, "account": {"id": d.account_id}, "memo": d.detail[:999],
        }
        if accounts is not None and accounts.payment_method and d.kind == "gateway":
            body["paymentOption"] = {"id": accounts.payment_method}
        try:
            result = await ns.upsert("customerDeposit", d.external_id, body)
        except PermanentError as error:
            detail = one_line(error)
            await store.deposit_refused(pool, d.store_hash, d.order_id, d.n, detail)
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="deposit_refused", object_type="order", owner="finance", severity="error",
                message=(f"NetSuite refused the customer deposit {d.external_id} of {d.amount} {d.currency} for "
                         f"order {d.order_id}: {detail}. The payment is not in NetSuite, so this order will not "
                         "reconcile in its payout. Correct the cause (account, sales order, customer) and retry."),
                bc_id=str(d.order_id), payload={"deposit": d.external_id, "body": jsonable(body)},
                dedupe_key=f"deposit_refused:order:{d.store_hash}:{d.order_id}:{d.n}"))
            log.warning(f"deposit {d.external_id} refused: {detail}", extra={"bc_order_id": d.order_id})
            return False
        await store.deposit_written(pool, d.store_hash, d.order_id, d.n, result.id)
        await exceptions_store.auto_resolve_key(pool, f"deposit_refused:order:{d.store_hash}:{d.order_id}:{d.n}")
        DEPOSITS.labels(d.kind).inc()
        return True


def jsonable(body: dict[str, Any]) -> Any:
    """A NetSuite request body as plain JSON (Decimals as strings), to keep with an exception."""
    return orjson.loads(orjson.dumps(body, default=str))
