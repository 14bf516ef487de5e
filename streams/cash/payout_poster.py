"""Carries a payout out: its pages into PostgreSQL, one journal entry in NetSuite, then the reconciliation.

- A paid payout with all its pages: the journal entry is built from the lines' totals (SQL) by
  :mod:`streams.cash.payout_journal` and upserted by externalId ``PAYOUT-JE-<gateway>-<payout id>``: posting
  again (a duplicate webhook, a replay, a restart mid-payout) changes nothing. Lines that do not add up to
  what reached the bank post nothing (``payout_unbalanced``).
- Then the reconciliation (:func:`state.payouts.reconcile`): zero residual and every charge matched is
  ``reconciled``; anything else a ``payout_mismatch`` exception for finance naming the orders. A timer
  re-runs it as deposits arrive and closes the exception when the payout comes to zero.
- A payout that fails after it was posted gets a reversing entry (``…-REVERSAL``), linked in its memo.
- Manual and instant payouts list no lines: ``payout_date_window`` tells finance to reconcile by dates.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Gauge

from connectors.http import PermanentError, one_line
from connectors.netsuite.client import NetSuiteClient
from state import exceptions as exceptions_store
from state import payouts as store
from state.db import Executor
from streams.cash.mismatch import mismatch_message, money
from streams.cash.payout_journal import JournalEntry, Unbalanced, journal_entry, reversal_external_id
from streams.cash.settings import CashSettings
from streams.contract.payouts import PayoutPage

log = logging.getLogger(__name__)

POSTED = Counter("o2c_payouts_posted_total", "Payout journal entries posted to NetSuite (reversals too)", ["kind"])
UNRECONCILED = Gauge("o2c_payouts_unreconciled", "Payouts whose clearing residual is not zero (or not yet posted)")
RESIDUAL = Gauge("o2c_payout_residual_amount", "Clearing residual of the last reconciliation of a payout, by "
                 "gateway and currency", ["gateway", "currency"])
PAYOUT_KINDS = ("payout_mismatch", "payout_unbalanced", "payout_unmapped", "payout_date_window", "payout_refused",
                "payout_failed")


def _key(kind: str, gateway: str, payout_id: str) -> str:
    return f"{kind}:payout:{gateway}:{payout_id}"


class PayoutPoster:
    def __init__(self, settings: CashSettings) -> None:
        self.settings = settings

    async def handle(self, pool: Executor, ns: NetSuiteClient, page: PayoutPage) -> str:
        payout = page.payout.model_dump()
        row = await store.store_page(pool, payout, page=page.page, pages=page.pages, line_count=page.line_count,
                                     lines=[line.model_dump(mode="json") | {
                                         k: getattr(line, k) for k in ("gross", "fee", "net", "exchange_rate",
                                                                       "presentment_amount", "created")}
                                            for line in page.lines])
        if not row.complete:
            return f"page {page.page} of {page.pages} stored"
        return await self.process(pool, ns, row)

    async def process(self, pool: Executor, ns: NetSuiteClient, row: store.PayoutRow) -> str:
        if row.status == "paid":
            return await self._paid(pool, ns, row)
        if row.status in ("failed", "canceled"):
            return await self._failed(pool, ns, row)
        return f"{row.status}: nothing to post yet"

    async def _problem(self, pool: Executor, row: store.PayoutRow, kind: str, message: str,
                       severity: str = "error") -> None:
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind=kind, object_type="payout", owner="finance", severity=severity,  # type: ignore[arg-type]
            message=message, bc_id=f"{row.gateway}:{row.payout_id}", ns_id=row.je_ns_id,
            payload={"gateway": row.gateway, "payout_id": row.payout_id},
            dedupe_key=_key(kind, row.gateway, row.payout_id)))

    async def _entry(self, pool: Executor, row: store.PayoutRow) -> JournalEntry | str:
        accounts = self.settings.accounts.get(row.gateway)
        if accounts is None:
            await self._problem(pool, row, "payout_unmapped", (
                f"Payout {row.payout_id} from {row.gateway} ({money(row.amount, row.currency)}) cannot be posted: "
                f"O2C_CASH_ACCOUNTS has no accounts for {row.gateway!r}. Add its bank, clearing and fee accounts, "
                "then retry."))
            return "no accounts for the gateway"
        totals = await store.totals(pool, row.gateway, row.payout_id)
        try:
            return journal_entry(gateway=row.gateway, payout_id=row.payout_id, amount=row.amount,
                                 currency=row.currency, arrival_date=row.arrival_date, gross=totals.gross,
                                 fees=totals.fees, lines_net=totals.net, accounts=accounts,
                                 bank_reference=row.bank_reference,
                                 refunds_to_clearing=self.settings.refunds_to_clearing)
        except Unbalanced as error:
            await store.set_result(pool, row.gateway, row.payout_id, "unbalanced", str(error), error.difference)
            await self._problem(pool, row, "payout_unbalanced", f"Payout {row.payout_id} of "
                                f"{money(row.amount, row.currency)}: {error}.")
            return "unbalanced: not posted"

    def _body(self, entry: JournalEntry, currency: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "subsidiary": {"id": self.settings.subsidiary_id}, "tranDate": entry.tran_date.isoformat(),
            "memo": entry.memo, "line": {"items": [line.body() for line in entry.lines]},
        }
        currency_id = self.settings.currencies.get(currency.upper())
        if currency_id:
            body["currency"] = {"id": currency_id}
        return body

    async def _paid(self, pool: Executor, ns: NetSuiteClient, row: store.PayoutRow) -> str:
        if row.reconciliation == "date_window":
            await store.set_result(pool, row.gateway, row.payout_id, "date_window")
            await self._problem(pool, row, "payout_date_window", (
                f"Payout {row.payout_id} of {money(row.amount, row.currency)} is a {row.method} "
                f"{'automatic' if row.automatic else 'manual'} payout: {row.gateway} does not list which payments "
                "it contains, so o2c cannot post or reconcile it line by line. Reconcile it by dates against the "
                "clearing account (payments captured since the previous payout) and resolve this exception."),
                severity="warning")
            return "date-window payout: left to finance"
        if row.je_status == "none":
            entry = await self._entry(pool, row)
            if isinstance(entry, str):
                return entry
            try:
                result = await ns.upsert("journalEntry", entry.external_id, self._body(entry, row.currency),
                                         replace=["line"])
            except PermanentError as error:
                await self._problem(pool, row, "payout_refused", (
                    f"NetSuite refused the journal entry of payout {row.payout_id} "
                    f"({money(row.amount, row.currency)}): {one_line(error)}. Check the accounts in "
                    "O2C_CASH_ACCOUNTS (they must exist, be active and belong to the subsidiary), then retry."))
                return "journal entry refused"
            await store.set_posted(pool, row.gateway, row.payout_id, je_external_id=entry.external_id,
                                   je_ns_id=result.id)
            for kind in ("payout_unbalanced", "payout_unmapped", "payout_refused"):
                await exceptions_store.auto_resolve_key(pool, _key(kind, row.gateway, row.payout_id))
            POSTED.labels("payout").inc()
        return await self.reconcile(pool, row)

    async def reconcile(self, pool: Executor, row: store.PayoutRow) -> str:
        result = await store.reconcile(pool, row.gateway, row.payout_id,
                                       refunds_to_clearing=self.settings.refunds_to_clearing)
        RESIDUAL.labels(row.gateway, row.currency).set(float(result.residual))
        key = _key("payout_mismatch", row.gateway, row.payout_id)
        # the exception first, then the result: a payout that reads "mismatch" always has its exception open
        if result.residual == 0 and not result.problems and not result.unclassified:
            await exceptions_store.auto_resolve_key(pool, key)
            await store.set_result(pool, row.gateway, row.payout_id, "reconciled", "", Decimal(0))
            outcome = f"reconciled: {result.matched} charges matched, residual 0.00"
            if result.refunds_matched:
                outcome += f", {result.refunds_matched} refunds matched to customer refunds"
        else:
            message = mismatch_message(row.payout_id, row.amount, row.currency, result)
            await self._problem(pool, row, "payout_mismatch", message)
            await store.set_result(pool, row.gateway, row.payout_id, "mismatch", message, result.residual)
            outcome = f"mismatch: residual {result.residual}"
        counts = await store.counts(pool)
        UNRECONCILED.set(sum(n for r, n in counts.items() if r not in ("reconciled", "failed")))
        return outcome

    async def _failed(self, pool: Executor, ns: NetSuiteClient, row: store.PayoutRow) -> str:
        if row.je_status != "posted":
            if row.je_status == "none":
                await store.set_result(pool, row.gateway, row.payout_id, "failed",
                                       f"{row.status} before it was posted: nothing to reverse")
            return f"{row.status}: nothing posted"
        entry = await self._entry(pool, row)
        if isinstance(entry, str):
            return entry
        why = row.failure_code or row.status
        reversal = entry.reversed(reversal_external_id(row.gateway, row.payout_id),
                                  datetime.now(UTC).date(),
                                  f"Reversal of {entry.external_id} (NetSuite id {row.je_ns_id}): payout "
                                  f"{row.payout_id} {row.status} ({why})")
        result = await ns.upsert("journalEntry", reversal.external_id, self._body(reversal, row.currency),
                                 replace=["line"])
        detail = (f"Payout {row.payout_id} of {money(row.amount, row.currency)} {row.status} after it was paid "
                  f"({why}{': ' + row.failure_message if row.failure_message else ''}). Its journal entry "
                  f"{entry.external_id} was reversed by {reversal.external_id}; the money returns to the "
                  f"{row.gateway} balance and comes back in a later payout. Tell the bank team; nothing else to do.")
        await store.set_reversed(pool, row.gateway, row.payout_id, result.id, detail)
        await exceptions_store.auto_resolve_key(pool, _key("payout_mismatch", row.gateway, row.payout_id))
        await self._problem(pool, row, "payout_failed", detail, severity="warning")
        POSTED.labels("reversal").inc()
        return "reversed"
