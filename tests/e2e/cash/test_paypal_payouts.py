"""PayPal payouts end to end: real broker, PostgreSQL and worker; NetSuite sandbox over HTTP; STL files.

Orders paid through BigCommerce's ``paypalcommerce`` gateway become customer deposits into the PayPal
clearing account carrying the PayPal capture id. A day's Settlement Report (sales with fees, a refund, a
chargeback and its fee, the withdrawal) dropped in the folder becomes one journal entry per withdrawal,
reconciled against those deposits; a sale after the withdrawal carries into the next day's file, whose
withdrawal pays it out; an identical re-drop imports nothing, a changed file under an imported name is a
finance exception.
"""

from __future__ import annotations

import random
import string
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from connectors.netsuite.sandbox import accounts
from connectors.payments.paypal.sandbox.server import SandboxServer
from connectors.payments.paypal.sandbox.server import start_sandbox as start_paypal
from connectors.payments.paypal.sandbox.state import transaction_detail
from connectors.payments.paypal.stl_writer import SettlementTransaction, stl_file_name, write_settlement
from streams.contract import BcOrderSnapshot
from streams.contract.bigcommerce import BcTransaction
from tests.e2e.cash.conftest import ACCOUNTS, STORE, Cash, ids_base, order_of
from tests.e2e.cash.test_money_in import open_exceptions, payout_row, sides
from tests.support.netsuite import records
from tests.support.waits import eventually

D = Decimal
T = SettlementTransaction
PAYPAL_ACCOUNTS = {
    **ACCOUNTS,
    "paypal": {"clearing": accounts.PAYPAL_CLEARING, "bank": accounts.OPERATING_BANK,
               "fees": {"default": accounts.PAYPAL_FEES}, "refunds": accounts.REFUNDS,
               "disputes": accounts.CHARGEBACKS, "reserves": accounts.GATEWAY_RESERVES,
               "adjustments": accounts.PAYOUT_ADJUSTMENTS},
}
MERCHANT = "PAYPALMERCHANT1"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "stl"
    path.mkdir()
    return path


@pytest.fixture
async def paypal() -> AsyncIterator[SandboxServer]:
    server = await start_paypal("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def cash_env(folder: Path, paypal: SandboxServer) -> dict[str, str]:
    """Both PayPal sources on: the settlement folder and Transaction Search (the sandbox)."""
    return {"O2C_PAYPAL_ENABLED": "true", "O2C_PAYPAL_SETTLEMENT_FOLDER": str(folder),
            "O2C_PAYPAL_POLL_INTERVAL": "1", "O2C_CASH_ACCOUNTS": orjson.dumps(PAYPAL_ACCOUNTS).decode(),
            "O2C_PAYPAL_API_BASE": paypal.url, "O2C_PAYPAL_CLIENT_ID": "sandbox-client",
            "O2C_PAYPAL_CLIENT_SECRET": "sandbox-secret"}


def capture_id() -> str:
    """A PayPal capture id: 17 upper-case letters and digits."""
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=17))


def paid_by_paypal(order: BcOrderSnapshot, capture: str) -> BcOrderSnapshot:
    """The order as BigCommerce has it once PayPal Commerce captured its total."""
    txn = BcTransaction(id=order.order_id, event="purchase", amount=order.total_inc_tax,
                        currency=order.currency_code, gateway="paypalcommerce", gateway_transaction_id=capture,
                        status="ok")
    return order.model_copy(update={"transactions": (txn,), "payment_provider_id": capture})


def drop(folder: Path, name: str, data: bytes) -> None:
    """Write the file under a temporary name first (as an SFTP upload ends), then give it its name."""
    temporary = folder / f".{name}.part"
    temporary.write_bytes(data)
    temporary.rename(folder / name)


def net(rows: list[T]) -> D:
    return sum((t.gross - t.fee for t in rows), D(0))


async def journal_entries(cash: Cash, withdrawal: str) -> list[dict[str, Any]]:
    return [r for r in await records(cash.netsuite.url, "journalEntry")
            if (r.get("externalId") or "") == f"PAYOUT-JE-paypal-{withdrawal}"]


