"""Payouts: Stripe payouts → one NetSuite journal entry each, reconciled against the orders they paid.

    .venv/bin/python -m bench.payouts [--orders 60000] [--days 30] [--big-payout 10000] [--missing-share 0.001]

**Real**: Kafka, PostgreSQL with the migrations, one o2c worker (``O2C_CASH_PAYOUTS_ENABLED``, the Stripe
source with its webhook endpoint and rate limiter), the Stripe sandbox as a process at Stripe test
mode's 25 requests/s (signed webhooks ``payout.paid`` and ``payout.reconciliation_completed``, cursor
paging of balance transactions with ``expand[]=data.source``, 100 a page), the NetSuite sandbox as a
process (its chart of accounts; ``--ns-latency-ms`` per request). Every payout goes webhook → Stripe
reads → ``payouts`` topic (pages of 2,000 lines) → PostgreSQL → journal entry upsert → reconciliation SQL.

**Seeded**: the orders' customer deposits. Running the order and deposit flows for 60,000 orders would
take an hour through NetSuite's concurrency ceiling (measured by other benchmarks), so each order's
deposit is inserted straight into ``cash_deposits`` as ``written`` (one ``COPY``), with a fake NetSuite
id, as the deposit flow leaves it. ``--missing-share`` of the orders have no written deposit: half of
them no row at all (an order o2c never saw: the line is ``no_order``, named by its charge id), half a
``waiting`` row (the sales order is not in NetSuite yet: ``no_deposit``, named by its order id). The
payouts containing them must end as ``mismatch`` with the residual = their charges and an open
``payout_mismatch`` exception naming them; every other payout must reconcile to 0.00.

Stripe side, per day: that day's charges (5.00–300.00, fixed seed) in one bulk admin call,
``--refunds-per-day`` partial refunds and one dispute, then the payout. Day ``days // 2`` has
``--big-payout`` charges, the other days share the rest.

Phases: **sequential** — one payout at a time, the next made only once the previous is reconciled or
mismatched and the worker has gone quiet, so each payout's time, Stripe requests (sandbox
``/__sandbox/stats`` before/after, by route) and NetSuite requests are its own; **together** (with
``--together``, on a second set of as many orders) — the days' payouts made back to back, as after a
weekend. Times are from just before the admin call that makes the payout (and sends its webhooks) to
``payouts.received_at`` (its first page stored: Stripe read), ``payouts.posted_at`` (journal entry in
NetSuite), the first ``payout_reconciliations.run_at`` (reconciliation started) and the moment this
benchmark first sees the result in PostgreSQL (polled every 0.1 s). Never fails on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import shutil
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import orjson

from bench.stack import Stack, local_stack, peak_rss_mb
from connectors.netsuite.sandbox import accounts

API_KEY = "sk_test_o2cbench"
WEBHOOK_SECRET = "whsec_o2cbench"
ACCOUNTS = {"stripe": {
    "clearing": accounts.STRIPE_CLEARING, "bank": accounts.OPERATING_BANK,
    "fees": {"default": accounts.STRIPE_FEES, "dispute:stripe_fee": accounts.DISPUTE_FEES},
    "refunds": accounts.REFUNDS, "disputes": accounts.CHARGEBACKS, "reserves": accounts.GATEWAY_RESERVES,
    "adjustments": accounts.PAYOUT_ADJUSTMENTS}}
DAY = 86_400
FINISHED = ("reconciled", "mismatch", "unbalanced", "failed", "date_window")


@dataclass
class Order:
    order_id: int
    pi: str
    amount: Decimal
    deposit: str  # written | waiting | none
    charge_id: str = ""


@dataclass
class Day:
    index: int
    orders: list[Order]
    payout_id: str = ""
    amount_minor: int = 0
    made_at: float = 0.0
    lines: int = 0
    stripe: Counter[str] = field(default_factory=Counter)
    stripe_429: int = 0
    netsuite: Counter[str] = field(default_factory=Counter)
    row: dict[str, Any] = field(default_factory=dict)
    first_run: float = math.nan
    seen: float = math.nan
    received: float = math.nan  # first page stored (all of Stripe read, through Kafka)
    posted: float = math.nan  # journal entry in NetSuite (payouts.posted_at)
    done: float = math.nan  # result (reconciled / mismatch) seen in PostgreSQL by this benchmark

    @property
    def missing(self) -> list[Order]:
        return [o for o in self.orders if o.deposit != "written"]

    @property
    def minimum(self) -> int:
        """One payout read + one page per 100 balance transactions (its own payout line included)."""
        return 1 + math.ceil(self.lines / 100)


def plan(args: argparse.Namespace, first_id: int, rng: random.Random) -> list[Day]:
    """The orders of each day, with their amounts and which of them have no written deposit."""
    big = min(args.big_payout, args.orders) if args.days > 1 else args.orders
    rest, others = args.orders - big, max(args.days - 1, 1)
    sizes = [rest // others + (1 if i < rest % others else 0) for i in range(others)]
    sizes.insert(args.days // 2, big)
    sizes = sizes[: args.days]
    orders = [Order(first_id + i, f"pi_bench{first_id + i:012d}", Decimal(rng.randint(500, 30000)) / 100, "written")
              for i in range(sum(sizes))]
    for k, i in enumerate(rng.sample(range(len(orders)), round(len(orders) * args.missing_share))):
        orders[i].deposit = "none" if k % 2 == 0 else "waiting"
    days, start = [], 0
    for d, size in enumerate(sizes):
        days.append(Day(d, orders[start:start + size]))
        start += size
    return days


async def seed_deposits(dsn: str, store: str, days: list[Day]) -> None:
    rows = [(store, o.order_id, "1", f"BC-DEP-{store}-{o.order_id}-1", "gateway", "stripe", "stripe", o.pi, o.amount,
             "USD", accounts.STRIPE_CLEARING, o.deposit, f"9{o.order_id}" if o.deposit == "written" else None)
            for day in days for o in day.orders if o.deposit != "none"]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("cash_deposits", records=rows, columns=[
            "store_hash", "order_id", "n", "external_id", "kind", "gateway", "bc_gateway", "gateway_transaction_id",
            "amount", "currency", "account_id", "status", "ns_id"])
    finally:
        await conn.close()


async def charge_day(http: httpx.AsyncClient, stripe_url: str, day: Day, days: int, rng: random.Random,
                     refunds: int) -> None:
    """The day's charges (one bulk call), a few partial refunds and one dispute: balance transactions."""
    created = int(time.time()) - (days - day.index) * DAY
    body = [{"payment_intent": o.pi, "amount": str(o.amount), "currency": "usd", "created": created + i}
            for i, o in enumerate(day.orders)]
    made = (await admin(http, f"{stripe_url}/__sandbox/charges", body))["data"]
    for order, charge in zip(day.orders, made, strict=True):
        order.charge_id = charge["id"]
    picks = rng.sample(day.orders, min(len(day.orders), refunds + 1))
    for order in picks[:-1]:
        await admin(http, f"{stripe_url}/__sandbox/refunds",
                    {"charge": order.charge_id, "amount": str((order.amount / 2).quantize(Decimal("0.01")))})
    if len(picks) > refunds:
        await admin(http, f"{stripe_url}/__sandbox/disputes", {"charge": picks[-1].charge_id})


