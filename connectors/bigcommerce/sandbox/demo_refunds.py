"""The demo's customer service desk: every ``--every`` seconds it refunds one demo order through BigCommerce's
own V3 endpoints (a refund quote, then the refund with the quote's first method: the order's gateway).

Shipped orders (status 2 Shipped, 3 Partially Shipped) get one unit of one product back — a return; now and
then an order still awaiting fulfilment (11) is refunded whole — a cancellation before shipping. Each order
is refunded at most once by the desk.

    python -m connectors.bigcommerce.sandbox.demo_refunds --url http://127.0.0.1:8701 --every 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from typing import Any

import httpx

log = logging.getLogger(__name__)

RETURNABLE = (2, 3)
UNSHIPPED = 11


class RefundDesk:
    def __init__(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        self.http = http
        self.rng = rng
        self.done: set[int] = set()

    async def _orders(self, status_id: int) -> list[dict[str, Any]]:
        response = await self.http.get("/v2/orders", params={"status_id": status_id, "limit": 50,
                                                             "sort": "id:desc"})
        if response.status_code != 200 or not response.content:
            return []
        return [o for o in response.json() if int(o["id"]) not in self.done]

    async def refund_one(self) -> dict[str, Any] | None:
        """Refund one order (a unit of a shipped one, or an unshipped one whole); the refund, or None."""
        whole = self.rng.random() < 0.25
        candidates = await self._orders(UNSHIPPED) if whole else []
        if not candidates:
            whole = False
            for status in RETURNABLE:
                candidates += await self._orders(status)
        if not candidates:
            return None
        order = self.rng.choice(candidates)
        order_id = int(order["id"])
        self.done.add(order_id)
        products = (await self.http.get(f"/v2/orders/{order_id}/products")).json()
        open_products = [p for p in products if int(p.get("quantity_refunded") or 0) < int(p["quantity"])]
        if not open_products:
            return None
        if whole:
            items = [{"item_type": "PRODUCT", "item_id": p["id"], "quantity": int(p["quantity"])}
                     for p in open_products]
        else:
            product = self.rng.choice(open_products)
            items = [{"item_type": "PRODUCT", "item_id": product["id"], "quantity": 1}]
        quote = await self.http.post(f"/v3/orders/{order_id}/payment_actions/refund_quotes", json={"items": items})
        if quote.status_code >= 400:
            log.warning(f"order {order_id}: refund quote refused: {quote.text[:200]}")
            return None
        method = quote.json()["data"]["refund_methods"][0]
        payments = [{"provider_id": m["provider_id"], "amount": m["amount"], "offline": m.get("offline", False)}
                    for m in method]
        refund = await self.http.post(f"/v3/orders/{order_id}/payment_actions/refunds",
                                      json={"items": items, "payments": payments,
                                            "reason": "Cancelled before shipping" if whole else "Customer return"})
        if refund.status_code >= 400:
            log.warning(f"order {order_id}: refund refused: {refund.text[:200]}")
            return None
        data: dict[str, Any] = refund.json()["data"]
        return data


async def run(url: str, store_hash: str, token: str, every: float, seed: int) -> None:
    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    base = f"{url.rstrip('/')}/stores/{store_hash}"
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        desk = RefundDesk(http, random.Random(seed))
        while True:
            await asyncio.sleep(every)
            try:
                refund = await desk.refund_one()
            except (httpx.HTTPError, KeyError, ValueError) as error:
                log.warning(f"refund desk: {error}")
                continue
            if refund is not None:
                log.info(f"refunded {refund['total_amount']} of order {refund['order_id']} (refund {refund['id']})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8701", help="the BigCommerce sandbox")
    parser.add_argument("--store-hash", default="o2cdemo")
    parser.add_argument("--token", default="sandbox-token")
    parser.add_argument("--every", type=float, default=20.0, help="seconds between refunds")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.url, args.store_hash, args.token, args.every, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
