"""Drive the Stripe sandbox from the BigCommerce sandbox's orders: what BigCommerce's Stripe gateway took,
Stripe has as charges (and what it refunded, as refunds), keyed by the PaymentIntent id BigCommerce
records as the transaction's ``gateway_transaction_id``.

Reads BigCommerce over its public API (V2 ``GET /v2/orders``, V3 ``GET /v3/orders/{id}/transactions``)
and writes through the Stripe sandbox's admin API. Idempotent: the Stripe sandbox refuses a second charge
for a PaymentIntent (400 ``charge_already_exists``), and each refund is sent with an ``Idempotency-Key``
of the BigCommerce transaction id, so a second run creates nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

CAPTURES = frozenset({"purchase", "capture"})
PAGE = 250


async def _get(http: httpx.AsyncClient, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
    """A BigCommerce GET that waits out the store's quota (429 with ``X-Rate-Limit-Time-Reset-Ms``)."""
    for _ in range(100):
        response = await http.get(url, params=params)
        if response.status_code != 429:
            response.raise_for_status()
            return response
        reset_ms = float(response.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000"))
        await asyncio.sleep(max(0.05, reset_ms / 1000))
    raise RuntimeError(f"BigCommerce kept answering 429 for {url}")


async def _orders(http: httpx.AsyncClient, base: str) -> AsyncIterator[dict[str, Any]]:
    page = 1
    while True:
        response = await _get(http, f"{base}/v2/orders", {"page": page, "limit": PAGE, "sort": "id:asc"})
        rows: list[dict[str, Any]] = response.json() if response.status_code == 200 and response.content else []
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        page += 1


async def _transactions(http: httpx.AsyncClient, base: str, order_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await _get(http, f"{base}/v3/orders/{order_id}/transactions", {"page": page, "limit": PAGE})
        if response.status_code == 204 or not response.content:
            return out
        body = response.json()
        out.extend(body.get("data") or [])
        pagination = (body.get("meta") or {}).get("pagination") or {}
        if page >= int(pagination.get("total_pages", 1)):
            return out
        page += 1


async def _charge(stripe: httpx.AsyncClient, order: dict[str, Any], txn: dict[str, Any]) -> int:
    body = {
        "amount": str(txn["amount"]),
        "currency": str(txn.get("currency") or order.get("currency_code") or "usd").lower(),
        "payment_intent": txn["gateway_transaction_id"],
        "description": f"BigCommerce order {order['id']}",
        "metadata": {"order_id": str(order["id"]), "bigcommerce_transaction_id": str(txn["id"])},
    }
    response = await stripe.post("/__sandbox/charges", json=body)
    if response.status_code == 400 and (response.json().get("error") or {}).get("code") == "charge_already_exists":
        return 0
    response.raise_for_status()
    return 1


async def _refund(stripe: httpx.AsyncClient, order: dict[str, Any], txn: dict[str, Any]) -> int:
    response = await stripe.post(
        "/__sandbox/refunds",
        json={"payment_intent": txn["gateway_transaction_id"], "amount": str(txn["amount"]),
              "metadata": {"order_id": str(order["id"]), "bigcommerce_transaction_id": str(txn["id"])}},
        headers={"Idempotency-Key": f"bigcommerce-transaction-{txn['id']}"})
    response.raise_for_status()
    return 0 if response.headers.get("Idempotent-Replayed") == "true" else 1


async def mirror_bigcommerce_payments(bigcommerce_api_base: str, token: str, stripe_admin_base: str) -> int:
    """Create in the Stripe sandbox a charge per captured Stripe transaction of every BigCommerce order
    (and a refund per Stripe refund transaction); returns how many objects were created this time.

    ``bigcommerce_api_base``: the store's API root, ``http://host:port/stores/<hash>``; ``token``: its
    ``X-Auth-Token``; ``stripe_admin_base``: the Stripe sandbox's URL (``http://host:port``).
    """
    base = bigcommerce_api_base.rstrip("/")
    stripe_base = stripe_admin_base.rstrip("/").removesuffix("/__sandbox")
    created = 0
    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as bc, \
            httpx.AsyncClient(base_url=stripe_base, timeout=30) as stripe:
        async for order in _orders(bc, base):
            for txn in await _transactions(bc, base, int(order["id"])):
                if txn.get("gateway") != "stripe" or txn.get("status", "ok") != "ok" \
                        or not txn.get("gateway_transaction_id"):
                    continue
                if txn.get("event") in CAPTURES:
                    created += await _charge(stripe, order, txn)
                elif txn.get("event") == "refund":
                    created += await _refund(stripe, order, txn)
    return created
