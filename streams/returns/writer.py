"""Carries a refund's plan out in NetSuite, each document once, in refund order per order.

The refund is stored before anything else (``waiting``); it waits while its order's sales order or
deposits are not in NetSuite, or an earlier refund of the order is still waiting. Then the plan is decided
once and kept (``writing``), and its documents are written in order — the sales order's unshipped lines,
the return authorization, the item receipt, the credit memo, the customer refunds — each recorded
``pending`` before NetSuite is called and looked up by its externalId when found pending later, so a crash
or a redelivery never writes one twice. NetSuite refusing a document is a ``refund_refused`` exception
(finance); 429/5xx and record-changed errors are raised, so the event is retried.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from prometheus_client import Counter
from pydantic import TypeAdapter

from connectors.http import PermanentError, one_line
from connectors.netsuite.client import NetSuiteClient
from state import cash as cash_store
from state import exceptions as exceptions_store
from state import orders as orders_store
from state import returns as store
from state.db import Executor
from streams.cash.deposit_writer import jsonable
from streams.cash.settings import CashSettings
from streams.contract.bigcommerce import BcRefund
from streams.returns import documents as docs
from streams.returns.messages import exception_key, location_missing, refused, unsynced
from streams.returns.plan import (
    Held,
    RefundPlan,
    cm_external_id,
    ir_external_id,
    plan_refund,
    ra_external_id,
    ref,
)
from streams.returns.reading import order_state, rules, special_items
from streams.returns.settings import ReturnsSettings

log = logging.getLogger(__name__)

REFUNDS = Counter("o2c_refunds_total", "BigCommerce refunds the returns flow finished, by outcome", ["outcome"])
DOCUMENTS = Counter("o2c_refund_documents_total", "NetSuite documents o2c wrote for refunds", ["doc"])
PLAN = TypeAdapter(RefundPlan)

RETURN_KINDS = ("refund_unsynced", "refund_unmapped", "refund_over_paid", "refund_declined", "refund_unbalanced",
                "refund_refused", "return_location_missing")


class Refused(Exception):
    """NetSuite refused one of the refund's documents."""

    def __init__(self, doc: str, external_id: str, error: PermanentError, body: Any) -> None:
        self.doc, self.external_id, self.detail, self.body = doc, external_id, one_line(error), body
        super().__init__(self.detail)


