"""SIGKILL the worker three times during a burst of fulfilments and refunds; every refund still ends as exactly
one set of NetSuite documents whose credit equals the refund, every return has its receipt, and nothing is
written twice.

Real broker, PostgreSQL and worker processes; the NetSuite sandbox over HTTP. The orders are seeded as the
order and deposit flows leave them (sales order with its BigCommerce order product ids, ``order_links`` row,
the Stripe deposit written by the deposit writer in this process); each order is then shipped in two
fulfilments in NetSuite, and the worker gets their ``ns.fulfilments`` events (it invoices them and applies
the deposits) interleaved with the ``bc.refunds`` events — each refund produced twice, as a retried webhook
and the catch-up poll would. Refunds: one unit of the first line (most), two partial refunds of it seconds
apart (every fifth order), one to store credit (every seventh). At the end Stripe (its sandbox) holds a charge
per order and a refund per card refund and pays the balance out: the payout's journal entry reconciles to
0.00 against the deposits and the customer refunds.

``O2C_CHAOS_SCALE`` sizes it: 1 (``make test``) is 150 orders = 300 fulfilments and about 100 refunds; 4 is
the issue's size (``bench/returns_chaos.py``: 600 orders, 1,200 fulfilments, about 400 refunds; 8: 2,400 and
800).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.bigcommerce.models.payments import Refund
from connectors.netsuite import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, accounts, start_sandbox
from connectors.payments.stripe.sandbox.app import SandboxSettings
from connectors.payments.stripe.sandbox.server import StripeSandbox
from connectors.payments.stripe.sandbox.server import start_sandbox as start_stripe
from deploy.local.kafka import KafkaBroker
from state import orders as orders_store
from state.db import create_pool
from streams.cash.deposit_writer import DepositWriter
from streams.cash.settings import CashSettings, GatewayAccounts
from streams.contract import BcRefundEvent, NsFulfilmentEvent
from streams.contract.bigcommerce import BcTransaction
from streams.contract.codec import encode
from streams.contract.netsuite import NsFulfilment, NsFulfilmentLine
from streams.ingest.bigcommerce_events import refund_event
from tests.e2e.fulfilments.test_shipments import message
from tests.support.kafka import produce
from tests.support.netsuite import records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

D = Decimal
SCALE = int(os.environ.get("O2C_CHAOS_SCALE", "1"))
ORDERS = 150 * SCALE
CUSTOMER = "101"
STRIPE = GatewayAccounts(
    clearing=accounts.STRIPE_CLEARING, bank=accounts.OPERATING_BANK, fees={"default": accounts.STRIPE_FEES},
    refunds=accounts.REFUNDS, disputes=accounts.CHARGEBACKS, reserves=accounts.GATEWAY_RESERVES,
    adjustments=accounts.PAYOUT_ADJUSTMENTS)
CASH = CashSettings(enabled=True, accounts={"stripe": STRIPE}, store_credit_account=None)
API_KEY = "sk_test_returns_chaos"
WEBHOOK_SECRET = "whsec_returns_chaos"


@pytest.fixture
async def stripe() -> AsyncIterator[StripeSandbox]:
    server = await start_stripe("127.0.0.1", 0, SandboxSettings(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                                                                webhook_retry_delays_s=(0.5, 1.0, 2.0)))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def netsuite() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(seed_styles=2))
    try:
        yield handle
    finally:
        await handle.stop()


async def _seed_order(pool: asyncpg.Pool, ns: NetSuiteClient, store: str, order_id: int, skus: list[str],
                      items: dict[str, str]) -> tuple[str, list[tuple[str, int, int]]]:
    """One paid order as the order and deposit flows leave it; (sales order id, [(line, product id, qty)])."""
    placed = snapshot(order_id=order_id, store_hash=store, email=f"chaos{order_id}@example.com", tax_rate=D(0),
                      shipping=D("5.00"), lines=[(skus[0], D("20.00"), 2, D(0)), (skus[1], D("10.00"), 1, D(0))])
    body = {"entity": {"id": CUSTOMER}, "location": {"id": "1"}, "currency": {"id": "1"},
            "shippingCost": placed.shipping_cost_ex_tax,
            "item": {"items": [{"item": {"id": items[x.sku]}, "quantity": x.quantity, "rate": x.price_ex_tax,
                                "custcol_bc_order_product_id": str(x.order_product_id)} for x in placed.lines]}}
    so = await ns.upsert("salesOrder", f"BC-SO-{store}-{order_id}", body)
    total = D(str((await ns.get("salesOrder", so.id, fields=["total"]))["total"]))
    await orders_store.save_link(
        pool, store_hash=store, order_id=order_id, external_id=f"BC-SO-{store}-{order_id}", content_hash="chaos",
        source_version=placed.date_modified, status="synced", bc_total=placed.total_inc_tax, ns_id=so.id,
        ns_customer_id=CUSTOMER, ns_total=total, order_created_at=placed.date_created)
    paid = placed.model_copy(update={"transactions": (BcTransaction(
        id=order_id, event="purchase", amount=total, currency="USD", gateway="stripe",
        gateway_transaction_id=f"pi_chaos{order_id}", status="ok"),)})
    await DepositWriter(CASH).handle(pool, ns, paid)
    record = await ns.get("salesOrder", so.id, expand=True)
    lines = [(str(x["line"]), int(x["custcol_bc_order_product_id"]), int(x["quantity"]))
             for x in record["item"]["items"]]
    return so.id, lines


async def _fulfil(ns: NetSuiteClient, store: str, order_id: int, so_id: str, line: str, quantity: int,
                  others: list[str]) -> NsFulfilment:
    items = [{"orderLine": int(line), "quantity": quantity}] + [{"orderLine": int(x), "itemReceive": False}
                                                                 for x in others]
    made = await ns.transform("salesOrder", so_id, "itemFulfillment", {"shipStatus": {"id": "C"},
                                                                       "item": {"items": items}})
    return NsFulfilment(
        ns_id=made.id, tran_id=f"IF{made.id}", sales_order_ns_id=so_id, bc_order_id=order_id, store_hash=store,
        ship_date=date.today(), status="shipped", last_modified=datetime.now(UTC).replace(microsecond=0),
        lines=(NsFulfilmentLine(sku="S", ns_item_id="1", quantity=D(quantity), order_line=line),))


def _refund(store: str, order_id: int, refund_id: int, product_id: int, amount: D, provider: str) -> bytes:
    refund = Refund.model_validate({
        "id": refund_id, "order_id": order_id, "created": datetime.now(UTC).isoformat(), "total_amount": amount,
        "items": [{"item_type": "PRODUCT", "item_id": product_id, "quantity": 1}],
        "payments": [{"id": refund_id, "provider_id": provider, "amount": amount,
                      "offline": provider == "storecredit"}]})
    return encode(refund_event(store, refund))


async def test_sigkill_three_times_during_fulfilments_and_refunds(
        kafka: KafkaBroker, netsuite: SandboxHandle, stripe: StripeSandbox,
        make_worker: Callable[..., WorkerProcess], migrated_db: str) -> None:
    started = time.monotonic()
    rng = random.Random(14)
    store = f"rtnchaos{rng.randint(10**5, 10**6)}"
    base = rng.randint(10**6, 10**7) * 10_000
    pool = await create_pool(migrated_db)
    async with NetSuiteClient(NetSuiteSettings(base_url=netsuite.url)) as ns:
        items = {r["itemId"]: r["id"] for r in await records(netsuite.url, "inventoryItem")}
        skus = sorted(s for s in items if s.count("-") == 2)[:2]
        gate = asyncio.Semaphore(16)

        async def seeded(i: int) -> tuple[int, str, list[tuple[str, int, int]]]:
            async with gate:
                so_id, lines = await _seed_order(pool, ns, store, base + i, skus, items)
                return base + i, so_id, lines

        orders = await asyncio.gather(*(seeded(i) for i in range(ORDERS)))

        async def shipped(order: tuple[int, str, list[tuple[str, int, int]]]) -> list[NsFulfilment]:
            order_id, so_id, lines = order
            async with gate:
                return [await _fulfil(ns, store, order_id, so_id, line, qty, [x for x, _, _ in lines if x != line])
                        for line, _, qty in lines]

        fulfilments = [f for batch in await asyncio.gather(*(shipped(o) for o in orders)) for f in batch]
        seeded_at = time.monotonic()

        # The refunds: one unit of line 1 (20.00); two of them for every fifth order; store credit every seventh.
        refunds: dict[int, tuple[int, D, str]] = {}  # refund id → (order, amount, provider)
        first_product = {order_id: lines[0][1] for order_id, _, lines in orders}
        next_id = base
        for k, (order_id, _, _) in enumerate(orders):
            if k % 3 == 2:
                continue  # a third of the orders are not refunded
            for _ in range(2 if k % 5 == 0 else 1):
                next_id += 1
                refunds[next_id] = (order_id, D("20.00"), "storecredit" if k % 7 == 0 else "stripe")
        refund_messages = [(str(o).encode(), _refund(store, o, rid, first_product[o], amount, provider))
                           for rid, (o, amount, provider) in refunds.items()]
        env = {"O2C_BC_STORE_HASH": store, "O2C_NS_BASE_URL": netsuite.url, "O2C_CASH_ENABLED": "true",
               "O2C_CASH_ACCOUNTS": json.dumps({"stripe": STRIPE.model_dump()}), "O2C_CASH_RECONCILE_INTERVAL": "2",
               "O2C_RETURNS_ENABLED": "true", "O2C_RETURNS_RECEIVE_ON_REFUND": "true",
               "O2C_RETURNS_LOCATION_ID": "1", "O2C_RETURNS_INTERVAL": "2",
               "O2C_CASH_PAYOUTS_ENABLED": "true", "O2C_STRIPE_ENABLED": "true", "O2C_STRIPE_API_KEY": API_KEY,
               "O2C_STRIPE_API_BASE": stripe.url, "O2C_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
               "O2C_STRIPE_POLL_INTERVAL": "3600"}
        worker = await asyncio.to_thread(make_worker, **env)
        ports = {"web_port": worker.web_port, "webhook_port": worker.webhook_port}

        async def feed() -> None:
            pending: list[tuple[bytes | None, bytes | None]] = [message(f) for f in fulfilments]
            rest: list[tuple[bytes | None, bytes | None]] = list(refund_messages)
            while pending or rest:
                if pending:
                    await produce(kafka.bootstrap, NsFulfilmentEvent.TOPIC, pending[:60])
                if rest:
                    await produce(kafka.bootstrap, BcRefundEvent.TOPIC, rest[:20] + rest[:20])  # each twice
                pending, rest = pending[60:], rest[20:]
                await asyncio.sleep(0.2)

        async def done() -> int:
            return int(await pool.fetchval("SELECT count(*) FROM return_refunds WHERE store_hash = $1 "
                                           "AND status = 'done'", store))

        feeder = asyncio.create_task(feed())
        kills = 0
        for share in (0.25, 0.5, 0.75):
            await eventually(lambda s=share: _reached(done, len(refunds) * s), timeout=240,  # type: ignore[misc]
                             what=f"{share:.0%} of the refunds done")
            worker.kill()  # SIGKILL: documents in flight are abandoned between NetSuite and PostgreSQL
            kills += 1
            worker = await asyncio.to_thread(make_worker, **ports, **env)
        await feeder

        async def all_done() -> bool:
            return await done() == len(refunds)

        await eventually(all_done, timeout=300, what="every refund done")

        async def all_invoiced() -> bool:
            return int(await pool.fetchval("SELECT count(*) FROM cash_invoices WHERE store_hash = $1 AND "
                                           "status = 'created'", store)) == len(fulfilments)

        await eventually(all_invoiced, timeout=240, what="an invoice per fulfilment")
        await asyncio.sleep(3)  # anything still in flight would show as a duplicate
        elapsed = time.monotonic() - seeded_at

        rows = {r["refund_id"]: r for r in await pool.fetch(
            "SELECT refund_id, status, total, credit FROM return_refunds WHERE store_hash = $1", store)}
        assert set(rows) == set(refunds)
        assert all(r["status"] == "done" and r["credit"] == r["total"] for r in rows.values())
        found = {kind: [r for r in await records(netsuite.url, kind) if str(r.get("externalId", "")).startswith(
            f"BC-{prefix}-{store}-")] for kind, prefix in (("returnAuthorization", "RA"), ("itemReceipt", "IR"),
                                                          ("creditMemo", "CM"), ("customerRefund", "RF"),
                                                          ("invoice", "INV"))}
        for kind, hits in found.items():
            twice = [e for e, n in Counter(r["externalId"] for r in hits).items() if n > 1]
            assert not twice, f"{len(twice)} {kind} written twice, e.g. {twice[:3]}"
        cms = {r["externalId"]: r for r in found["creditMemo"]}
        rfs = {r["externalId"]: r for r in found["customerRefund"]}
        ras = {r["externalId"] for r in found["returnAuthorization"]}
        irs = {r["externalId"] for r in found["itemReceipt"]}
        for rid, (_, amount, provider) in refunds.items():
            cm = cms[f"BC-CM-{store}-{rid}"]
            assert D(str(cm["total"])) == amount, f"refund {rid}: credit memo {cm['total']} for {amount}"
            assert f"BC-RA-{store}-{rid}" in ras and f"BC-IR-{store}-{rid}" in irs, f"refund {rid}: no receipt"
            if provider == "stripe":
                rf = rfs[f"BC-RF-{store}-{rid}-1"]
                assert D(str(rf["total"])) == amount and rf["account"]["id"] == STRIPE.clearing
            else:
                assert f"BC-RF-{store}-{rid}-1" not in rfs and D(str(cm["amountRemaining"])) == amount
        assert len(found["invoice"]) == len(fulfilments)
        over = await pool.fetchval("SELECT count(*) FROM cash_deposits WHERE store_hash = $1 AND applied > amount",
                                   store)
        assert over == 0, "a deposit applied and refunded beyond its amount"

        # Stripe pays out what the orders took less the card refunds: one journal entry, residual 0.00.
        async with httpx.AsyncClient(base_url=stripe.url, timeout=60) as http:
            (await http.post("/__sandbox/webhook_endpoints", json={"url": f"{worker.webhook_url}/webhooks/stripe"})
             ).raise_for_status()
            paid = {r["order_id"]: r["amount"] for r in await pool.fetch(
                "SELECT order_id, amount FROM cash_deposits WHERE store_hash = $1", store)}
            made = await http.post("/__sandbox/charges", json=[
                {"payment_intent": f"pi_chaos{o}", "amount": str(a), "currency": "usd"} for o, a in paid.items()])
            assert made.status_code == 200, made.text
            for rid, (order_id, amount, provider) in refunds.items():
                if provider == "stripe":
                    (await http.post("/__sandbox/refunds", headers={"Idempotency-Key": str(rid)},
                                     json={"payment_intent": f"pi_chaos{order_id}", "amount": str(amount)})
                     ).raise_for_status()
            payout_id = (await http.post("/__sandbox/payouts", json={"currency": "usd"})).json()["id"]

        async def reconciled() -> bool:
            row = await pool.fetchrow("SELECT result FROM payouts WHERE payout_id = $1", payout_id)
            return row is not None and row["result"] in ("reconciled", "mismatch", "unbalanced")

        await eventually(reconciled, timeout=120, what=f"payout {payout_id} reconciled")
        payout = await pool.fetchrow("SELECT result, residual, detail FROM payouts WHERE payout_id = $1", payout_id)
        assert payout is not None
        assert (payout["result"], payout["residual"]) == ("reconciled", D(0)), payout["detail"]
        matched = await pool.fetchval("SELECT count(*) FROM payout_matches WHERE payout_id = $1 AND "
                                      "refund_external_id IS NOT NULL", payout_id)
        assert matched == sum(1 for r in refunds.values() if r[2] == "stripe")
        print(f"\nreturns chaos: {ORDERS} orders, {len(fulfilments)} fulfilments, {len(refunds)} refunds "
              f"({sum(1 for r in refunds.values() if r[2] == 'stripe')} to card), {kills} SIGKILLs, "
              f"{elapsed:.1f} s from the first event to the last document, {time.monotonic() - started:.1f} s "
              f"in all; credit = refund for {len(rows)}/{len(refunds)}, 0 documents twice; payout residual "
              f"{payout['residual']:.2f} with {matched} refunds matched")
    await pool.close()


async def _reached(count: Callable[[], Any], target: float) -> bool:
    return bool(await count() >= target)