async def test_settlement_files_become_reconciled_journal_entries_once(
        cash: Cash, migrated_db: str, folder: Path) -> None:
    base = ids_base()
    orders = [paid_by_paypal(order_of(cash, base + n, (n % 3, D(price), qty)), capture_id())
              for n, price, qty in ((1, "12.50", 2), (2, "30.00", 1), (3, "7.25", 4), (4, "19.99", 1))]
    await cash.orders(*orders)
    for order in orders:
        deposit = await cash.record("customerDeposit", f"BC-DEP-{STORE}-{order.order_id}-1")
        assert deposit["account"]["id"] == accounts.PAYPAL_CLEARING
        assert D(str(deposit["payment"])) == order.total_inc_tax
    a, b, c, late = orders
    capture = {o.order_id: o.payment_provider_id or "" for o in orders}

    day = date.today() - timedelta(days=2)
    next_day = day + timedelta(days=1)

    def at(when: date, hour: int, minute: int = 0) -> datetime:
        return datetime(when.year, when.month, when.day, hour, minute, tzinfo=UTC)

    # Day one: three sales with fees, a partial refund of A (part of its fee returned), a chargeback of B
    # and its fee, the withdrawal of the balance; then order D's sale, after the withdrawal.
    paid_out = [
        T(capture[a.order_id], "T0006", a.total_inc_tax, D("1.22"), invoice_id=f"BC-{a.order_id}",
          initiated=at(day, 9)),
        T(capture[b.order_id], "T0006", b.total_inc_tax, D("1.54"), initiated=at(day, 10)),
        T(capture[c.order_id], "T0006", c.total_inc_tax, D("1.35"), initiated=at(day, 11)),
        T(capture_id(), "T1107", D("-5.00"), D("-0.15"), reference_id=capture[a.order_id], initiated=at(day, 12)),
        T(capture_id(), "T1201", -b.total_inc_tax, reference_id=capture[b.order_id], initiated=at(day, 13)),
        T(capture_id(), "T0106", D("-20.00"), reference_id=capture[b.order_id], initiated=at(day, 13, 1)),
    ]
    withdrawal_1 = capture_id()
    sale_after = T(capture[late.order_id], "T0006", late.total_inc_tax, D("0.88"), initiated=at(day, 23, 30))
    day_one = [*paid_out, T(withdrawal_1, "T0400", -net(paid_out), initiated=at(day, 23), bank_reference="ACH1"),
               sale_after]
    first_file = stl_file_name(day)
    first_data = write_settlement(day_one, report_date=day, account_id=MERCHANT)
    drop(folder, first_file, first_data)

    row = await payout_row(migrated_db, withdrawal_1, ("reconciled", "mismatch", "unbalanced", "date_window"))
    assert (row["result"], row["residual"]) == ("reconciled", D(0)), row["detail"]
    assert row["amount"] == net(paid_out)
    entry = await cash.record("journalEntry", f"PAYOUT-JE-paypal-{withdrawal_1}")
    amounts = sides(await cash.ns.get("journalEntry", entry["id"], expand=True))
    assert sum(amounts.values()) == 0, "debits equal credits"
    assert amounts[accounts.OPERATING_BANK] == net(paid_out), "the bank line is the withdrawal"
    assert amounts[accounts.PAYPAL_CLEARING] == -(a.total_inc_tax + b.total_inc_tax + c.total_inc_tax)
    assert amounts[accounts.REFUNDS] == D("5.00")
    assert amounts[accounts.CHARGEBACKS] == b.total_inc_tax
    assert amounts[accounts.PAYPAL_FEES] == D("1.22") + D("1.54") + D("1.35") - D("0.15") + D("20.00")
    matches = await _matches(migrated_db, withdrawal_1)
    assert matches == {capture[o.order_id]: ("matched", o.order_id) for o in (a, b, c)} | {
        t.transaction_id: ("info", o.order_id) for t, o in ((paid_out[3], a), (paid_out[4], b))}

    # The same file dropped again: set aside, nothing new.
    drop(folder, first_file, first_data)

    async def set_aside() -> bool:
        return not (folder / first_file).exists()

    await eventually(set_aside, timeout=30, what="the identical re-drop set aside")
    assert len(list((folder / "imported" / "duplicates").iterdir())) == 1

    # Day two: only the withdrawal, which pays out D's sale carried from day one.
    withdrawal_2 = capture_id()
    day_two = [T(withdrawal_2, "T0400", -(late.total_inc_tax - D("0.88")), initiated=at(next_day, 23))]
    drop(folder, stl_file_name(next_day), write_settlement(day_two, report_date=next_day, account_id=MERCHANT))
    row = await payout_row(migrated_db, withdrawal_2, ("reconciled", "mismatch", "unbalanced", "date_window"))
    assert (row["result"], row["residual"]) == ("reconciled", D(0)), row["detail"]
    entry_2 = await cash.record("journalEntry", f"PAYOUT-JE-paypal-{withdrawal_2}")
    amounts_2 = sides(await cash.ns.get("journalEntry", entry_2["id"], expand=True))
    assert amounts_2 == {accounts.OPERATING_BANK: late.total_inc_tax - D("0.88"),
                         accounts.PAYPAL_FEES: D("0.88"), accounts.PAYPAL_CLEARING: -late.total_inc_tax}
    assert await _matches(migrated_db, withdrawal_2) == {capture[late.order_id]: ("matched", late.order_id)}

    # Day one's file changed (say PayPal reissued it) under the same name: not imported, finance is told.
    changed = [*day_one[:-1], T(sale_after.transaction_id, "T0006", late.total_inc_tax, D("0.99"),
                                initiated=sale_after.initiated)]
    drop(folder, first_file, write_settlement(changed, report_date=day, account_id=MERCHANT))

    async def conflict() -> bool:
        return bool(await open_exceptions(migrated_db, "settlement_conflict"))

    await eventually(conflict, timeout=30, what="a settlement_conflict exception")
    (exception,) = await open_exceptions(migrated_db, "settlement_conflict")
    assert exception["owner"] == "finance" and exception["bc_id"] == first_file
    assert first_file in exception["message"] and "different contents" in exception["message"]
    assert "nothing in the new file was booked" in exception["message"]
    assert (folder / first_file).exists(), "the changed file stays where it was dropped for finance to compare"

    assert len(await journal_entries(cash, withdrawal_1)) == 1
    assert len(await journal_entries(cash, withdrawal_2)) == 1
    assert await open_exceptions(migrated_db, "settlement_unreadable") == []
    # (the session's shared payouts topic may bring other tests' Stripe payouts: only PayPal's count here)
    assert [e for e in await open_exceptions(migrated_db, "payout_mismatch") if e["bc_id"].startswith("paypal:")] \
        == []
    conn = await asyncpg.connect(migrated_db)
    try:
        assert await conn.fetchval("SELECT count(*) FROM payouts WHERE gateway = 'paypal'") == 2
        assert await conn.fetchval("SELECT count(*) FROM payout_files WHERE gateway = 'paypal'") == 2
    finally:
        await conn.close()


