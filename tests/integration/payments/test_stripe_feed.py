"""The BigCommerce sandbox's Stripe payments drive the Stripe sandbox (feed.mirror_bigcommerce_payments):
one charge per captured Stripe transaction, keyed by its PaymentIntent id, idempotently; then a payout
read back through StripePayouts joins to the BigCommerce transactions by ``payment_intent``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings
from connectors.bigcommerce.sandbox import SandboxConfig, SandboxServer
from connectors.bigcommerce.sandbox import start_sandbox as start_bigcommerce
from connectors.bigcommerce.sandbox.load import LoadMix, generate_orders, parse_gateways
from connectors.payments.stripe import StripePayouts
from connectors.payments.stripe.sandbox import StripeSandbox
from connectors.payments.stripe.sandbox.feed import mirror_bigcommerce_payments

from ..bigcommerce.helpers import address
from ..bigcommerce.test_openapi import validate
from .conftest import post

TOKEN = "sandbox-token"


@pytest.fixture
async def bigcommerce() -> AsyncIterator[SandboxServer]:
    server = await start_bigcommerce("127.0.0.1", 0, SandboxConfig(rng_seed=1, quota=100_000, capture_delay_ms=0))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bc(bigcommerce: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    base = f"{bigcommerce.url}/stores/{bigcommerce.config.store_hash}"
    async with httpx.AsyncClient(base_url=base, headers={"X-Auth-Token": TOKEN}) as http:
        yield http


async def order(bc: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    variants = (await bc.get("/v3/catalog/variants", params={"limit": 1})).json()["data"]
    body = {"status_id": 11, "billing_address": address(),
            "shipping_addresses": [{**address(), "shipping_method": "Flat Rate", "cost_ex_tax": "5.00"}],
            "products": [{"product_id": variants[0]["product_id"], "variant_id": variants[0]["id"], "quantity": 2}],
            **extra}
    response = await bc.post("/v2/orders", json=body)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


async def transactions(bc: httpx.AsyncClient, order_id: int) -> list[dict[str, Any]]:
    response = await bc.get(f"/v3/orders/{order_id}/transactions")
    return [] if response.status_code == 204 else list(response.json()["data"])


async def test_gateway_fields_of_the_bigcommerce_sandbox(bc: httpx.AsyncClient) -> None:
    stripe_order = await order(bc, _sandbox_gateway="stripe")
    (txn,) = await transactions(bc, stripe_order["id"])
    assert txn["gateway"] == "stripe" and txn["event"] == "purchase"
    pi = txn["gateway_transaction_id"]
    assert pi.startswith("pi_") and len(pi) == 27 and pi[3:].isalnum()
    assert stripe_order["payment_provider_id"] == pi and stripe_order["payment_method"] == "Stripe"
    validate((await bc.get(f"/v3/orders/{stripe_order['id']}/transactions")).json(), "orders.v3.yml",
             "/orders/{order_id}/transactions")

    paypal = await order(bc, _sandbox_gateway="paypal")
    (txn,) = await transactions(bc, paypal["id"])
    assert txn["gateway"] == "paypalcommerce" and len(txn["gateway_transaction_id"]) == 17
    assert txn["gateway_transaction_id"].isupper() or txn["gateway_transaction_id"].isdigit()

    credited = await order(bc, _sandbox_gateway="stripe", _sandbox_store_credit="5.00",
                           _sandbox_gift_certificate="2.50")
    (txn,) = await transactions(bc, credited["id"])
    total = Decimal(credited["total_inc_tax"])
    assert Decimal(str(txn["amount"])) == total - Decimal("7.50")
    assert (Decimal(credited["store_credit_amount"]), Decimal(credited["gift_certificate_amount"])) == (
        Decimal("5.00"), Decimal("2.50"))

    all_credit = await order(bc, _sandbox_gateway="stripe", _sandbox_store_credit=str(total))
    assert await transactions(bc, all_credit["id"]) == []
    too_much = await bc.post("/v2/orders", json={"_sandbox_store_credit": "100000", "status_id": 11,
                                                 "billing_address": address(), "products": [
                                                     {"product_id": 1, "quantity": 1}]})
    assert too_much.status_code == 400
    assert (await bc.post("/v2/orders", json={"_sandbox_gateway": "bitcoin"})).status_code == 400


async def test_mirror_creates_one_charge_per_stripe_payment_idempotently(
        bigcommerce: SandboxServer, bc: httpx.AsyncClient, stripe_sandbox: StripeSandbox,
        stripe_admin: httpx.AsyncClient, payouts: StripePayouts) -> None:
    paid = [await order(bc, _sandbox_gateway="stripe") for _ in range(3)]
    await order(bc)  # testgateway
    await order(bc, _sandbox_gateway="paypal")
    partly = await order(bc, _sandbox_gateway="stripe", _sandbox_store_credit="5.00")
    await order(bc, _sandbox_gateway="stripe", _sandbox_store_credit=str(paid[0]["total_inc_tax"]))
    authorized = await order(bc, _sandbox_gateway="stripe", _sandbox_payment_status="authorized", status_id=7)
    assert (await bc.post(f"/v3/orders/{authorized['id']}/payment_actions/capture", json={})).status_code == 201
    refund = {"items": [{"item_type": "ORDER", "item_id": paid[1]["id"], "amount": "10.00"}],
              "payments": [{"provider_id": "stripe", "amount": "10.00", "offline": False}]}
    refunded = await bc.post(f"/v3/orders/{paid[1]['id']}/payment_actions/refunds", json=refund)
    assert refunded.status_code in (200, 201), refunded.text

    api_base = f"{bigcommerce.url}/stores/{bigcommerce.config.store_hash}"
    created = await mirror_bigcommerce_payments(api_base, TOKEN, stripe_sandbox.url)
    assert created == 5 + 1
    assert await mirror_bigcommerce_payments(api_base, TOKEN, f"{stripe_sandbox.url}/__sandbox") == 0
    store = stripe_sandbox.store
    assert len(store.charges) == 5 and len(store.refunds) == 1

    expected: dict[str, Decimal] = {}
    for o in [*paid, partly, authorized]:
        for txn in await transactions(bc, o["id"]):
            if txn["event"] in ("purchase", "capture"):
                expected[txn["gateway_transaction_id"]] = Decimal(str(txn["amount"]))
    assert set(store.by_payment_intent) == set(expected)

    raw = await post(stripe_admin, "/payouts", {"currency": "usd"})
    payout = await payouts.get_payout(raw["id"])
    lines = [line async for line in payouts.payout_lines(payout)]
    assert sum(line.net for line in lines) == payout.amount
    charges = {line.payment_intent: line.gross for line in lines if line.kind == "charge"}
    assert charges == expected
    (refund_line,) = [line for line in lines if line.kind == "refund"]
    assert refund_line.gross == Decimal("-10.00")
    assert refund_line.payment_intent == paid[1]["payment_provider_id"]


async def test_the_load_generators_gateway_mix_feeds_stripe(bigcommerce: SandboxServer,
                                                            stripe_sandbox: StripeSandbox) -> None:
    settings = BigCommerceSettings(api_base=bigcommerce.url, store_hash=bigcommerce.config.store_hash)
    mix = LoadMix(gateways=parse_gateways("stripe=0.6,paypal=0.2,testgateway=0.2"))
    async with BigCommerceClient(settings) as client:
        ids = await generate_orders(client, count=30, rate=0, seed=3, mix=mix)
    gateways = [bigcommerce.store.orders[i]["_gateway"] for i in ids]
    assert {"stripe", "paypalcommerce", "testgateway"} <= set(gateways)
    api_base = f"{bigcommerce.url}/stores/{bigcommerce.config.store_hash}"
    assert await mirror_bigcommerce_payments(api_base, TOKEN, stripe_sandbox.url) == gateways.count("stripe")
    with pytest.raises(ValueError, match="unknown gateway"):
        parse_gateways("bitcoin=1")