async def admin(http: httpx.AsyncClient, url: str, body: Any = None) -> Any:
    response = await (http.get(url) if body is None else http.post(url, content=orjson.dumps(body),
                                                                   headers={"Content-Type": "application/json"}))
    if response.status_code >= 300:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return response.json()


async def make_payout(http: httpx.AsyncClient, stripe_url: str, day: Day) -> None:
    day.made_at = time.time()
    payout = await admin(http, f"{stripe_url}/__sandbox/payouts", {"currency": "usd"})
    day.payout_id, day.amount_minor = payout["id"], int(payout["amount"])


async def wait_finished(conn: asyncpg.Connection, days: list[Day], timeout: float) -> None:
    deadline, last = time.monotonic() + timeout, time.monotonic()
    waiting = {d.payout_id: d for d in days}
    while time.monotonic() < deadline:
        for payout_id in await conn.fetchval("SELECT array_agg(payout_id) FROM payouts WHERE payout_id = ANY($1) "
                                             "AND result = ANY($2)", list(waiting), list(FINISHED)) or []:
            waiting.pop(payout_id).seen = time.time()
        done = len(days) - len(waiting)
        if not waiting:
            return
        if time.monotonic() - last > 15:
            print(f"  … {done}/{len(days)} payouts finished", flush=True)
            last = time.monotonic()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"only part of {len(days)} payouts finished in {timeout:.0f}s")


