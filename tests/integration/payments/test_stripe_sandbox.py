"""The Stripe payout source against the Stripe sandbox over real HTTP (the official SDK on both ends' wire)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from aiohttp import web

from connectors.http import Backoff, NotFoundError, PermanentError
from connectors.payments.models import PayoutLine
from connectors.payments.stripe import StripePayouts, StripeWebhookEvent, verify_event
from connectors.payments.stripe.sandbox import StripeSandbox

from .conftest import API_KEY, WEBHOOK_SECRET, payouts_client, post


async def lines_of(client: StripePayouts, payout_id: str) -> list[PayoutLine]:
    payout = await client.get_payout(payout_id)
    return [line async for line in client.payout_lines(payout)]


async def test_payout_lines_sum_to_the_payout(stripe_admin: httpx.AsyncClient, payouts: StripePayouts) -> None:
    first = await post(stripe_admin, "/charges", {"amount": "100.00", "currency": "usd", "payment_intent": "pi_A",
                                                  "description": "Order 101"})
    second = await post(stripe_admin, "/charges", {"amount": "40.00", "currency": "usd"})
    refund = await post(stripe_admin, "/refunds", {"charge": first["id"], "amount": "25.00"})
    dispute = await post(stripe_admin, "/disputes", {"charge": second["id"]})
    await post(stripe_admin, f"/disputes/{dispute['id']}/close", {"status": "won"})
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})

    payout = await payouts.get_payout(raw["id"])
    lines = [line async for line in payouts.payout_lines(payout)]
    assert payout.status == "paid" and payout.reconciliation == "itemised"
    assert sum(line.net for line in lines) == payout.amount
    assert payout.amount == Decimal("100.00") - Decimal("3.20") + Decimal("40.00") - Decimal("1.46") \
        - Decimal("25.00") - Decimal("55.00") + Decimal("55.00")
    by_kind = {line.kind: line for line in lines}
    assert sorted(line.kind for line in lines) == ["charge", "charge", "dispute", "dispute_reversal", "refund"]
    charge = next(line for line in lines if line.kind == "charge" and line.charge_id == first["id"])
    assert (charge.payment_intent, charge.fee, charge.description) == ("pi_A", Decimal("3.20"), "Order 101")
    assert by_kind["refund"].refund_id == refund["id"] and by_kind["refund"].payment_intent == "pi_A"
    assert by_kind["dispute"].dispute_id == dispute["id"] and by_kind["dispute"].charge_id == second["id"]
    assert (by_kind["dispute"].gross, by_kind["dispute"].fee) == (Decimal("-40.00"), Decimal("15.00"))
    assert by_kind["dispute_reversal"].fee == Decimal("-15.00")
    assert all(line.source_id != payout.payout_id for line in lines)


async def test_paging_250_lines_costs_three_requests(stripe_sandbox: StripeSandbox, stripe_admin: httpx.AsyncClient,
                                                     payouts: StripePayouts) -> None:
    await post(stripe_admin, "/charges", [{"amount": f"{10 + i % 7}.00", "currency": "usd"} for i in range(250)])
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    payout = await payouts.get_payout(raw["id"])
    await post(stripe_admin, "/stats/reset", {})
    before = payouts.requests
    lines = [line async for line in payouts.payout_lines(payout)]
    assert len(lines) == 250 and len({line.line_id for line in lines}) == 250
    assert sum(line.net for line in lines) == payout.amount
    assert payouts.requests - before == 3
    stats = (await stripe_admin.get("/stats")).json()
    assert stats["requests"] == {"GET /v1/balance_transactions": 3}


async def test_injected_429_and_5xx_are_retried(stripe_admin: httpx.AsyncClient, payouts: StripePayouts) -> None:
    await post(stripe_admin, "/charges", [{"amount": "5.00", "currency": "usd"} for _ in range(150)])
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    payout = await payouts.get_payout(raw["id"])
    for status, count in ((429, 2), (500, 1), (503, 2)):
        await post(stripe_admin, "/faults",
                   {"status": status, "count": count, "path_prefix": "/v1/balance_transactions"})
    before = payouts.requests
    lines = [line async for line in payouts.payout_lines(payout)]
    assert len(lines) == 150 and sum(line.net for line in lines) == payout.amount
    stats = (await stripe_admin.get("/stats")).json()
    assert stats["faults_served"] == 5
    assert payouts.requests - before == 2 + 5


async def test_the_sandbox_rate_limit_is_waited_out(stripe_sandbox: StripeSandbox,
                                                    stripe_admin: httpx.AsyncClient) -> None:
    await post(stripe_admin, "/charges", [{"amount": "1.00", "currency": "usd"} for _ in range(1000)])
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    stripe_sandbox.settings.requests_per_second = 4
    async with payouts_client(stripe_sandbox, backoff=Backoff(base=0.1, cap=1.0, max_attempts=12)) as client:
        lines = await lines_of(client, raw["id"])
    assert len(lines) == 1000
    stats = (await stripe_admin.get("/stats")).json()
    assert stats["rate_limited"] >= 1


async def test_a_wrong_key_is_a_permanent_error_without_the_key(stripe_sandbox: StripeSandbox,
                                                               stripe_admin: httpx.AsyncClient) -> None:
    wrong = "sk_test_wrong_key_9876543210"
    async with payouts_client(stripe_sandbox, key=wrong) as client:
        with pytest.raises(PermanentError) as info:
            async for _ in client.list_payouts():
                pass
        assert client.requests == 1
    assert info.value.status == 401
    assert wrong not in str(info.value) and wrong[-10:] not in str(info.value)
    assert "O2C_STRIPE_API_KEY" in str(info.value)
    assert (await stripe_admin.get("/stats")).json()["unauthorized"] == 1


async def test_bearer_and_basic_auth_and_stripe_errors(stripe_sandbox: StripeSandbox,
                                                       payouts: StripePayouts) -> None:
    async with httpx.AsyncClient(base_url=stripe_sandbox.url) as http:
        assert (await http.get("/v1/payouts", auth=(API_KEY, ""))).status_code == 200
        ok = await http.get("/v1/payouts", headers={"Authorization": f"Bearer {API_KEY}"})
        assert ok.json() == {"object": "list", "data": [], "has_more": False, "url": "/v1/payouts"}
        missing = await http.get("/v1/payouts")
        assert missing.status_code == 401 and missing.json()["error"]["type"] == "invalid_request_error"
        too_many = await http.get("/v1/payouts", params={"limit": 101}, auth=(API_KEY, ""))
        assert too_many.status_code == 400 and too_many.json()["error"]["param"] == "limit"
    with pytest.raises(NotFoundError):
        await payouts.get_payout("po_missing")


async def test_list_payouts_filters_and_pages(stripe_admin: httpx.AsyncClient, payouts: StripePayouts) -> None:
    made = []
    for i in range(3):
        await post(stripe_admin, "/charges", {"amount": f"{i + 1}.00", "currency": "usd"})
        made.append((await post(stripe_admin, "/payouts", {"currency": "usd"}))["id"])
    await post(stripe_admin, f"/payouts/{made[0]}/fail", {"failure_code": "account_closed"})
    listed = [p.payout_id async for p in payouts.list_payouts()]
    assert listed == list(reversed(made))
    paid = [p.payout_id async for p in payouts.list_payouts(status="paid")]
    assert paid == [made[2], made[1]]
    recent = [p async for p in payouts.list_payouts(created_gte=datetime.now(UTC) - timedelta(minutes=5),
                                                    arrival_gte=datetime.now(UTC).date())]
    assert len(recent) == 3
    assert [p async for p in payouts.list_payouts(created_gte=datetime.now(UTC) + timedelta(days=1))] == []


async def test_a_failed_payout_returns_its_money_in_the_next_one(stripe_admin: httpx.AsyncClient,
                                                                 payouts: StripePayouts) -> None:
    await post(stripe_admin, "/charges", {"amount": "50.00", "currency": "usd"})
    first = await post(stripe_admin, "/payouts", {"currency": "usd"})
    failed = await post(stripe_admin, f"/payouts/{first['id']}/fail", {"failure_code": "account_closed"})
    assert failed["failure_balance_transaction"].startswith("txn_")
    payout = await payouts.get_payout(first["id"])
    assert (payout.status, payout.failure_code) == ("failed", "account_closed")
    await post(stripe_admin, "/charges", {"amount": "10.00", "currency": "usd"})
    second = await post(stripe_admin, "/payouts", {"currency": "usd"})
    lines = await lines_of(payouts, second["id"])
    back = next(line for line in lines if line.kind == "payout_failure")
    assert back.net == payout.amount and back.reporting_category == "payout_reversal"
    assert sum(line.net for line in lines) == Decimal(second["amount"]) / 100


async def test_a_refund_heavy_period_pays_out_a_negative_amount(stripe_admin: httpx.AsyncClient,
                                                                payouts: StripePayouts) -> None:
    charge = await post(stripe_admin, "/charges", {"amount": "80.00", "currency": "usd"})
    await post(stripe_admin, "/payouts", {"currency": "usd"})
    await post(stripe_admin, "/refunds", {"charge": charge["id"]})
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    lines = await lines_of(payouts, raw["id"])
    assert [line.kind for line in lines] == ["refund"]
    assert (await payouts.get_payout(raw["id"])).amount == Decimal("-80.00") == lines[0].net


async def test_manual_and_instant_payouts_are_not_itemised(stripe_sandbox: StripeSandbox,
                                                          stripe_admin: httpx.AsyncClient,
                                                          payouts: StripePayouts) -> None:
    await post(stripe_admin, "/charges", {"amount": "20.00", "currency": "usd"})
    manual = await post(stripe_admin, "/payouts", {"currency": "usd", "automatic": False})
    await post(stripe_admin, "/charges", {"amount": "20.00", "currency": "usd"})
    instant = await post(stripe_admin, "/payouts", {"currency": "usd", "method": "instant"})
    for raw in (manual, instant):
        payout = await payouts.get_payout(raw["id"])
        assert payout.reconciliation == "date_window" and raw["reconciliation_status"] == "not_applicable"
        with pytest.raises(PermanentError, match="date window"):
            await anext(payouts.payout_lines(payout))
    async with httpx.AsyncClient(base_url=stripe_sandbox.url, auth=(API_KEY, "")) as http:
        refused = await http.get("/v1/balance_transactions", params={"payout": manual["id"]})
        assert refused.status_code == 400 and "automatic" in refused.json()["error"]["message"]


async def test_converted_and_zero_decimal_charges(stripe_admin: httpx.AsyncClient, payouts: StripePayouts) -> None:
    await post(stripe_admin, "/charges", {"amount": "10.00", "presentment_currency": "eur", "currency": "usd",
                                          "exchange_rate": "1.234"})
    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    (line,) = await lines_of(payouts, raw["id"])
    assert (line.gross, line.exchange_rate) == (Decimal("12.34"), Decimal("1.234"))
    assert (line.presentment_amount, line.presentment_currency) == (Decimal("10.00"), "EUR")
    await post(stripe_admin, "/charges", {"amount": "5000", "currency": "jpy"})
    raw = await post(stripe_admin, "/payouts", {"currency": "jpy"})
    (line,) = await lines_of(payouts, raw["id"])
    assert (line.gross, line.fee, line.currency) == (Decimal(5000), Decimal(145), "JPY")


async def test_a_second_charge_for_a_payment_intent_is_refused(stripe_admin: httpx.AsyncClient) -> None:
    await post(stripe_admin, "/charges", {"amount": "1.00", "payment_intent": "pi_once"})
    again = await stripe_admin.post("/charges", json={"amount": "1.00", "payment_intent": "pi_once"})
    assert again.status_code == 400 and "pi_once" in again.json()["error"]["message"]


async def test_sixty_thousand_charges_in_one_bulk_request(stripe_admin: httpx.AsyncClient) -> None:
    made = await post(stripe_admin, "/charges", [{"amount": "12.34", "currency": "usd"} for _ in range(60_000)])
    assert made["count"] == 60_000 and len({c["id"] for c in made["data"]}) == 60_000


# ---------------------------------------------------------------------- webhooks


class Receiver:
    """A small aiohttp endpoint that verifies each delivery; ``fail_first`` answers 500 that many times."""

    def __init__(self, fail_first: int = 0) -> None:
        self.events: list[StripeWebhookEvent] = []
        self.fail_first = fail_first
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.events.append(verify_event(await request.read(), request.headers.get("Stripe-Signature", ""),
                                        WEBHOOK_SECRET))
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks/stripe", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks/stripe"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver(stripe_admin: httpx.AsyncClient) -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    await post(stripe_admin, "/webhook_endpoints", {"url": r.url})
    try:
        yield r
    finally:
        await r.stop()


async def test_payout_webhooks_are_signed_and_verify(stripe_sandbox: StripeSandbox, stripe_admin: httpx.AsyncClient,
                                                     receiver: Receiver) -> None:
    receiver.fail_first = 1
    await post(stripe_admin, "/charges", {"amount": "9.99"})
    payout = await post(stripe_admin, "/payouts", {"currency": "usd"})
    await post(stripe_admin, f"/payouts/{payout['id']}/fail", {"failure_code": "no_account"})
    await asyncio.wait_for(stripe_sandbox.hooks.idle(), 10)
    assert [(e.type, e.payout_id) for e in receiver.events] == [
        ("payout.paid", payout["id"]), ("payout.reconciliation_completed", payout["id"]),
        ("payout.failed", payout["id"])]
    assert receiver.events[-1].payout_status == "failed"
    stats = (await stripe_admin.get("/stats")).json()["webhooks"]
    assert (stats["delivered"], stats["attempts"], stats["failed"]) == (3, 4, 0)


async def test_webhooks_twice_and_out_of_order(stripe_sandbox: StripeSandbox, stripe_admin: httpx.AsyncClient,
                                               receiver: Receiver) -> None:
    await post(stripe_admin, "/webhooks", {"duplicate": True, "hold": True})
    await post(stripe_admin, "/charges", {"amount": "9.99"})
    payout = await post(stripe_admin, "/payouts", {"currency": "usd"})
    await post(stripe_admin, f"/payouts/{payout['id']}/fail", {"failure_code": "no_account"})
    assert receiver.events == []
    released = await post(stripe_admin, "/webhooks", {"hold": False, "release": "reverse"})
    assert released["released"] == 3
    await asyncio.wait_for(stripe_sandbox.hooks.idle(), 10)
    assert [e.type for e in receiver.events] == [
        "payout.failed", "payout.failed", "payout.reconciliation_completed", "payout.reconciliation_completed",
        "payout.paid", "payout.paid"]
    assert receiver.events[0].event_id == receiver.events[1].event_id


async def test_events_are_listed(stripe_sandbox: StripeSandbox, stripe_admin: httpx.AsyncClient) -> None:
    await post(stripe_admin, "/charges", {"amount": "1.00"})
    await post(stripe_admin, "/payouts", {"currency": "usd"})
    async with httpx.AsyncClient(base_url=stripe_sandbox.url, auth=(API_KEY, "")) as http:
        body = (await http.get("/v1/events", params={"type": "payout.*", "limit": 1})).json()
        assert body["has_more"] is True and body["data"][0]["type"] == "payout.reconciliation_completed"
        rest = (await http.get("/v1/events", params={"starting_after": body["data"][0]["id"]})).json()
        assert [e["type"] for e in rest["data"]] == ["payout.paid"]
