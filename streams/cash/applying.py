"""Apply an order's customer deposits to its open invoices in NetSuite, once each.

Called after a deposit is written and after an invoice is made, so the order of the two never matters.
Each application is recorded ``pending`` before NetSuite is called and carries a deterministic externalId
(``BC-DEPAPP-<store>-<order>-<invoice>-<deposit>``): a crash in between finds the application by that id
instead of applying the deposit twice (NetSuite refuses an over-application anyway).
"""

from __future__ import annotations

from decimal import Decimal

from connectors.netsuite.client import NetSuiteClient
from state import cash as store
from state.db import Executor
from streams.cash.invoicing import application_external_id, applications


async def _confirm_pending(pool: Executor, ns: NetSuiteClient, store_hash: str, order_id: int) -> None:
    for external_id, _n, _key, _amount in await store.pending_applications(pool, store_hash, order_id):
        found = await ns.find_by_external_id("depositApplication", external_id)
        if found is not None:
            await store.application_created(pool, external_id, found)


async def apply_deposits(pool: Executor, ns: NetSuiteClient, store_hash: str, order_id: int) -> Decimal:
    """Apply what is unapplied of the order's written deposits to its open invoices; returns the amount applied."""
    await _confirm_pending(pool, ns, store_hash, order_id)
    applied = Decimal(0)
    for invoice in await store.invoices(pool, store_hash, order_id):
        if invoice.status != "created" or not invoice.ns_id or not invoice.remaining or invoice.remaining <= 0:
            continue
        by_n = {d.n: d for d in await store.deposits(pool, store_hash, order_id)}
        open_deposits = [(d.n, d.unapplied) for d in by_n.values()
                         if d.status == "written" and d.ns_id and d.unapplied > 0]
        for n, amount in applications(open_deposits, invoice.remaining):
            deposit = by_n[n]
            external_id = application_external_id(store_hash, order_id, invoice.invoice_key, n)
            await store.application_pending(pool, external_id=external_id, store_hash=store_hash, order_id=order_id,
                                            deposit_n=n, invoice_key=invoice.invoice_key, amount=amount)
            body = {"externalId": external_id,
                    "apply": {"items": [{"doc": {"id": invoice.ns_id}, "apply": True, "amount": amount}]}}
            assert deposit.ns_id is not None
            result = await ns.transform("customerDeposit", deposit.ns_id, "depositApplication", body)
            await store.application_created(pool, external_id, result.id)
            applied += amount
    return applied
