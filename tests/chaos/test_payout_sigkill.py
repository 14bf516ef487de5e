"""SIGKILL the worker twice while a 6,000-line Stripe payout is stored and posted; it still posts once.

Real broker, PostgreSQL and worker processes; Stripe and NetSuite sandboxes over HTTP. The payout (6,000
charges, so three pages of 2,000 lines on ``payouts``) arrives by webhook; the worker is killed

1. once the first page of the payout is in PostgreSQL and the rest are not (mid-storing), then
2. right after NetSuite committed the journal entry but before the worker recorded it: the sandbox drops
   the connection after the commit (``drop_after_commit_next``) and, with 1.5 s of NetSuite latency, the
   worker is killed while its retry is on its way, as soon as the entry is visible in NetSuite.

Each time a new worker takes over the same consumer group (and ports, so webhooks still reach it). In
the end: exactly one journal entry with the payout's externalId, its bank line the payout amount, debits
equal to credits, the payout ``reconciled`` with residual 0.00, and each of the 6,000 lines stored once.

The order flow is not the subject here: each charge's customer deposit is inserted straight into
``cash_deposits`` as ``written`` (as the deposit flow leaves it), so the reconciliation has something to
match; 6,000 orders through the order and deposit flows would take minutes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, accounts, start_sandbox
from connectors.payments.stripe.sandbox.app import SandboxSettings
from connectors.payments.stripe.sandbox.server import StripeSandbox
from connectors.payments.stripe.sandbox.server import start_sandbox as start_stripe
from tests.support.netsuite import records
from tests.support.worker import WorkerProcess

D = Decimal
STORE = "payoutchaos"
API_KEY = "sk_test_payout_chaos"
WEBHOOK_SECRET = "whsec_payout_chaos"
CHARGES = 6000
ACCOUNTS = {"stripe": {
    "clearing": accounts.STRIPE_CLEARING, "bank": accounts.OPERATING_BANK,
    "fees": {"default": accounts.STRIPE_FEES, "dispute:stripe_fee": accounts.DISPUTE_FEES},
    "refunds": accounts.REFUNDS, "disputes": accounts.CHARGEBACKS, "reserves": accounts.GATEWAY_RESERVES,
    "adjustments": accounts.PAYOUT_ADJUSTMENTS}}


@pytest.fixture
async def netsuite() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=0))
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def stripe() -> AsyncIterator[StripeSandbox]:
    server = await start_stripe("127.0.0.1", 0, SandboxSettings(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                                                                webhook_retry_delays_s=(0.5, 1.0, 2.0)))
    try:
        yield server
    finally:
        await server.stop()


async def seed_deposits(conn: asyncpg.Connection, charges: list[tuple[int, str, D]]) -> None:
    """Each charge's customer deposit as the deposit flow leaves it: ``written``, with a NetSuite id."""
    await conn.copy_records_to_table(
        "cash_deposits",
        columns=["store_hash", "order_id", "n", "external_id", "kind", "gateway", "bc_gateway",
                 "gateway_transaction_id", "amount", "currency", "account_id", "status", "ns_id"],
        records=[(STORE, order_id, "1", f"BC-DEP-{STORE}-{order_id}-1", "gateway", "stripe", "stripe", pi, amount,
                  "USD", accounts.STRIPE_CLEARING, "written", str(900000 + i))
                 for i, (order_id, pi, amount) in enumerate(charges)])


def sides(entry: dict[str, Any]) -> dict[str, D]:
    out: dict[str, D] = {}
    for line in entry["line"]["items"]:
        amount = D(str(line.get("debit") or 0)) - D(str(line.get("credit") or 0))
        out[line["account"]["id"]] = out.get(line["account"]["id"], D(0)) + amount
    return out


