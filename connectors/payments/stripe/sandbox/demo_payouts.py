"""The demo's payment gateway at work: what the BigCommerce sandbox's Stripe orders took becomes Stripe
charges (and refunds), and every ``--every`` seconds Stripe pays the balance out (a signed webhook to o2c).

Reads the BigCommerce sandbox's admin feed (``/__sandbox/state/transactions``, outside the store's API
quota, so the demo's o2c keeps all of it) and writes through the Stripe sandbox's admin API.

    python -m connectors.payments.stripe.sandbox.demo_payouts --bigcommerce http://127.0.0.1:8701 \
        --stripe http://127.0.0.1:8703 --webhook-url http://127.0.0.1:6066/webhooks/stripe --every 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import httpx

log = logging.getLogger(__name__)

CAPTURES = frozenset({"purchase", "capture"})


class PaymentFeed:
    """Mirrors BigCommerce's Stripe transactions into the Stripe sandbox, each once."""

    def __init__(self, http: httpx.AsyncClient, bigcommerce: str, stripe: str) -> None:
        self.http = http
        self.bigcommerce = bigcommerce.rstrip("/")
        self.stripe = stripe.rstrip("/")
        self.after_id = 0
        self.currencies: set[str] = set()

    async def mirror(self) -> tuple[int, int]:
        """New charges and refunds created since the last call."""
        response = await self.http.get(f"{self.bigcommerce}/__sandbox/state/transactions",
                                       params={"after_id": self.after_id})
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        charges = [t for t in rows if t["gateway"] == "stripe" and t["event"] in CAPTURES and t["status"] == "ok"]
        refunds = [t for t in rows if t["gateway"] == "stripe" and t["event"] == "refund" and t["status"] == "ok"]
        if charges:
            body = [{"amount": str(t["amount"]), "currency": str(t["currency"]).lower(),
                     "payment_intent": t["gateway_transaction_id"],
                     "description": f"BigCommerce order {t['order_id']}"} for t in charges]
            made = await self.http.post(f"{self.stripe}/__sandbox/charges", json=body)
            made.raise_for_status()
            self.currencies.update(str(t["currency"]).lower() for t in charges)
        for t in refunds:
            refund = await self.http.post(f"{self.stripe}/__sandbox/refunds", headers={"Idempotency-Key": str(t["id"])},
                                          json={"payment_intent": t["gateway_transaction_id"],
                                                "amount": str(t["amount"])})
            if refund.status_code >= 400:
                log.warning(f"refund of {t['gateway_transaction_id']} not mirrored: {refund.text[:200]}")
        if rows:
            self.after_id = max(int(t["id"]) for t in rows)
        return len(charges), len(refunds)

    async def pay_out(self) -> list[dict[str, Any]]:
        """One automatic payout per currency with a balance (Stripe's daily payout)."""
        made = []
        for currency in sorted(self.currencies):
            response = await self.http.post(f"{self.stripe}/__sandbox/payouts",
                                            json={"currency": currency, "automatic": True})
            if response.status_code == 200:
                made.append(response.json())
        return made


async def run(bigcommerce: str, stripe: str, webhook_url: str, every: float) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        while True:  # the sandboxes start alongside this process
            try:
                (await http.post(f"{stripe.rstrip('/')}/__sandbox/webhook_endpoints", json={"url": webhook_url})
                 ).raise_for_status()
                break
            except httpx.HTTPError:
                await asyncio.sleep(1)
        feed = PaymentFeed(http, bigcommerce, stripe)
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(httpx.HTTPError):
                await feed.mirror()
                for payout in await feed.pay_out():
                    log.info(f"payout {payout['id']} of {payout['amount']} {payout['currency']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bigcommerce", required=True, help="the BigCommerce sandbox's base URL")
    parser.add_argument("--stripe", required=True, help="the Stripe sandbox's base URL")
    parser.add_argument("--webhook-url", required=True, help="where Stripe's payout webhooks go (o2c's worker)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between payouts")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.bigcommerce, args.stripe, args.webhook_url, args.every))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