async def quiet(http: httpx.AsyncClient, stack: Stack, stripe_url: str, webhooks: int, still: float = 1.5) -> None:
    """Until both webhooks of the payout were delivered and neither sandbox has seen a request for ``still`` s."""
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while True:
        s, n = await stats(http, stack, stripe_url)
        now = (int(s["total"]), int(n["requests"]))
        if now != last:
            last, since = now, time.monotonic()
        elif s["webhooks"]["delivered"] >= webhooks and time.monotonic() - since >= still:
            return
        await asyncio.sleep(0.25)


async def stats(http: httpx.AsyncClient, stack: Stack, stripe_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Stripe and NetSuite sandboxes' request counters."""
    return await admin(http, f"{stripe_url}/__sandbox/stats"), await admin(http, f"{stack.ns_url}/__sandbox/stats")


def delta(after: dict[str, int], before: dict[str, int]) -> Counter[str]:
    return Counter({k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)})


async def read_rows(conn: asyncpg.Connection, days: list[Day]) -> None:
    rows = {r["payout_id"]: dict(r) for r in await conn.fetch(
        "SELECT p.*, (SELECT min(run_at) FROM payout_reconciliations r WHERE r.gateway = p.gateway AND "
        "r.payout_id = p.payout_id) AS first_run FROM payouts p WHERE payout_id = ANY($1)",
        [d.payout_id for d in days])}
    for day in days:
        day.row = rows[day.payout_id]
        day.lines = int(day.row["line_count"]) + 1  # + the payout's own balance transaction
        if day.row["first_run"] is not None:
            day.first_run = day.row["first_run"].timestamp() - day.made_at
        day.received = day.row["received_at"].timestamp() - day.made_at
        day.posted = day.row["posted_at"].timestamp() - day.made_at if day.row["posted_at"] else math.nan
        day.done = day.seen - day.made_at


async def sequential(http: httpx.AsyncClient, conn: asyncpg.Connection, stack: Stack, stripe_url: str,
                     days: list[Day], args: argparse.Namespace, rng: random.Random) -> float:
    started = time.monotonic()
    for day in days:
        await charge_day(http, stripe_url, day, args.days, rng, args.refunds_per_day)
        s0, n0 = await stats(http, stack, stripe_url)
        await make_payout(http, stripe_url, day)
        await wait_finished(conn, [day], args.timeout)
        await quiet(http, stack, stripe_url, s0["webhooks"]["delivered"] + 2)
        s1, n1 = await stats(http, stack, stripe_url)
        day.stripe, day.netsuite = delta(s1["requests"], s0["requests"]), delta(n1["by_kind"], n0["by_kind"])
        day.stripe_429 = s1["rate_limited"] - s0["rate_limited"]
        await read_rows(conn, [day])
        r = day.row
        residual = r["residual"] if r["residual"] is not None else math.nan
        print(f"  day {day.index + 1:2d}: {len(day.orders):6d} orders, {r['result']:<10} residual "
              f"{residual:>9.2f}, received {day.received:5.2f}s, posted {day.posted:5.2f}s, reconciliation "
              f"started {day.first_run:5.2f}s, result {day.done:5.2f}s, "
              f"Stripe {sum(day.stripe.values())}/{day.minimum}, NetSuite {sum(day.netsuite.values())}", flush=True)
    return time.monotonic() - started


async def together(http: httpx.AsyncClient, conn: asyncpg.Connection, stack: Stack, stripe_url: str,
                   days: list[Day], args: argparse.Namespace, rng: random.Random) -> tuple[float, Counter[str],
                                                                                         Counter[str], int]:
    """Every day's charges first, then the payouts back to back (each takes only its own day's charges)."""
    s0, n0 = await stats(http, stack, stripe_url)
    started = time.time()
    for day in days:
        await charge_day(http, stripe_url, day, args.days, rng, args.refunds_per_day)
        await make_payout(http, stripe_url, day)
    print(f"  {len(days)} payouts made in {time.time() - started:.1f}s (charges included)", flush=True)
    await wait_finished(conn, days, args.timeout)
    await quiet(http, stack, stripe_url, s0["webhooks"]["delivered"] + 2 * len(days))
    elapsed = time.time() - started
    s1, n1 = await stats(http, stack, stripe_url)
    await read_rows(conn, days)
    return (elapsed, delta(s1["requests"], s0["requests"]), delta(n1["by_kind"], n0["by_kind"]),
            s1["rate_limited"] - s0["rate_limited"])


