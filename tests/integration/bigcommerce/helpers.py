"""Order bodies for integration tests."""

from __future__ import annotations

from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import Order, Variant


def address(email: str = "buyer@example.com") -> dict[str, Any]:
    return {
        "first_name": "Jane",
        "last_name": "Doe",
        "street_1": "1 Main St",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "country": "United States",
        "country_iso2": "US",
        "email": email,
    }


async def some_variants(client: BigCommerceClient, n: int = 2) -> list[Variant]:
    out: list[Variant] = []
    async for v in client.list_variants():
        out.append(v)
        if len(out) == n:
            break
    return out


async def paid_order(client: BigCommerceClient, quantities: tuple[int, ...] = (2, 1), **extra: Any) -> Order:
    variants = await some_variants(client, len(quantities))
    body = {
        "status_id": 11,
        "billing_address": address(),
        "shipping_addresses": [{**address(), "shipping_method": "Flat Rate", "cost_ex_tax": "5.00"}],
        "products": [
            {"product_id": v.product_id, "variant_id": v.id, "quantity": q}
            for v, q in zip(variants, quantities, strict=True)
        ],
        **extra,
    }
    return await client.create_order(body)
