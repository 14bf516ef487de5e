"""Fixtures of the money-in tests: a Stripe sandbox, the NetSuite sandbox's chart, a worker with every flow."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from connectors.netsuite import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from connectors.netsuite.sandbox import SandboxHandle, accounts
from connectors.payments.stripe.sandbox.app import SandboxSettings
from connectors.payments.stripe.sandbox.server import StripeSandbox, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, BcOrderSnapshot, event_id
from streams.contract.bigcommerce import BcTransaction
from streams.contract.codec import encode
from tests.support.kafka import produce
from tests.support.netsuite import publish_items, records
from tests.support.orders import snapshot
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess

STORE = "cashe2e"
API_KEY = "sk_test_cash"
WEBHOOK_SECRET = "whsec_cash_e2e"
ACCOUNTS = {
    "stripe": {"clearing": accounts.STRIPE_CLEARING, "bank": accounts.OPERATING_BANK,
               "fees": {"default": accounts.STRIPE_FEES, "dispute:stripe_fee": accounts.DISPUTE_FEES},
               "refunds": accounts.REFUNDS, "disputes": accounts.CHARGEBACKS, "reserves": accounts.GATEWAY_RESERVES,
               "adjustments": accounts.PAYOUT_ADJUSTMENTS},
}


def ids_base() -> int:
    return random.randint(10**6, 10**8) * 10


def pi() -> str:
    return "pi_" + "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", k=24))


def paid(order: BcOrderSnapshot, payment_intent: str | None, **changes: Any) -> BcOrderSnapshot:
    """The order as BigCommerce has it once Stripe captured its total (``payment_intent`` None: no gateway)."""
    transactions = () if payment_intent is None else (BcTransaction(
        id=order.order_id, event="purchase", amount=order.total_inc_tax - order.store_credit_amount,
        currency=order.currency_code, gateway="stripe", gateway_transaction_id=payment_intent, status="ok"),)
    return order.model_copy(update={"transactions": transactions, "payment_provider_id": payment_intent,
                                    **changes})


def order_message(order: BcOrderSnapshot) -> tuple[bytes, bytes]:
    event = BcOrderEvent.build(order, key=str(order.order_id), source=f"bigcommerce:{order.store_hash}",
                               event_id=event_id(order.store_hash, "order", order.order_id, order.date_modified))
    return str(order.order_id).encode(), encode(event)


@dataclass
class Cash:
    """What a money-in test drives: the broker, both sandboxes and a NetSuite client."""

    kafka: KafkaBroker
    netsuite: SandboxHandle
    stripe: StripeSandbox
    ns: NetSuiteClient
    http: httpx.AsyncClient
    worker: WorkerProcess
    skus: list[str]

    async def orders(self, *orders: BcOrderSnapshot) -> None:
        await produce(self.kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in orders])

    async def record(self, record_type: str, external_id: str, timeout: float = 90.0) -> dict[str, Any]:
        found: dict[str, Any] = {}

        async def there() -> bool:
            hits = [r for r in await records(self.netsuite.url, record_type) if r.get("externalId") == external_id]
            assert len(hits) <= 1, f"{len(hits)} {record_type} records with externalId {external_id}"
            if hits:
                found.update(hits[0])
            return bool(hits)

        await eventually(there, timeout=timeout, what=f"{record_type} {external_id} in NetSuite")
        return found

    async def stripe_admin(self, path: str, body: Any) -> Any:
        response = await self.http.post(f"{self.stripe.url}/__sandbox/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()


def charge(payment_intent: str, amount: Decimal, currency: str = "usd", **extra: Any) -> dict[str, Any]:
    return {"payment_intent": payment_intent, "amount": str(amount), "currency": currency, **extra}


@pytest.fixture
async def stripe() -> AsyncIterator[StripeSandbox]:
    server = await start_sandbox("127.0.0.1", 0, SandboxSettings(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                                                                 webhook_retry_delays_s=(0.5, 1.0, 2.0)))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def cash_env() -> dict[str, str]:
    """Extra worker environment (overrides the defaults below); a test module overrides this fixture."""
    return {}


@pytest.fixture
async def cash(kafka: KafkaBroker, netsuite: SandboxHandle, stripe: StripeSandbox,
               make_worker: Callable[..., WorkerProcess], cash_env: dict[str, str]) -> AsyncIterator[Cash]:
    env = dict(
        O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE, O2C_NS_BASE_URL=netsuite.url,
        O2C_ORDERS_CURRENCIES='{"USD": "1", "EUR": "2"}',
        O2C_CASH_ENABLED="true", O2C_CASH_PAYOUTS_ENABLED="true", O2C_CASH_ACCOUNTS=orjson.dumps(ACCOUNTS).decode(),
        O2C_CASH_STORE_CREDIT_ACCOUNT=accounts.STORE_CREDIT_CLEARING, O2C_CASH_RECONCILE_INTERVAL="2",
        O2C_STRIPE_ENABLED="true", O2C_STRIPE_API_KEY=API_KEY, O2C_STRIPE_API_BASE=stripe.url,
        O2C_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, O2C_STRIPE_POLL_INTERVAL="3600")
    worker = await asyncio.to_thread(make_worker, **{**env, **cash_env})
    skus = [s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2]
    async with httpx.AsyncClient(timeout=30) as http, NetSuiteClient(NetSuiteSettings(base_url=netsuite.url)) as ns:
        (await http.post(f"{stripe.url}/__sandbox/webhook_endpoints",
                         json={"url": f"{worker.webhook_url}/webhooks/stripe"})).raise_for_status()
        yield Cash(kafka, netsuite, stripe, ns, http, worker, skus)


def order_of(cash: Cash, order_id: int, *lines: tuple[int, Decimal, int], **extra: Any) -> BcOrderSnapshot:
    """An order of ``lines`` (index into the sandbox's SKUs, unit price, quantity)."""
    return snapshot(order_id=order_id, store_hash=STORE, email=f"cash{order_id}@example.com",
                    lines=[(cash.skus[i], price, qty, Decimal(0)) for i, price, qty in lines], **extra)