def pct(values: list[float], q: int) -> float:
    values = [v for v in values if not math.isnan(v)]
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def sides(entry: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in (entry.get("line") or {}).get("items") or []:
        amount = Decimal(str(line.get("debit") or 0)) - Decimal(str(line.get("credit") or 0))
        account = str((line.get("account") or {}).get("id"))
        out[account] = out.get(account, Decimal(0)) + amount
    return out


def check(days: list[Day], exceptions: dict[str, str], journal: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Each payout's breaches of the invariants (empty: it holds)."""
    problems = []
    for day in days:
        r, missing, bad = day.row, day.missing, []
        residual = Decimal(r["residual"]) if r["residual"] is not None else None
        expected = sum((o.amount for o in missing), Decimal(0))
        if not missing and not (r["result"] == "reconciled" and residual == 0):
            bad.append(f"should reconcile to 0.00, is {r['result']} {residual}")
        if missing:
            message = exceptions.get(day.payout_id, "")
            names = [str(o.order_id) if o.deposit == "waiting" else o.charge_id for o in missing]
            if r["result"] != "mismatch" or residual != expected:
                bad.append(f"should be mismatch {expected}, is {r['result']} {residual}")
            if not message:
                bad.append("no open payout_mismatch exception")
            elif len(names) <= 20 and not all(n in message for n in names):
                bad.append(f"exception does not name {[n for n in names if n not in message]}")
        if (r["result"] == "reconciled" and residual != 0) or (r["result"] != "reconciled"
                                                               and day.payout_id not in exceptions):
            bad.append("neither residual 0.00 nor an exception")
        entries = journal.get(day.payout_id, [])
        if len(entries) != 1:
            bad.append(f"{len(entries)} journal entries")
        else:
            amounts = sides(entries[0])
            if sum(amounts.values()) != 0:
                bad.append(f"debits - credits = {sum(amounts.values())}")
            if amounts.get(accounts.OPERATING_BANK) != Decimal(day.amount_minor) / 100:
                bad.append(f"bank line {amounts.get(accounts.OPERATING_BANK)} ≠ payout {day.amount_minor / 100:.2f}")
        problems += [f"payout {day.payout_id} (day {day.index + 1}): {b}" for b in bad]
    return problems


def report(name: str, days: list[Day], stripe: Counter[str], netsuite: Counter[str], rate_limited: int,
           elapsed: float, problems: list[str]) -> None:
    orders = sum(len(d.orders) for d in days)
    big = max(days, key=lambda d: len(d.orders))
    minimum = sum(d.minimum for d in days)
    print(f"\n{name}: {len(days)} payouts, {orders} orders, {sum(d.lines for d in days)} balance transactions, "
          f"{elapsed:.0f}s")
    for label, attr in (("Stripe read (received)", "received"), ("to post (JE in NetSuite)", "posted"),
                        ("to reconciliation result", "done")):
        values = [getattr(d, attr) for d in days]
        print(f"  {label:<26} p50 {pct(values, 50):6.2f}s  p95 {pct(values, 95):6.2f}s  max {max(values):6.2f}s")
    print(f"  biggest payout ({big.lines} lines): received {big.received:.2f}s, posted {big.posted:.2f}s, "
          f"reconciliation started {big.first_run:.2f}s, result {big.done:.2f}s")
    print(f"  Stripe requests     {sum(stripe.values())} vs minimum {minimum} "
          f"({sum(stripe.values()) / minimum:.2f}×); 429s {rate_limited}")
    for route, count in stripe.most_common():
        print(f"    {route:<44} {count:6d}")
    print(f"  NetSuite requests   {sum(netsuite.values())}: {sum(netsuite.values()) / len(days):.2f}/payout, "
          f"{sum(netsuite.values()) / orders:.5f}/order  {dict(netsuite)}")
    results = Counter(d.row["result"] for d in days)
    missing = sum(len(d.missing) for d in days)
    print(f"  results             {dict(results)} ({missing} orders without a written deposit, in "
          f"{sum(1 for d in days if d.missing)} payouts)")
    print(f"  invariant           {'OK' if not problems else 'FAILED'}: every payout reconciled at 0.00 or "
          "mismatched by exactly its undeposited orders' charges with an open exception naming them; one "
          "journal entry each, bank line = payout, debits = credits")
    for problem in problems[:10]:
        print(f"    {problem}")


async def run(stack: Stack, stripe_url: str, worker_pid: int, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    phases = [("sequential", plan(args, 10_000_000, rng))]
    if args.together:
        phases.append(("together", plan(args, 20_000_000, rng)))
    started = time.monotonic()
    for _, days in phases:
        await seed_deposits(stack.postgres.dsn, args.store, days)
    print(f"seeded {sum(len(d.orders) for _, ds in phases for d in ds)} orders' deposits in PostgreSQL in "
          f"{time.monotonic() - started:.1f}s", flush=True)
    conn = await asyncpg.connect(stack.postgres.dsn)
    async with httpx.AsyncClient(timeout=300) as http:
        try:
            measured = []
            for name, days in phases:
                print(f"{name}: {len(days)} payouts", flush=True)
                if name == "sequential":
                    elapsed = await sequential(http, conn, stack, stripe_url, days, args, rng)
                    stripe = sum((d.stripe for d in days), Counter[str]())
                    netsuite = sum((d.netsuite for d in days), Counter[str]())
                    limited = sum(d.stripe_429 for d in days)
                else:
                    elapsed, stripe, netsuite, limited = await together(http, conn, stack, stripe_url, days, args,
                                                                        rng)
                measured.append((name, days, stripe, netsuite, limited, elapsed))
            exceptions = {str(r["payout_id"]): str(r["message"]) for r in await conn.fetch(
                "SELECT payload->>'payout_id' AS payout_id, message FROM exceptions WHERE kind = 'payout_mismatch' "
                "AND status IN ('open', 'retrying')")}
            entries = await admin(http, f"{stack.ns_url}/__sandbox/records/journalEntry")
            runs = await conn.fetchrow("SELECT count(*) AS runs, count(DISTINCT payout_id) AS payouts, "
                                       "COALESCE(sum(charges), 0) AS lines FROM payout_reconciliations")
        finally:
            await conn.close()
    journal: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        external = str(entry.get("externalId") or "")
        if external.startswith("PAYOUT-JE-stripe-"):
            journal.setdefault(external.removeprefix("PAYOUT-JE-stripe-"), []).append(entry)
    for name, days, stripe, netsuite, limited, elapsed in measured:
        report(name, days, stripe, netsuite, limited, elapsed, check(days, exceptions, journal))
    assert runs is not None
    print(f"\nreconciliation runs  {runs['runs']} for {runs['payouts']} payouts, {runs['lines']} charge lines matched "
          "in all (runs beyond one a payout: the cash_catch_up timer re-reconciling mismatched payouts every "
          "O2C_CASH_RECONCILE_INTERVAL, 15 s)")
    print(f"worker peak RSS {peak_rss_mb(worker_pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--big-payout", type=int, default=10_000, help="charges of the one big day")
    parser.add_argument("--missing-share", type=float, default=0.001, help="orders with no written deposit")
    parser.add_argument("--refunds-per-day", type=int, default=3)
    parser.add_argument("--together", action="store_true", help="then the same again, payouts made back to back")
    parser.add_argument("--ns-latency-ms", default="50")
    parser.add_argument("--store", default="o2cbench")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep-log", help="copy the worker's log here")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for a phase's payouts")
    args = parser.parse_args()
    with local_stack() as stack:
        stack.ns_url = stack.sandbox("netsuite", "--latency-ms", args.ns_latency_ms, "--styles", "1")
        stripe_url = stack.sandbox("stripe", "--api-key", API_KEY, "--webhook-secret", WEBHOOK_SECRET,
                                   "--requests-per-second", "25", "--seed", str(args.seed), probe="/__sandbox/stats")
        worker = stack.worker(
            O2C_CASH_PAYOUTS_ENABLED="true", O2C_CASH_ACCOUNTS=orjson.dumps(ACCOUNTS).decode(),
            O2C_NS_BASE_URL=stack.ns_url, O2C_BC_STORE_HASH=args.store, O2C_STRIPE_ENABLED="true",
            O2C_STRIPE_API_KEY=API_KEY, O2C_STRIPE_API_BASE=stripe_url, O2C_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            O2C_STRIPE_POLL_INTERVAL="3600")
        httpx.post(f"{stripe_url}/__sandbox/webhook_endpoints", json={"url": f"{worker.webhook_url}/webhooks/stripe"},
                   timeout=10).raise_for_status()
        assert worker.proc is not None
        try:
            asyncio.run(run(stack, stripe_url, worker.proc.pid, args))
        finally:
            if args.keep_log:
                shutil.copy(stack.root / "worker.log", args.keep_log)
        worker.stop()


if __name__ == "__main__":
    main()
