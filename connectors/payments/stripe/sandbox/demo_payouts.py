"""The demo's payment gateways at work: what the BigCommerce sandbox's Stripe orders took becomes Stripe
charges (and refunds), and every ``--every`` seconds Stripe pays the balance out (a signed webhook to o2c);
with ``--paypal-folder``, the PayPal orders' captures (and refunds) since the last withdrawal are written as a
PayPal settlement (STL) file with their fees and the withdrawal, dropped in the folder o2c imports.

Reads the BigCommerce sandbox's admin feed (``/__sandbox/state/transactions``, outside the store's API
quota, so the demo's o2c keeps all of it) and writes through the Stripe sandbox's admin API.

    python -m connectors.payments.stripe.sandbox.demo_payouts --bigcommerce http://127.0.0.1:8701 \
        --stripe http://127.0.0.1:8703 --webhook-url http://127.0.0.1:6067/webhooks/stripe --every 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx

from connectors.payments.paypal.stl_writer import SettlementTransaction, stl_file_name, write_settlement

log = logging.getLogger(__name__)

CAPTURES = frozenset({"purchase", "capture"})
PAYPAL_GATEWAYS = frozenset({"paypalcommerce", "paypal", "paypalexpress"})
#: PayPal's standard rate for the demo: 3.49% + 0.49.
PAYPAL_RATE = Decimal("0.0349")
PAYPAL_FIXED = Decimal("0.49")


class PaymentFeed:
    """Mirrors BigCommerce's Stripe transactions into the Stripe sandbox, each once."""

    def __init__(self, http: httpx.AsyncClient, bigcommerce: str, stripe: str) -> None:
        self.http = http
        self.bigcommerce = bigcommerce.rstrip("/")
        self.stripe = stripe.rstrip("/")
        self.after_id = 0
        self.currencies: set[str] = set()
        self.paypal: list[dict[str, Any]] = []

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
        self.paypal.extend(t for t in rows if t["gateway"] in PAYPAL_GATEWAYS and t["status"] == "ok"
                           and t["event"] in (*CAPTURES, "refund"))
        if rows:
            self.after_id = max(int(t["id"]) for t in rows)
        return len(charges), len(refunds)

    def paypal_settlement(self, folder: Path, sequence: int) -> Path | None:
        """Write the PayPal captures and refunds since the last withdrawal as one settlement file, if any."""
        if not self.paypal:
            return None
        rows: list[SettlementTransaction] = []
        now = datetime.now(UTC).replace(microsecond=0)
        for t in self.paypal:
            amount = Decimal(str(t["amount"]))
            if t["event"] == "refund":
                rows.append(SettlementTransaction(_paypal_id(), "T1107", -amount, currency=t["currency"],
                                                  reference_id=t["gateway_transaction_id"], initiated=now))
            else:
                fee = (amount * PAYPAL_RATE + PAYPAL_FIXED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                rows.append(SettlementTransaction(t["gateway_transaction_id"], "T0006", amount, fee,
                                                  currency=t["currency"], invoice_id=f"BC-{t['order_id']}",
                                                  initiated=now))
        by_currency: dict[str, Decimal] = {}
        for row in rows:
            by_currency[row.currency] = by_currency.get(row.currency, Decimal(0)) + row.gross - row.fee
        rows += [SettlementTransaction(_paypal_id(), "T0400", -net, currency=currency, initiated=now)
                 for currency, net in sorted(by_currency.items()) if net > 0]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / stl_file_name(now.date(), sequence=sequence)
        partial = path.with_suffix(".part")
        partial.write_bytes(write_settlement(rows, report_date=now.date(), account_id="DEMOMERCHANT01"))
        partial.rename(path)  # appears whole: the importer never reads half a file
        self.paypal = []
        return path

    async def pay_out(self) -> list[dict[str, Any]]:
        """One automatic payout per currency with a balance (Stripe's daily payout)."""
        made = []
        for currency in sorted(self.currencies):
            response = await self.http.post(f"{self.stripe}/__sandbox/payouts",
                                            json={"currency": currency, "automatic": True})
            if response.status_code == 200:
                made.append(response.json())
        return made


def _paypal_id() -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=17))


async def run(bigcommerce: str, stripe: str, webhook_url: str, every: float, paypal_folder: Path | None = None
              ) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        while True:  # the sandboxes start alongside this process
            try:
                (await http.post(f"{stripe.rstrip('/')}/__sandbox/webhook_endpoints", json={"url": webhook_url})
                 ).raise_for_status()
                break
            except httpx.HTTPError:
                await asyncio.sleep(1)
        feed = PaymentFeed(http, bigcommerce, stripe)
        sequence = 0
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(httpx.HTTPError):
                await feed.mirror()
                for payout in await feed.pay_out():
                    log.info(f"payout {payout['id']} of {payout['amount']} {payout['currency']}")
                if paypal_folder is not None:
                    sequence += 1
                    feed.paypal_settlement(paypal_folder, sequence)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bigcommerce", required=True, help="the BigCommerce sandbox's base URL")
    parser.add_argument("--stripe", required=True, help="the Stripe sandbox's base URL")
    parser.add_argument("--webhook-url", required=True, help="where Stripe's payout webhooks go (o2c's worker)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between payouts")
    parser.add_argument("--paypal-folder", type=Path, help="write PayPal settlement files here (o2c's drop folder)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.bigcommerce, args.stripe, args.webhook_url, args.every, args.paypal_folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