class RefundWriter:
    def __init__(self, settings: ReturnsSettings, cash: CashSettings) -> None:
        self.settings = settings
        self.rules = rules(settings, cash)

    async def handle(self, pool: Executor, ns: NetSuiteClient, refund: BcRefund, *, again: bool = False) -> str:
        """Store the refund, then carry out the order's refunds that can go, in refund id order.

        ``again``: an operator's retry, ``refund`` read again from BigCommerce; it replaces the stored copy, a
        held refund is decided again from it and a refused one continues its kept plan where it stopped
        (documents already written are not written again: ``state.returns.retry``)."""
        if again:
            await store.retry(pool, store_hash=refund.store_hash, refund_id=refund.refund_id,
                              order_id=refund.order_id, total=refund.total_amount,
                              payload=refund.model_dump(mode="json"))
        else:
            await store.record_refund(pool, store_hash=refund.store_hash, refund_id=refund.refund_id,
                                      order_id=refund.order_id, total=refund.total_amount, currency="",
                                      payload=refund.model_dump(mode="json"))
        return await self.run_order(pool, ns, refund.store_hash, refund.order_id, only=refund.refund_id)

    async def run_order(self, pool: Executor, ns: NetSuiteClient, store_hash: str, order_id: int,
                        only: int | None = None) -> str:
        outcome = "nothing to do"
        for row in await store.order_refunds(pool, store_hash, order_id):
            if row.status in ("done", "held", "refused"):
                if row.refund_id == only:
                    outcome = f"already {row.status}"
                continue
            result = await self._one(pool, ns, row)
            if row.refund_id == only or only is None:
                outcome = result
            if result.startswith("waiting"):
                break  # later refunds of the order wait for this one
        return outcome

    async def _one(self, pool: Executor, ns: NetSuiteClient, row: store.RefundRow) -> str:
        refund = BcRefund.model_validate(row.payload)
        key = exception_key("refund_unsynced", refund)
        link = await orders_store.get_link(pool, refund.store_hash, refund.order_id)
        if link is None or link.status not in ("synced", "closed") or not link.ns_id or not link.ns_customer_id:
            if link is None:
                await exceptions_store.record(pool, unsynced(refund))
            return "waiting for the order's sales order"
        await exceptions_store.auto_resolve_key(pool, key)
        special = await special_items(pool, ns, self.settings)
        if row.plan is not None:
            plan = PLAN.validate_python(row.plan)
        else:
            deposits = await _deposits_waiting(pool, refund)
            if deposits:
                return "waiting for the order's deposits"
            state, _ = await order_state(pool, ns, store_hash=refund.store_hash, order_id=refund.order_id,
                                         refund_id=refund.refund_id, so_id=link.ns_id,
                                         customer_id=link.ns_customer_id, special=special)
            decided = plan_refund(refund, state, self.rules)
            if isinstance(decided, Held):
                await self._hold(pool, refund, decided)
                return f"held: {decided.kind}"
            plan = decided
            await store.save_plan(pool, refund.store_hash, refund.refund_id, PLAN.dump_python(plan, mode="json"))
        try:
            await self._write(pool, ns, refund, plan, link.ns_id, link.ns_customer_id, special)
        except Refused as error:
            await store.set_status(pool, refund.store_hash, refund.refund_id, "refused", error.detail)
            await exceptions_store.record(pool, refused(refund, error.doc, error.external_id, error.detail,
                                                        jsonable(error.body) if isinstance(error.body, dict) else None))
            REFUNDS.labels("refused").inc()
            return f"refused: {error.detail}"
        await store.set_status(pool, refund.store_hash, refund.refund_id, "done", credit=plan.credit)
        for kind in RETURN_KINDS:
            if kind != "return_location_missing" or not plan.location_missing:
                await exceptions_store.auto_resolve_key(pool, exception_key(kind, refund))
        REFUNDS.labels("done").inc()
        return (f"done: credit {plan.credit}, {len(plan.returns)} line(s) returned, "
                f"{len(plan.refunds)} customer refund(s)")

    async def _hold(self, pool: Executor, refund: BcRefund, held: Held) -> None:
        await store.set_status(pool, refund.store_hash, refund.refund_id, "held", held.message)
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind=held.kind, object_type="refund", owner=held.owner, severity="error", message=held.message,
            bc_id=str(refund.order_id), payload={"refund": refund.model_dump(mode="json")},
            dedupe_key=exception_key(held.kind, refund)))
        REFUNDS.labels("held").inc()

    # -- the documents ------------------------------------------------------------------------------

    async def _write(self, pool: Executor, ns: NetSuiteClient, refund: BcRefund, plan: RefundPlan, so_id: str,
                     customer_id: str, special: dict[str, str]) -> None:
        existing = await store.documents(pool, refund.store_hash, refund.refund_id)
        if plan.reduction is not None:
            await self._doc(pool, ns, refund, existing, "so", f"BC-SO-{refund.store_hash}-{refund.order_id}"
                            f"-R{ref(refund.refund_id)}", lambda: docs.reduce_sales_order(ns, so_id, refund, plan,
                                                                                       special["adjustment"]),
                            amount=plan.reduction.amount)
        ra_id = None
        if plan.returns:
            ra_eid = ra_external_id(refund.store_hash, refund.refund_id)
            ra_id = await self._doc(pool, ns, refund, existing, "ra", ra_eid,
                                    lambda: docs.return_authorization(ns, so_id, ra_eid, refund, plan),
                                    record_type="returnAuthorization")
        if ra_id and plan.receive:
            ir_eid = ir_external_id(refund.store_hash, refund.refund_id)
            await self._doc(pool, ns, refund, existing, "ir", ir_eid,
                            lambda: docs.item_receipt(ns, ra_id, ir_eid, refund, self.settings.location_id or ""),
                            record_type="itemReceipt")
        elif plan.location_missing:
            await exceptions_store.record(pool, location_missing(refund))
        cm_id = None
        if plan.credit_total:
            cm_eid = cm_external_id(refund.store_hash, refund.refund_id)
            cm_id = await self._doc(pool, ns, refund, existing, "cm", cm_eid,
                                    lambda: docs.credit_memo(ns, ra_id, cm_eid, refund, plan, customer_id, special),
                                    record_type="creditMemo", amount=plan.credit_total)
            await docs.credit_to_the_cent(ns, cm_id, plan.credit_total, special["adjustment"])
        for rf in plan.refunds:
            n = str(rf.n)
            row = existing.get(("rf", n))
            if row is not None and row.status == "created":
                continue
            await store.document_pending(pool, store_hash=refund.store_hash, refund_id=refund.refund_id, doc="rf",
                                         n=n, order_id=refund.order_id, external_id=rf.external_id, amount=rf.amount,
                                         gateway=rf.gateway, gateway_transaction_id=rf.gateway_transaction_id,
                                         account_id=rf.account_id)
            body = docs.customer_refund_body(rf, customer_id, cm_id)
            try:
                result = await ns.upsert("customerRefund", rf.external_id, body)
            except PermanentError as error:
                raise Refused("customer refund", rf.external_id, error, body) from error
            await store.deposit_refunded(pool, refund.store_hash, refund.refund_id, n, result.id,
                                         list(rf.from_deposits))
            DOCUMENTS.labels("rf").inc()

    async def _doc(self, pool: Executor, ns: NetSuiteClient, refund: BcRefund,
                   existing: dict[tuple[str, str], store.DocumentRow], doc: str, external_id: str, write: Any, *,
                   record_type: str | None = None, amount: Decimal | None = None) -> str:
        """Write one document once: its id (from the ledger, from NetSuite by externalId, or new)."""
        row = existing.get((doc, "1"))
        if row is not None and row.status == "created" and row.ns_id:
            return row.ns_id
        if row is not None and record_type is not None:  # pending: an earlier attempt may have written it
            found = await ns.find_by_external_id(record_type, external_id)
            if found is not None:
                await store.document_created(pool, refund.store_hash, refund.refund_id, doc, "1", found)
                return found
        await store.document_pending(pool, store_hash=refund.store_hash, refund_id=refund.refund_id, doc=doc, n="1",
                                     order_id=refund.order_id, external_id=external_id, amount=amount)
        try:
            ns_id, _body = await write()
        except PermanentError as error:
            raise Refused(docs.NAMES[doc], external_id, error, getattr(error, "body", None)) from error
        await store.document_created(pool, refund.store_hash, refund.refund_id, doc, "1", ns_id)
        DOCUMENTS.labels(doc).inc()
        log.info(f"refund {refund.refund_id}: {docs.NAMES[doc]} {external_id} written",
                 extra={"bc_order_id": refund.order_id, "ns_id": ns_id})
        return str(ns_id)


async def _deposits_waiting(pool: Executor, refund: BcRefund) -> int:
    return sum(1 for d in await cash_store.deposits(pool, refund.store_hash, refund.order_id)
               if d.status in ("waiting",))