async def test_transaction_search_withdrawals_are_published_since_the_cursor(
        cash: Cash, migrated_db: str, paypal: SandboxServer) -> None:
    base = ids_base() + 5
    first, second = [paid_by_paypal(order_of(cash, base + n, (n, D("21.40"), n)), capture_id()) for n in (1, 2)]
    await cash.orders(first, second)
    for order in (first, second):
        await cash.record("customerDeposit", f"BC-DEP-{STORE}-{order.order_id}-1")
    # The worker has been polling since it started (its cursor is at its last poll): records show up in
    # Transaction Search late, but within PayPal's three hours, which each poll reads again.
    now = datetime.now(UTC).replace(microsecond=0)
    sale_1 = T(first.payment_provider_id or "", "T0006", first.total_inc_tax, D("0.92"),
               initiated=now - timedelta(hours=26))
    withdrawal_1 = T(capture_id(), "T0400", -(sale_1.gross - sale_1.fee), initiated=now - timedelta(hours=2))
    sale_2 = T(second.payment_provider_id or "", "T0006", second.total_inc_tax, D("1.13"),
               initiated=now - timedelta(hours=1))
    await _seed(cash, paypal, sale_1, withdrawal_1, sale_2)

    row = await payout_row(migrated_db, withdrawal_1.transaction_id, ("reconciled", "mismatch", "unbalanced"))
    assert (row["result"], row["residual"]) == ("reconciled", D(0)), row["detail"]
    conn = await asyncpg.connect(migrated_db)
    try:
        cursor = await conn.fetchrow("SELECT * FROM cursors WHERE name = 'paypal:transaction_search'")
        assert cursor is not None and cursor["watermark"] >= now - timedelta(seconds=1)
    finally:
        await conn.close()

    # The next withdrawal, initiated after the cursor: it pays out the sale made after the first one.
    withdrawal_2 = T(capture_id(), "T0400", -(sale_2.gross - sale_2.fee), initiated=datetime.now(UTC))
    await _seed(cash, paypal, withdrawal_2)
    row = await payout_row(migrated_db, withdrawal_2.transaction_id, ("reconciled", "mismatch", "unbalanced"))
    assert (row["result"], row["residual"]) == ("reconciled", D(0)), row["detail"]
    entry = await cash.record("journalEntry", f"PAYOUT-JE-paypal-{withdrawal_2.transaction_id}")
    assert sides(await cash.ns.get("journalEntry", entry["id"], expand=True)) == {
        accounts.OPERATING_BANK: sale_2.gross - sale_2.fee, accounts.PAYPAL_FEES: sale_2.fee,
        accounts.PAYPAL_CLEARING: -second.total_inc_tax}
    for withdrawal in (withdrawal_1, withdrawal_2):
        assert len(await journal_entries(cash, withdrawal.transaction_id)) == 1
    assert paypal.state.token_requests >= 1 and paypal.state.searches, "the worker asked Transaction Search"


async def _seed(cash: Cash, paypal: SandboxServer, *rows: T) -> None:
    response = await cash.http.post(f"{paypal.url}/__sandbox/transactions", json=[transaction_detail(t) for t in rows])
    assert response.status_code == 201, response.text


async def _matches(dsn: str, payout_id: str) -> dict[str, tuple[str, int | None]]:
    """Each line's charge id (or own id for refunds and disputes) → (outcome, order)."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT l.line_id, l.kind, l.charge_id, m.outcome, m.order_id FROM payout_lines l "
            "JOIN payout_matches m USING (gateway, payout_id, line_id) WHERE l.gateway = 'paypal' AND l.payout_id = $1",
            payout_id)
    finally:
        await conn.close()
    return {r["line_id"]: (r["outcome"], r["order_id"]) for r in rows}
