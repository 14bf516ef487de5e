"""Money in end to end: real broker, PostgreSQL and worker; NetSuite and Stripe sandboxes over HTTP.

Orders become sales orders and customer deposits; shipments become invoices with the deposit applied;
a Stripe payout (webhook → balance transactions → ``payouts`` topic) becomes one journal entry that is
reconciled against the orders it paid — with a charge no order paid, a partial refund, a dispute lost
then won, a converted currency, Stripe 429/503s, duplicated webhooks and a journal entry write whose
connection drops after NetSuite committed it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from connectors.netsuite.sandbox import accounts
from streams.contract import NsFulfilmentEvent, event_id
from streams.contract.codec import encode
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine
from tests.e2e.cash.conftest import STORE, Cash, charge, ids_base, order_of, paid, pi
from tests.support.kafka import produce
from tests.support.netsuite import records
from tests.support.waits import eventually

D = Decimal


async def ship(cash: Cash, so_id: str, order_id: int, quantities: dict[str, int]) -> str:
    """Fulfil ``quantities`` (sales order line → quantity) in NetSuite and publish the fulfilment."""
    order = await cash.ns.get("salesOrder", so_id, expand=True)
    goods = [x for x in order["item"]["items"] if x["itemType"]["id"] == "InvtPart"]
    items = [{"orderLine": x["line"], "quantity": quantities[str(x["line"])]} if str(x["line"]) in quantities
             else {"orderLine": x["line"], "itemReceive": False} for x in goods]
    made = await cash.ns.transform("salesOrder", so_id, "itemFulfillment", {"item": {"items": items}})
    record = await cash.ns.get("itemFulfillment", made.id, expand=True)
    by_line = {str(x["line"]): x for x in goods}
    f = NsFulfilment(
        ns_id=made.id, tran_id=record.get("tranId", ""), sales_order_ns_id=so_id, bc_order_id=order_id,
        store_hash=STORE, ship_date=date.today(), status="shipped", last_modified=datetime.now(UTC),
        lines=tuple(NsFulfilmentLine(sku=str(by_line[k]["item"].get("refName", "")), ns_item_id=str(
            by_line[k]["item"]["id"]), quantity=D(q), order_line=k) for k, q in quantities.items()))
    event = NsFulfilmentEvent.build(f, key=str(order_id), source="netsuite:TEST",
                                    event_id=event_id("TEST", "fulfilment", made.id, f.last_modified))
    await produce(cash.kafka.bootstrap, NsFulfilmentEvent.TOPIC, [(str(order_id).encode(), encode(event))])
    return made.id


async def payout_row(dsn: str, payout_id: str, results: tuple[str, ...], timeout: float = 90.0) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def done() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            row = await conn.fetchrow("SELECT * FROM payouts WHERE payout_id = $1", payout_id)
        finally:
            await conn.close()
        if row is not None and row["result"] in results:
            found.update(dict(row))
            return True
        return False

    await eventually(done, timeout=timeout, what=f"payout {payout_id} {'/'.join(results)}")
    return found


def sides(entry: dict[str, Any]) -> dict[str, D]:
    """Account → signed amount (debit positive) of a journal entry as NetSuite stores it."""
    out: dict[str, D] = {}
    for line in entry["line"]["items"]:
        amount = D(str(line.get("debit") or 0)) - D(str(line.get("credit") or 0))
        out[line["account"]["id"]] = out.get(line["account"]["id"], D(0)) + amount
    return out


async def open_exceptions(dsn: str, kind: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch("SELECT * FROM exceptions WHERE kind = $1 AND status IN ('open', 'retrying')",
                                     kind))
    finally:
        await conn.close()


async def test_payments_shipments_and_payouts_reach_the_ledger_once_and_reconcile(
        cash: Cash, migrated_db: str) -> None:
    base = ids_base()
    pis = {n: pi() for n in range(1, 6)}
    a = paid(order_of(cash, base + 1, (0, D("3.33"), 3), (1, D("10.00"), 1)), pis[1])
    b = paid(order_of(cash, base + 2, (2, D("25.00"), 2)), pis[2])
    store_credit_only = order_of(cash, base + 3, (0, D("5.00"), 1))
    c = paid(store_credit_only, None, store_credit_amount=store_credit_only.total_inc_tax)
    euro = order_of(cash, base + 4, (1, D("40.00"), 1))
    d = paid(euro.model_copy(update={"currency_code": "EUR"}), pis[4])
    await cash.orders(a, b, c, d)

    deposits = {o.order_id: await cash.record("customerDeposit", f"BC-DEP-{STORE}-{o.order_id}-1")
                for o in (a, b, d)}
    assert D(str(deposits[a.order_id]["payment"])) == a.total_inc_tax
    assert deposits[a.order_id]["account"]["id"] == accounts.STRIPE_CLEARING
    assert deposits[d.order_id]["currency"]["id"] == "2", "the EUR order's deposit is in euros"
    credit = await cash.record("customerDeposit", f"BC-DEP-{STORE}-{c.order_id}-SC")
    assert credit["account"]["id"] == accounts.STORE_CREDIT_CLEARING
    assert D(str(credit["payment"])) == c.total_inc_tax

    # Order A ships in two parts: two invoices that add up to its sales order, both paid by its deposit.
    so = await cash.record("salesOrder", f"BC-SO-{STORE}-{a.order_id}")
    lines = [str(x["line"]) for x in (await cash.ns.get("salesOrder", so["id"], expand=True))["item"]["items"]
             if x["itemType"]["id"] == "InvtPart"]
    first = await ship(cash, so["id"], a.order_id, {lines[0]: 1})
    invoice_1 = await cash.record("invoice", f"BC-INV-{STORE}-{a.order_id}-{first}")
    second = await ship(cash, so["id"], a.order_id, {lines[0]: 2, lines[1]: 1})
    invoice_2 = await cash.record("invoice", f"BC-INV-{STORE}-{a.order_id}-{second}")
    assert D(str(invoice_1["total"])) + D(str(invoice_2["total"])) == D(str(so["total"])) == a.total_inc_tax

    async def both_paid() -> bool:
        invoices = [await cash.ns.get("invoice", i["id"]) for i in (invoice_1, invoice_2)]
        return all(D(str(i["amountRemaining"])) == 0 for i in invoices)

    await eventually(both_paid, timeout=60, what="order A's invoices paid by its deposit")

    # The payout: three orders' charges (one converted from EUR), one charge no order paid, a partial
    # refund of A, a dispute of B (lost for now); Stripe answers 429 and 503 first; webhooks arrive twice;
    # NetSuite drops the connection after committing the journal entry.
    await cash.stripe_admin("charges", [
        charge(pis[1], a.total_inc_tax), charge(pis[2], b.total_inc_tax),
        charge(pis[4], d.total_inc_tax, presentment_currency="eur", exchange_rate="1.1"),
        charge(pis[5], D("12.00"), description="a phone order taken in the Stripe dashboard"),
    ])
    await cash.stripe_admin("refunds", {"payment_intent": pis[1], "amount": "5.00"})
    dispute = await cash.stripe_admin("disputes", {"charge": _charge_id(cash, pis[2])})
    await cash.stripe_admin("faults", {"status": 429, "count": 2, "path_prefix": "/v1/balance_transactions"})
    await cash.stripe_admin("faults", {"status": 503, "count": 1, "path_prefix": "/v1/payouts"})
    await cash.stripe_admin("webhooks", {"duplicate": True})
    await cash.http.post(f"{cash.netsuite.url}/__sandbox/config", json={"drop_after_commit_next": 1})
    payout = await cash.stripe_admin("payouts", {"currency": "usd"})

    row = await payout_row(migrated_db, payout["id"], ("mismatch", "reconciled"))
    assert row["result"] == "mismatch", "a charge no BigCommerce order paid cannot reconcile"
    assert row["residual"] == D("12.00")
    entry = await cash.record("journalEntry", f"PAYOUT-JE-stripe-{payout['id']}")
    amounts = sides(await cash.ns.get("journalEntry", entry["id"], expand=True))
    assert sum(amounts.values()) == 0, "debits equal credits"
    assert amounts[accounts.OPERATING_BANK] == D(payout["amount"]) / 100, "the bank line is the payout"
    assert amounts[accounts.REFUNDS] == D("5.00")
    assert amounts[accounts.CHARGEBACKS] == b.total_inc_tax
    assert amounts[accounts.DISPUTE_FEES] == D("15.00")
    # (only this payout's: a new worker also reads earlier tests' payouts, which the session's topic keeps)
    mine: list[asyncpg.Record] = []

    async def raised() -> bool:
        mine[:] = [x for x in await open_exceptions(migrated_db, "payout_mismatch")
                   if x["bc_id"] == f"stripe:{payout['id']}"]
        return bool(mine)

    await eventually(raised, timeout=30, what="the payout's payout_mismatch exception")
    (mismatch,) = mine
    assert "no BigCommerce order" in mismatch["message"] and "$12.00" in mismatch["message"]
    assert mismatch["owner"] == "finance"

    # The dispute is won and order E is paid: the next payout reconciles to 0.00; then it fails at the bank
    # and its journal entry is reversed.
    await cash.stripe_admin("webhooks", {"duplicate": False})
    e = paid(order_of(cash, base + 5, (2, D("19.99"), 1)), pi())
    await cash.orders(e)
    await cash.record("customerDeposit", f"BC-DEP-{STORE}-{e.order_id}-1")
    await cash.stripe_admin(f"disputes/{dispute['id']}/close", {"status": "won"})
    await cash.stripe_admin("charges", [charge(e.payment_provider_id or "", e.total_inc_tax)])
    second_payout = await cash.stripe_admin("payouts", {"currency": "usd"})
    row = await payout_row(migrated_db, second_payout["id"], ("reconciled", "mismatch"))
    assert (row["result"], row["residual"]) == ("reconciled", D(0))
    await cash.stripe_admin(f"payouts/{second_payout['id']}/fail", {"failure_code": "account_closed"})
    row = await payout_row(migrated_db, second_payout["id"], ("failed",))
    reversal = await cash.record("journalEntry", f"PAYOUT-JE-stripe-{second_payout['id']}-REVERSAL")
    original = await cash.record("journalEntry", f"PAYOUT-JE-stripe-{second_payout['id']}")
    back = sides(await cash.ns.get("journalEntry", reversal["id"], expand=True))
    assert back == {k: -v for k, v in sides(await cash.ns.get("journalEntry", original["id"], expand=True)).items()}
    assert row["je_status"] == "reversed" and row["reversal_ns_id"] == str(reversal["id"])

    journal = [r for r in await _records(cash, "journalEntry") if payout["id"] in (r.get("externalId") or "")]
    assert len(journal) == 1, "the first payout was posted once despite the duplicates and the dropped write"

    # An instant payout lists no lines: nothing is guessed, finance reconciles it by dates.
    await cash.stripe_admin("charges", [charge(pi(), D("30.00"))])
    instant = await cash.stripe_admin("payouts", {"currency": "usd", "method": "instant"})
    row = await payout_row(migrated_db, instant["id"], ("date_window",))
    assert row["je_status"] == "none"
    assert any(instant["id"] in x["message"] for x in await open_exceptions(migrated_db, "payout_date_window"))


def _charge_id(cash: Cash, payment_intent: str) -> str:
    return str(cash.stripe.store.by_payment_intent[payment_intent])


async def _records(cash: Cash, record_type: str) -> list[dict[str, Any]]:
    return await records(cash.netsuite.url, record_type)
