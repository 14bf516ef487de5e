"""``o2c payouts list|show|reconcile``: finance's report of a posted payout, read from the real PostgreSQL."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from state import payouts as payouts_store
from streams.cash.cli import payouts_command
from streams.cash.payout_poster import PayoutPoster
from streams.platform.settings import Settings
from tests.integration.cash.conftest import Books, settings
from tests.integration.cash.test_payouts import charge, page, paid_order, payout


async def test_show_list_and_reconcile_print_what_finance_needs(books: Books, migrated_db: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    await paid_order(books, 7101, ("pi_cli_a", "40.00"))
    lines = (charge("cli1", "pi_cli_a", "40.00", "1.46"), charge("cli2", "pi_cli_stray", "10.00", "0.59"))
    record = payout("po_cli_1", "47.95")
    assert (await PayoutPoster(settings()).handle(books.pool, books.ns, page(record, 1, 1, 2, *lines))).startswith(
        "mismatch")
    cli = Settings(database_url=SecretStr(migrated_db))

    assert await payouts_command(cli, "show", "stripe:po_cli_1") == 0
    report = capsys.readouterr().out
    assert "Payout po_cli_1 (stripe): paid" in report
    assert "charges" in report and "$50.00" in report
    assert "fees" in report and "-$2.05" in report
    assert "net to the bank" in report and "$47.95" in report and "(equal)" in report
    assert "PAYOUT-JE-stripe-po_cli_1" in report
    assert "1 of 2 charges" in report and "no BigCommerce order     1" in report
    assert "clearing residual        $10.00 → mismatch" in report

    assert await payouts_command(cli, "list") == 0
    listed = capsys.readouterr().out
    assert "stripe:po_cli_1" in listed and "mismatch" in listed

    # the stray charge turns out to be an order o2c books later: reconcile now, without waiting for the timer
    await paid_order(books, 7102, ("pi_cli_stray", "10.00"))
    assert await payouts_command(cli, "reconcile", "po_cli_1") == 0
    assert "clearing residual        $0.00 → reconciled" in capsys.readouterr().out
    row = await payouts_store.get(books.pool, "stripe", "po_cli_1")
    assert row is not None and row.result == "reconciled"

    assert await payouts_command(cli, "show", "po_nothing") == 1