async def test_a_big_payout_survives_two_sigkills_and_posts_once(
        netsuite: SandboxHandle, stripe: StripeSandbox, make_worker: Callable[..., WorkerProcess],
        migrated_db: str) -> None:
    rng = random.Random(13)
    base = rng.randint(10**6, 10**7) * 10_000
    charges = [(base + i, f"pi_chaos{base + i}", D(rng.randint(500, 30000)) / 100) for i in range(CHARGES)]
    env = {"O2C_BC_STORE_HASH": STORE, "O2C_NS_BASE_URL": netsuite.url,
           "O2C_CASH_PAYOUTS_ENABLED": "true", "O2C_CASH_ACCOUNTS": orjson.dumps(ACCOUNTS).decode(),
           "O2C_CASH_RECONCILE_INTERVAL": "2",
           "O2C_STRIPE_ENABLED": "true", "O2C_STRIPE_API_KEY": API_KEY, "O2C_STRIPE_API_BASE": stripe.url,
           "O2C_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "O2C_STRIPE_POLL_INTERVAL": "3"}
    conn = await asyncpg.connect(migrated_db)
    async with httpx.AsyncClient(timeout=60) as http:
        try:
            await seed_deposits(conn, charges)
            worker = await asyncio.to_thread(make_worker, **env)
            ports = {"web_port": worker.web_port, "webhook_port": worker.webhook_port}
            (await http.post(f"{stripe.url}/__sandbox/webhook_endpoints",
                             json={"url": f"{worker.webhook_url}/webhooks/stripe"})).raise_for_status()
            made = await http.post(f"{stripe.url}/__sandbox/charges", json=[
                {"payment_intent": pi, "amount": str(amount), "currency": "usd"} for _, pi, amount in charges])
            assert made.status_code == 200, made.text
            payout = (await http.post(f"{stripe.url}/__sandbox/payouts", json={"currency": "usd"})).json()
            payout_id, amount = payout["id"], D(payout["amount"]) / 100
            external_id = f"PAYOUT-JE-stripe-{payout_id}"

            # Kill 1: while the pages are being stored (one in PostgreSQL, the others not yet).
            first_kill = await _when_row(conn, payout_id, lambda r: len(r["pages_seen"]) >= 1, timeout=60)
            worker.kill()
            assert first_kill["pages"] == 3 and len(first_kill["pages_seen"]) < 3, (
                "the first kill came after every page was stored: the window was missed")
            # Kill 2: NetSuite commits the journal entry, then drops the connection; the worker is killed
            # while it waits to retry, before it could record the entry as posted.
            # (NetSuite's latency_ms widens the window: the retry waits 1.5 s before it reaches NetSuite. An
            # int: the sandbox's config endpoint reads a JSON float as a Decimal, which its latency cannot add.)
            await _configure(http, netsuite, drop_after_commit_next=1, latency_ms=1500)
            worker = await asyncio.to_thread(make_worker, **ports, **env)

            async def entry_in_netsuite() -> bool:
                return any(r.get("externalId") == external_id for r in await records(netsuite.url, "journalEntry"))

            try:
                await _until(entry_in_netsuite, timeout=120, what="the journal entry in NetSuite")
            except AssertionError as error:
                row = await conn.fetchrow("SELECT pages, pages_seen, je_status, result FROM payouts "
                                          "WHERE payout_id = $1", payout_id)
                stats = (await http.get(f"{netsuite.url}/__sandbox/stats")).json()
                raise AssertionError(f"{error}; payout row {dict(row) if row else None}; NetSuite stats "
                                     f"{stats}; the worker's log:\n{worker.log_tail(40)}") from None
            worker.kill()
            second_kill = await conn.fetchrow("SELECT * FROM payouts WHERE payout_id = $1", payout_id)
            assert second_kill is not None

            await _configure(http, netsuite, latency_ms=0)
            worker = await asyncio.to_thread(make_worker, **ports, **env)
            row = await _when_row(conn, payout_id, lambda r: r["result"] in ("reconciled", "mismatch", "unbalanced"),
                                  timeout=60)

            entries = [r for r in await records(netsuite.url, "journalEntry") if r.get("externalId") == external_id]
            assert len(entries) == 1, f"{len(entries)} journal entries with externalId {external_id}"
            async with NetSuiteClient(NetSuiteSettings(base_url=netsuite.url)) as ns:
                amounts = sides(await ns.get("journalEntry", entries[0]["id"], expand=True))
            assert sum(amounts.values()) == 0, "debits equal credits"
            assert amounts[accounts.OPERATING_BANK] == amount, "the bank line is the payout"
            assert amounts[accounts.STRIPE_CLEARING] == -sum((a for _, _, a in charges), D(0))
            assert (row["result"], row["residual"]) == ("reconciled", D(0)), row["detail"]
            assert row["je_status"] == "posted" and row["je_ns_id"] == str(entries[0]["id"])
            assert await conn.fetchval("SELECT count(*) FROM payout_lines WHERE payout_id = $1", payout_id) == CHARGES
            assert await conn.fetchval("SELECT count(*) FROM payout_matches WHERE payout_id = $1 "
                                       "AND outcome = 'matched'", payout_id) == CHARGES
            stats = (await http.get(f"{netsuite.url}/__sandbox/stats")).json()
            assert stats["dropped"] >= 1, "the commit-then-drop fault never fired"
            assert second_kill["je_status"] == "none", (
                "the second kill came after the worker recorded the entry: the window was missed")
        finally:
            await conn.close()


async def _configure(http: httpx.AsyncClient, netsuite: SandboxHandle, **settings: Any) -> None:
    (await http.post(f"{netsuite.url}/__sandbox/config", json=settings)).raise_for_status()


async def _when_row(conn: asyncpg.Connection, payout_id: str, done: Callable[[asyncpg.Record], bool],
                    timeout: float) -> asyncpg.Record:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = await conn.fetchrow("SELECT * FROM payouts WHERE payout_id = $1", payout_id)
        if row is not None and done(row):
            return row
        await asyncio.sleep(0.01)
    raise AssertionError(f"payout {payout_id}: not there after {timeout}s")


async def _until(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    """``eventually``, polling every 20 ms (the kill must land inside a window of a second or so)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(0.02)
