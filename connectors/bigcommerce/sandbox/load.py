"""Order generator: realistic orders posted through the sandbox's own ``POST /v2/orders`` over HTTP.

Mix (per order, from a seeded RNG): 1-4 lines of 1-3 units, a registered customer (B2B ones at
their price-list price) or a guest, a coupon now and then (percentage or fixed), a line discount
now and then, a manual discount rarely, flat-rate shipping, and now and then a second shipping address.
Status ``11`` (Awaiting Fulfillment, paid). The sandbox prices the order (tax per the store setting).
Coupons and line discounts use the sandbox-only request fields ``_sandbox_coupons`` and
``_sandbox_line_discount`` (on a real store they come from the storefront checkout, not the API).
``LoadMix.gateways`` (``--gateways stripe=0.7,paypal=0.3``) picks each order's ``_sandbox_gateway``; empty
(the default) leaves the test gateway and draws nothing from the RNG, so the default orders stay the same.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from ..client import BigCommerceClient
from ..config import BigCommerceSettings
from ..models import Customer, Variant

CITIES = (
    ("Austin", "Texas", "78701"),
    ("Denver", "Colorado", "80202"),
    ("Portland", "Oregon", "97201"),
    ("Boston", "Massachusetts", "02108"),
    ("Chicago", "Illinois", "60601"),
)
SHIPPING = (("Flat Rate", Decimal("5.00")), ("Express", Decimal("12.50")), ("Free Shipping", Decimal("0.00")))


@dataclass(frozen=True)
class LoadMix:
    guest_share: float = 0.35
    coupon_share: float = 0.2
    line_discount_share: float = 0.15
    manual_discount_share: float = 0.05
    multi_address_share: float = 0.08
    #: (``_sandbox_gateway``, weight) pairs; empty: every order on the test gateway.
    gateways: tuple[tuple[str, float], ...] = ()


GATEWAY_METHODS = {"testgateway": "Test Payment Gateway", "stripe": "Stripe", "paypal": "PayPal"}


def parse_gateways(text: str) -> tuple[tuple[str, float], ...]:
    """``"stripe=0.7,paypal=0.3"`` → ``(("stripe", 0.7), ("paypal", 0.3))``."""
    out: list[tuple[str, float]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        if name not in GATEWAY_METHODS:
            raise ValueError(f"unknown gateway {name!r} (one of {', '.join(GATEWAY_METHODS)})")
        out.append((name, float(weight or 1)))
    return tuple(out)


def _address(rng: random.Random, first: str, last: str, email: str) -> dict[str, Any]:
    city, state, zip_code = rng.choice(CITIES)
    return {
        "first_name": first,
        "last_name": last,
        "street_1": f"{rng.randint(1, 999)} Main St",
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": "United States",
        "country_iso2": "US",
        "email": email,
        "phone": "555-0100",
    }


def order_body(
    rng: random.Random, variants: Sequence[Variant], customers: Sequence[Customer], mix: LoadMix = LoadMix()
) -> dict[str, Any]:
    """One ``POST /v2/orders`` body (pure; deterministic for a given RNG state)."""
    customer = None if not customers or rng.random() < mix.guest_share else rng.choice(customers)
    if customer is not None:
        first, last, email, customer_id = customer.first_name, customer.last_name, customer.email, customer.id
    else:
        first, last = rng.choice(("Sam", "Alex", "Jo", "Riley")), rng.choice(("Lee", "Kim", "Park", "Diaz"))
        email, customer_id = f"guest{rng.randint(1, 10**6)}@example.net", 0
    billing = _address(rng, first, last, email)
    addresses = [billing]
    if rng.random() < mix.multi_address_share:
        addresses.append(_address(rng, "Gift", "Recipient", email))
    method, cost = rng.choice(SHIPPING)
    shipping = [
        {**a, "shipping_method": method, "cost_ex_tax": str(cost), "cost_inc_tax": str(cost)} for a in addresses
    ]
    lines = []
    for index, variant in enumerate(rng.sample(list(variants), k=min(len(variants), rng.randint(1, 4)))):
        line: dict[str, Any] = {
            "product_id": variant.product_id,
            "variant_id": variant.id,
            "quantity": rng.randint(1, 3),
        }
        if rng.random() < mix.line_discount_share:
            line["_sandbox_line_discount"] = str(Decimal(rng.randint(1, 5)))
        if len(addresses) > 1:
            line["_sandbox_address_index"] = index % len(addresses)
        lines.append(line)
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "status_id": 11,
        "billing_address": billing,
        "shipping_addresses": shipping,
        "products": lines,
        "payment_method": "Test Payment Gateway",
        "external_source": "o2c-load",
    }
    if rng.random() < mix.coupon_share:
        if rng.random() < 0.5:
            body["_sandbox_coupons"] = [{"code": "SAVE10", "type": 1, "amount": "10"}]
        else:
            body["_sandbox_coupons"] = [{"code": "FIVEOFF", "type": 2, "amount": "5"}]
    if rng.random() < mix.manual_discount_share:
        body["discount_amount"] = "2.50"
    if mix.gateways:
        names, weights = zip(*mix.gateways, strict=True)
        gateway = rng.choices(names, weights=weights)[0]
        body["_sandbox_gateway"] = gateway
        body["payment_method"] = GATEWAY_METHODS[gateway]
    return body


async def generate_orders(
    client: BigCommerceClient,
    *,
    count: int,
    rate: float = 5.0,
    seed: int = 1,
    mix: LoadMix = LoadMix(),
    concurrency: int = 8,
) -> list[int]:
    """Create ``count`` orders at about ``rate`` per second; returns their ids (in creation order)."""
    rng = random.Random(seed)
    variants = [v async for v in client.list_variants()]
    customers = [c async for c in client.list_customers()]
    gate = asyncio.Semaphore(concurrency)
    ids: list[int] = []

    async def one(index: int, body: dict[str, Any]) -> None:
        async with gate:
            ids[index] = (await client.create_order(body)).id

    # Each body is built just before it is sent (same RNG sequence, so the same orders): building them all
    # first took the demo's load (a million orders) 18 s and 2 GB before its first order.
    pending: list[asyncio.Task[None]] = []
    for index in range(count):
        ids.append(0)
        pending.append(asyncio.create_task(one(index, order_body(rng, variants, customers, mix))))
        for task in [t for t in pending if t.done()]:
            pending.remove(task)
            task.result()  # an order the sandbox refused stops the load
        if rate > 0:
            await asyncio.sleep(1.0 / rate)
    await asyncio.gather(*pending)
    return ids


async def _run(args: argparse.Namespace) -> None:
    settings = BigCommerceSettings(api_base=args.url, store_hash=args.store_hash, access_token=SecretStr(args.token))
    async with BigCommerceClient(settings) as client:
        ids = await generate_orders(client, count=args.count, rate=args.rate, seed=args.seed,
                                    mix=LoadMix(gateways=parse_gateways(args.gateways)))
    print(f"created {len(ids)} orders: {ids[0] if ids else '-'}..{ids[-1] if ids else '-'}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="o2c sandbox bigcommerce-load")
    p.add_argument("--url", default="http://127.0.0.1:8701")
    p.add_argument("--store-hash", default="o2cdemo")
    p.add_argument("--token", default="sandbox-token")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--rate", type=float, default=5.0, help="orders per second")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gateways", default="", help="gateway mix, e.g. stripe=0.7,paypal=0.2,testgateway=0.1")
    asyncio.run(_run(p.parse_args(argv)))
    return 0
