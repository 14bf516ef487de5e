"""Refund lines of a payout against the customer refunds o2c recorded (issue 14), on the real PostgreSQL and
the NetSuite sandbox: with refunds to clearing each refund line relieves the clearing account and must match
one customer refund (``return_documents`` rf, inserted here as the returns flow leaves them)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import SecretStr

from connectors.netsuite.sandbox import accounts
from state import payouts as payouts_store
from streams.cash.cli import payouts_command
from streams.cash.payout_poster import PayoutPoster
from streams.contract.payouts import PayoutLineRecord
from streams.platform.settings import Settings
from tests.integration.cash.conftest import STORE, Books, settings
from tests.integration.cash.test_payouts import charge, page, paid_order, payout, sides


def refund(line_id: str, payment_intent: str, charge_id: str, gross: str) -> PayoutLineRecord:
    """A refund line: the gateway paid ``-gross`` back to the customer of that payment."""
    return PayoutLineRecord(line_id=line_id, kind="refund", gross=D(gross), net=D(gross), currency="USD",
                            charge_id=charge_id, payment_intent=payment_intent, refund_id=f"re_{line_id}")


async def customer_refund(books: Books, order_id: int, refund_id: int, amount: str, payment_intent: str,
                          n: str = "1", status: str = "created") -> str:
    """The customer refund the returns flow records for a BigCommerce refund paid back through Stripe."""
    external_id = f"BC-RF-{STORE}-{refund_id}-{n}"
    await books.pool.execute(
        """INSERT INTO return_documents (store_hash, refund_id, doc, n, order_id, external_id, status, ns_id, amount,
                                         gateway, gateway_transaction_id, account_id)
           VALUES ($1, $2, 'rf', $3, $4, $5, $6, $7, $8, 'stripe', $9, $10)""",
        STORE, refund_id, n, order_id, external_id, status, f"ns-rf-{refund_id}-{n}" if status == "created" else None,
        D(amount), payment_intent, accounts.STRIPE_CLEARING)
    return external_id


async def matches(books: Books, payout_id: str) -> dict[str, tuple[str, int | None, str | None]]:
    rows = await books.pool.fetch("SELECT line_id, outcome, order_id, refund_external_id FROM payout_matches "
                                  "WHERE gateway = 'stripe' AND payout_id = $1", payout_id)
    return {r["line_id"]: (r["outcome"], r["order_id"], r["refund_external_id"]) for r in rows}


async def last_run(books: Books, payout_id: str) -> tuple[int, int, D, D, str]:
    row = await books.pool.fetchrow(
        "SELECT refunds, refunds_matched, refunds_recorded, residual, result FROM payout_reconciliations "
        "WHERE gateway = 'stripe' AND payout_id = $1 ORDER BY id DESC LIMIT 1", payout_id)
    assert row is not None
    return row["refunds"], row["refunds_matched"], row["refunds_recorded"], row["residual"], row["result"]


async def journal(books: Books, external_id: str) -> dict[str, D]:
    (entry,) = await books.by_external_id("journalEntry", external_id)
    return sides(await books.ns.get("journalEntry", entry["id"], expand=True))


async def test_a_refund_line_matched_to_its_customer_refund_relieves_clearing(
        books: Books, migrated_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    await paid_order(books, 8001, ("pi_rf_a", "100.00"))
    rf = await customer_refund(books, 8001, 1, "30.00", "pi_rf_a")
    lines = (charge("rfa1", "pi_rf_a", "100.00", "3.20"), refund("rfa2", "pi_rf_a", "ch_rfa1", "-30.00"))
    poster = PayoutPoster(settings(refunds_to_clearing=True))
    outcome = await poster.handle(books.pool, books.ns, page(payout("po_rf_a", "66.80"), 1, 1, 2, *lines))
    assert outcome == ("reconciled: 1 charges matched, residual 0.00, 1 refunds matched to customer refunds")
    # +100 deposit −100 charge paid out −30 customer refund +30 refund paid back: clearing nets to zero
    assert await journal(books, "PAYOUT-JE-stripe-po_rf_a") == {
        accounts.OPERATING_BANK: D("66.80"), accounts.STRIPE_FEES: D("3.20"), accounts.STRIPE_CLEARING: D("-70.00")}
    assert await matches(books, "po_rf_a") == {"rfa1": ("matched", 8001, None), "rfa2": ("matched", 8001, rf)}
    assert await last_run(books, "po_rf_a") == (1, 1, D("30.00"), D(0), "reconciled")

    cli = Settings(database_url=SecretStr(migrated_db))
    assert await payouts_command(cli, "show", "stripe:po_rf_a") == 0
    report = capsys.readouterr().out
    assert "1 of 1 charges" in report
    assert "refunds                  1 refund lines, -$30.00" in report
    assert "refunds matched          1 of 1 to customer refunds o2c recorded, $30.00 recorded" in report
    assert "re_rfa2" in report and "order 8001" in report and f"customer refund {rf}" in report
    assert "clearing residual        $0.00 → reconciled" in report


async def test_equal_refunds_of_one_order_pair_one_to_one_and_are_never_taken_twice(books: Books) -> None:
    await paid_order(books, 8002, ("pi_rf_b", "60.00"))
    first = await customer_refund(books, 8002, 21, "10.00", "pi_rf_b")
    second = await customer_refund(books, 8002, 22, "10.00", "pi_rf_b")
    poster = PayoutPoster(settings(refunds_to_clearing=True))
    lines = (charge("rfb1", "pi_rf_b", "60.00", "2.04"), refund("rfb2", "pi_rf_b", "ch_rfb1", "-10.00"),
             refund("rfb3", "pi_rf_b", "ch_rfb1", "-10.00"))
    outcome = await poster.handle(books.pool, books.ns, page(payout("po_rf_b", "37.96"), 1, 1, 3, *lines))
    assert outcome.startswith("reconciled")
    assert await matches(books, "po_rf_b") == {"rfb1": ("matched", 8002, None), "rfb2": ("matched", 8002, first),
                                               "rfb3": ("matched", 8002, second)}
    assert await last_run(books, "po_rf_b") == (2, 2, D("20.00"), D(0), "reconciled")
    # re-running the same payout keeps the same pairs (its own matches are not "taken")
    again = await payouts_store.get(books.pool, "stripe", "po_rf_b")
    assert again is not None and (await poster.reconcile(books.pool, again)).startswith("reconciled")
    assert (await matches(books, "po_rf_b"))["rfb3"] == ("matched", 8002, second)

    # a third refund of 10.00 in the next payout: both customer refunds are taken by po_rf_b's lines
    later = (refund("rfb4", "pi_rf_b", "ch_rfb1", "-10.00"),)
    outcome = await poster.handle(books.pool, books.ns, page(payout("po_rf_b2", "-10.00"), 1, 1, 1, *later))
    assert outcome == "mismatch: residual -10.0000"
    assert await matches(books, "po_rf_b2") == {"rfb4": ("no_refund", 8002, None)}
    third = await customer_refund(books, 8002, 23, "10.00", "pi_rf_b")
    (row,) = [r for r in await payouts_store.needing_reconciliation(books.pool) if r.payout_id == "po_rf_b2"]
    assert (await poster.reconcile(books.pool, row)).startswith("reconciled")
    assert await matches(books, "po_rf_b2") == {"rfb4": ("matched", 8002, third)}
    assert (await matches(books, "po_rf_b"))["rfb2"] == ("matched", 8002, first)


async def test_a_refund_recorded_after_the_payout_reconciles_it_on_the_next_check(books: Books) -> None:
    await paid_order(books, 8003, ("pi_rf_c", "80.00"))
    await paid_order(books, 8004, ("pi_rf_d", "40.00"))
    poster = PayoutPoster(settings(refunds_to_clearing=True))
    lines = (charge("rfc1", "pi_rf_c", "80.00", "2.62"), charge("rfd1", "pi_rf_d", "40.00", "1.46"),
             refund("rfc2", "pi_rf_c", "ch_rfc1", "-25.00"), refund("rfd2", "pi_rf_d", "ch_rfd1", "-40.00"),
             refund("rfx2", "pi_rf_stray", "ch_stray", "-5.00"))
    await customer_refund(books, 8004, 41, "15.00", "pi_rf_d")  # a different amount: not this line's
    await customer_refund(books, 8003, 31, "25.00", "pi_rf_c", status="pending")  # not in NetSuite yet
    outcome = await poster.handle(books.pool, books.ns, page(payout("po_rf_c", "45.92"), 1, 1, 5, *lines))
    assert outcome == "mismatch: residual -70.0000"
    assert await matches(books, "po_rf_c") == {
        "rfc1": ("matched", 8003, None), "rfd1": ("matched", 8004, None), "rfc2": ("no_refund", 8003, None),
        "rfd2": ("no_refund", 8004, None), "rfx2": ("no_order", None, None)}
    assert await last_run(books, "po_rf_c") == (3, 0, D(0), D("-70.00"), "mismatch")
    (exc,) = await books.exceptions("payout_mismatch")
    assert exc["status"] == "open" and exc["owner"] == "finance"
    assert ("contains 2 refunds o2c has not recorded as customer refunds in NetSuite: orders 8003, 8004 (their "
            "BigCommerce refunds are waiting or were refused; see the orders' exceptions") in exc["message"]
    assert "1 refund of payments no BigCommerce order paid: ch_stray (-$5.00)" in exc["message"]
    assert "off by -$70.00" in exc["message"]
    assert [r.payout_id for r in await payouts_store.needing_reconciliation(books.pool)] == [], "nothing changed"

    # the returns flow books the customer refunds; the timer's query finds the payout, which now reconciles
    # except for the stray refund, booked by hand
    await books.pool.execute("UPDATE return_documents SET status = 'created', ns_id = 'ns-rf-31', "
                             "updated_at = now() WHERE refund_id = 31")
    rf_d = await customer_refund(books, 8004, 42, "40.00", "pi_rf_d")
    (row,) = await payouts_store.needing_reconciliation(books.pool)
    assert row.payout_id == "po_rf_c"
    assert await poster.reconcile(books.pool, row) == "mismatch: residual -5.0000"
    found = await matches(books, "po_rf_c")
    assert found["rfc2"] == ("matched", 8003, f"BC-RF-{STORE}-31-1") and found["rfd2"] == ("matched", 8004, rf_d)
    assert await last_run(books, "po_rf_c") == (3, 2, D("65.00"), D("-5.00"), "mismatch")
    (exc,) = await books.exceptions("payout_mismatch")
    assert "not recorded as customer refunds" not in exc["message"] and "ch_stray" in exc["message"]


async def test_with_refunds_to_clearing_off_refunds_go_to_the_refunds_account_as_before(books: Books) -> None:
    await paid_order(books, 8005, ("pi_rf_e", "100.00"))
    await customer_refund(books, 8005, 51, "30.00", "pi_rf_e")
    lines = (charge("rfe1", "pi_rf_e", "100.00", "3.20"), refund("rfe2", "pi_rf_e", "ch_rfe1", "-30.00"),
             refund("rfe3", "pi_rf_nobody", "ch_nobody", "-7.00"))
    poster = PayoutPoster(settings())
    assert settings().refunds_to_clearing is False, "off by default"
    outcome = await poster.handle(books.pool, books.ns, page(payout("po_rf_e", "59.80"), 1, 1, 3, *lines))
    assert outcome == "reconciled: 1 charges matched, residual 0.00"
    assert await journal(books, "PAYOUT-JE-stripe-po_rf_e") == {
        accounts.OPERATING_BANK: D("59.80"), accounts.STRIPE_FEES: D("3.20"), accounts.REFUNDS: D("37.00"),
        accounts.STRIPE_CLEARING: D("-100.00")}
    assert await matches(books, "po_rf_e") == {"rfe1": ("matched", 8005, None), "rfe2": ("info", 8005, None),
                                               "rfe3": ("info", None, None)}
    assert await last_run(books, "po_rf_e") == (2, 0, D(0), D(0), "reconciled")
