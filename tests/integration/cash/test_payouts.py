"""The payout poster against the NetSuite sandbox (real HTTP) and the real PostgreSQL: what it refuses to post,
and that it posts exactly once when the cause is gone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

from connectors.netsuite.sandbox import accounts
from state import payouts as payouts_store
from streams.cash.deposit_writer import DepositWriter
from streams.cash.payout_poster import PayoutPoster
from streams.cash.settings import GatewayAccounts
from streams.contract.payouts import PayoutFee, PayoutLineRecord, PayoutPage, PayoutRecord
from tests.integration.cash.conftest import STRIPE, Books, d, order, settings, txn, with_transactions


def payout(payout_id: str, amount: str, gateway: str = "stripe", **extra: Any) -> PayoutRecord:
    return PayoutRecord(gateway=gateway, payout_id=payout_id, amount=D(amount), currency="USD", status="paid",
                        arrival_date=date(2026, 12, 2), created=datetime(2026, 12, 1, tzinfo=UTC), **extra)


def charge(line_id: str, payment_intent: str, gross: str, fee: str) -> PayoutLineRecord:
    return PayoutLineRecord(line_id=line_id, kind="charge", gross=D(gross), fee=D(fee), net=D(gross) - D(fee),
                            currency="USD", fees=(PayoutFee(type="stripe_fee", amount=D(fee)),),
                            charge_id=f"ch_{line_id}", payment_intent=payment_intent)


def page(record: PayoutRecord, n: int, pages: int, line_count: int, *lines: PayoutLineRecord) -> PayoutPage:
    return PayoutPage(payout=record, page=n, pages=pages, line_count=line_count, lines=lines)


def sides(entry: dict[str, Any]) -> dict[str, D]:
    """Account → signed amount (debit positive) of a journal entry as NetSuite stores it."""
    out: dict[str, D] = {}
    for line in entry["line"]["items"]:
        amount = d(line.get("debit") or 0) - d(line.get("credit") or 0)
        out[line["account"]["id"]] = out.get(line["account"]["id"], D(0)) + amount
    return out


async def paid_order(books: Books, order_id: int, *payments: tuple[str, str]) -> None:
    """An order paid through Stripe (payment intent, amount) whose deposits are in NetSuite."""
    total = sum((D(amount) for _, amount in payments), D(0))
    placed = order(order_id, (0, str(total - D("5.00")), 1))
    paid = with_transactions(placed, *(txn(n, "purchase", D(amount), intent)
                                       for n, (intent, amount) in enumerate(payments, start=1)))
    await books.sales_order(paid)
    assert await DepositWriter(settings()).handle(books.pool, books.ns, paid) == f"{len(payments)} deposit(s) written"


async def test_payouts_that_cannot_be_posted_line_by_line(books: Books) -> None:
    poster = PayoutPoster(settings())
    await paid_order(books, 6001, ("pi_A", "50.00"), ("pi_B", "30.00"))

    # A manual payout lists no lines: finance reconciles it by dates.
    manual = payout("po_manual", "120.00", automatic=False, method="instant", reconciliation="date_window")
    assert await poster.handle(books.pool, books.ns, page(manual, 1, 1, 0)) == "date-window payout: left to finance"
    row = await payouts_store.get(books.pool, "stripe", "po_manual")
    assert row is not None and (row.result, row.je_status) == ("date_window", "none")
    (window,) = await books.exceptions("payout_date_window")
    assert (window["status"], window["severity"], window["owner"]) == ("open", "warning", "finance")
    assert "instant manual payout" in window["message"] and "by dates" in window["message"]

    # Lines that do not add up to what reached the bank: nothing posted until the missing line arrives.
    amount = "77.08"  # (50.00 - 1.75) + (30.00 - 1.17)
    first = payout("po_split", amount)
    assert await poster.handle(books.pool, books.ns, page(first, 1, 1, 1, charge("A", "pi_A", "50.00", "1.75"))) == (
        "unbalanced: not posted")
    row = await payouts_store.get(books.pool, "stripe", "po_split")
    assert row is not None and (row.result, row.je_status, row.residual) == ("unbalanced", "none", D("28.83"))
    (unbalanced,) = await books.exceptions("payout_unbalanced")
    assert unbalanced["status"] == "open" and "48.25 USD but 77.08 USD reached the bank" in unbalanced["message"]

    # Payouts from a gateway o2c has no accounts for are not posted to guessed accounts.
    foreign = payout("bt_9", "9.70", gateway="braintree")
    line = PayoutLineRecord(line_id="bt_line", kind="charge", gross=D("10.00"), fee=D("0.30"), net=D("9.70"),
                            currency="USD", charge_id="bt_txn")
    assert await poster.handle(books.pool, books.ns, page(foreign, 1, 1, 1, line)) == "no accounts for the gateway"
    (unmapped,) = await books.exceptions("payout_unmapped")
    assert unmapped["status"] == "open" and "no accounts for 'braintree'" in unmapped["message"]
    row = await payouts_store.get(books.pool, "braintree", "bt_9")
    assert row is not None and row.je_status == "none"
    assert await books.records("journalEntry") == [], "none of the three posted anything"

    # A new version of the split payout, in two pages, carries the missing line: posted once, reconciled.
    complete = (charge("A", "pi_A", "50.00", "1.75"), charge("B", "pi_B", "30.00", "1.17"))
    assert await poster.handle(books.pool, books.ns, page(first, 1, 2, 2, complete[0])) == "page 1 of 2 stored"
    assert await books.records("journalEntry") == []
    outcome = await poster.handle(books.pool, books.ns, page(first, 2, 2, 2, complete[1]))
    assert outcome == "reconciled: 2 charges matched, residual 0.00"
    (entry,) = await books.by_external_id("journalEntry", "PAYOUT-JE-stripe-po_split")
    assert sides(await books.ns.get("journalEntry", entry["id"], expand=True)) == {
        accounts.OPERATING_BANK: D(amount), accounts.STRIPE_FEES: D("2.92"), accounts.STRIPE_CLEARING: D("-80.00")}
    row = await payouts_store.get(books.pool, "stripe", "po_split")
    assert row is not None and (row.je_status, row.je_ns_id, row.result, row.residual) == (
        "posted", entry["id"], "reconciled", D(0))
    assert [e["status"] for e in await books.exceptions("payout_unbalanced")] == ["auto_resolved"]

    # The last page delivered again (a duplicate) changes nothing.
    assert await poster.handle(books.pool, books.ns, page(first, 2, 2, 2, complete[1])) == (
        "reconciled: 2 charges matched, residual 0.00")
    assert len(await books.records("journalEntry")) == 1
    assert [e["status"] for e in await books.exceptions("payout_date_window")] == ["open"]
    assert [e["status"] for e in await books.exceptions("payout_unmapped")] == ["open"]


async def test_refused_journal_entry_is_posted_once_after_the_accounts_are_fixed(books: Books) -> None:
    await paid_order(books, 6002, ("pi_C", "64.00"))
    record = payout("po_refused", "62.14")
    wrong = GatewayAccounts(**{**STRIPE.model_dump(), "fees": {"default": "9999"}})  # not in the chart
    refused = PayoutPoster(settings(accounts={"stripe": wrong}))
    the_page = page(record, 1, 1, 1, charge("C", "pi_C", "64.00", "1.86"))
    assert await refused.handle(books.pool, books.ns, the_page) == "journal entry refused"
    (exc,) = await books.exceptions("payout_refused")
    assert (exc["status"], exc["owner"], exc["bc_id"]) == ("open", "finance", "stripe:po_refused")
    assert "Invalid account reference key 9999" in exc["message"], "the message quotes NetSuite"
    assert await books.records("journalEntry") == []
    row = await payouts_store.get(books.pool, "stripe", "po_refused")
    assert row is not None and row.je_status == "none"
    assert await refused.handle(books.pool, books.ns, the_page) == "journal entry refused"
    assert [e["occurrences"] for e in await books.exceptions("payout_refused")] == [2]

    fixed = PayoutPoster(settings())
    assert await fixed.process(books.pool, books.ns, row) == "reconciled: 1 charges matched, residual 0.00"
    (entry,) = await books.by_external_id("journalEntry", "PAYOUT-JE-stripe-po_refused")
    assert sides(await books.ns.get("journalEntry", entry["id"], expand=True)) == {
        accounts.OPERATING_BANK: D("62.14"), accounts.STRIPE_FEES: D("1.86"), accounts.STRIPE_CLEARING: D("-64.00")}
    assert [e["status"] for e in await books.exceptions("payout_refused")] == ["auto_resolved"]
    row = await payouts_store.get(books.pool, "stripe", "po_refused")
    assert row is not None and (row.je_status, row.je_ns_id, row.result) == ("posted", entry["id"], "reconciled")
    assert await fixed.process(books.pool, books.ns, row) == "reconciled: 1 charges matched, residual 0.00"
    assert await fixed.handle(books.pool, books.ns, the_page) == "reconciled: 1 charges matched, residual 0.00"
    assert len(await books.records("journalEntry")) == 1, "posted once"
