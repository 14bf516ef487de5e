"""The payout sources wired into the worker: Stripe (webhooks and a catch-up poll) and PayPal settlement files.

With ``O2C_STRIPE_ENABLED=true``:

- ``POST /webhooks/stripe``: verifies ``Stripe-Signature`` (``O2C_STRIPE_WEBHOOK_SECRET``), queues the payout
  of a ``payout.*`` event and answers at once; a task reads each queued payout again from Stripe (so a
  duplicated or out-of-order delivery only ever publishes the payout as Stripe has it now);
- a leader timer (``O2C_STRIPE_POLL_INTERVAL``) lists the payouts created in the last
  ``O2C_STRIPE_LOOKBACK_DAYS`` and publishes any paid, failed or cancelled one not published yet.

With ``O2C_PAYPAL_ENABLED=true`` and ``O2C_PAYPAL_SETTLEMENT_FOLDER``: a leader timer imports each new
settlement (STL) file dropped in the folder, one payout per withdrawal.

A payout version (its status and line count) is published once (``state.payouts.published``), as pages of
lines on ``payouts``, only after the broker has acknowledged every page.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from faust.web import Request, Response, View
from prometheus_client import Counter

from connectors.http import ConnectorError
from connectors.payments.models import Payout, PayoutLine
from connectors.payments.paypal.config import PayPalSettings
from connectors.payments.stripe.client import StripePayouts
from connectors.payments.stripe.config import StripeSettings
from connectors.payments.stripe.webhooks import WebhookSignatureError, verify_event
from state import exceptions as exceptions_store
from state import payouts as store
from streams.contract.payouts import PayoutEvent, PayoutLineRecord, PayoutRecord
from streams.platform import supervised
from streams.platform.app import app
from streams.platform.clients import ClientConnection
from streams.platform.publish import publish
from streams.platform.runtime import database

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/stripe"
PUBLISHED = Counter("o2c_payouts_published_total", "Payout versions published on the payouts topic", ["gateway"])
WEBHOOKS = Counter("o2c_stripe_webhooks_total", "Stripe webhook deliveries, by outcome", ["outcome"])
FINAL = ("paid", "failed", "canceled")

stripe_settings = StripeSettings()
paypal_settings = PayPalSettings()


async def publish_payout(payout: Payout, lines: list[PayoutLine]) -> bool:
    """Publish one version of a payout (once); True if it was new."""
    pool = await database.acquire_pool()
    if await store.published(pool, payout.gateway, payout.payout_id, payout.status, len(lines)):
        return False
    record = PayoutRecord.model_validate(payout.model_dump())
    records = tuple(PayoutLineRecord.model_validate(line.model_dump()) for line in lines)
    for event in PayoutEvent.pages_of(record, records, source=f"{payout.gateway}:payouts"):
        await publish(event)
    await store.mark_published(pool, payout.gateway, payout.payout_id, payout.status, len(lines))
    PUBLISHED.labels(payout.gateway).inc()
    log.info(f"payout {payout.gateway}:{payout.payout_id} ({payout.status}, {len(lines)} lines) published",
             extra={"payout": payout.payout_id, "lines": len(lines), "amount": str(payout.amount)})
    return True


class StripeSource:
    """Reads payouts and their balance transactions from Stripe and publishes them."""

    def __init__(self, connection: ClientConnection[StripePayouts]) -> None:
        self.connection = connection
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    async def fetch(self, payout: Payout) -> bool:
        client = await self.connection.client()
        lines: list[PayoutLine] = []
        if payout.status == "paid" and payout.reconciliation == "itemised":
            lines = [line async for line in client.payout_lines(payout)]
        return await publish_payout(payout, lines)

    async def fetch_id(self, payout_id: str) -> bool:
        client = await self.connection.client()
        return await self.fetch(await client.get_payout(payout_id))

    async def poll(self) -> None:
        new = await self.poll_once()
        if new:
            log.info(f"Stripe poll published {new} payout version(s)")

    async def poll_once(self) -> int:
        client = await self.connection.client()
        since = datetime.now(UTC) - timedelta(days=stripe_settings.lookback_days)
        pool = await database.acquire_pool()
        candidates = [p async for p in client.list_payouts(created_gte=since) if p.status in FINAL]
        done = await store.published_statuses(pool, "stripe", [p.payout_id for p in candidates])
        new = 0
        for payout in reversed(candidates):  # oldest first
            if payout.status not in done.get(payout.payout_id, set()):
                new += await self.fetch(payout)
        return new

    async def drain(self) -> None:
        """Fetch each payout a webhook named; a failure puts it back after a pause (the poll is the backstop)."""
        while True:
            payout_id = await self.queue.get()
            try:
                await self.fetch_id(payout_id)
            except ConnectorError as error:
                log.warning(f"payout {payout_id} could not be read from Stripe yet: {error}")
                await asyncio.sleep(5)
                self.queue.put_nowait(payout_id)


class StripeWebhooks(View):
    """``POST /webhooks/stripe``: verify, queue the payout, answer 200 at once."""

    async def post(self, request: Request, **kwargs: Any) -> Response:
        body = await request.read()
        secret = stripe_settings.webhook_secret
        if secret is None:
            WEBHOOKS.labels("not_configured").inc()
            return self.json({"error": "O2C_STRIPE_WEBHOOK_SECRET is not set"}, status=503)
        try:
            event = verify_event(body, request.headers.get("Stripe-Signature", ""), secret.get_secret_value())
        except WebhookSignatureError as error:
            WEBHOOKS.labels("refused").inc()
            log.warning(f"Stripe webhook refused: {error}")
            return self.json({"error": str(error)}, status=400)
        if event.is_payout and event.payout_id and stripe_source is not None:
            stripe_source.queue.put_nowait(event.payout_id)
            WEBHOOKS.labels("queued").inc()
        else:
            WEBHOOKS.labels("ignored").inc()
        return self.json({"received": True})


async def import_settlements() -> None:
    await import_settlements_once()


async def import_settlements_once() -> int:
    """Import each new PayPal settlement file; a file's problems become a finance exception."""
    from connectors.payments.paypal.folder import SettlementFolder
    from connectors.payments.paypal.stl import parse_settlement

    assert paypal_settings.settlement_folder is not None
    folder = SettlementFolder(paypal_settings.settlement_folder)
    pool = await database.acquire_pool()
    count = 0
    for path in await folder.new_files():
        parsed = parse_settlement(await folder.read(path), file_name=path.name)
        for payout, lines in parsed.payouts:
            count += await publish_payout(payout, list(lines))
        key = f"settlement_unreadable:file:paypal:{path.name}"
        if parsed.problems:
            await exceptions_store.record(pool, exceptions_store.NewException(
                kind="settlement_unreadable", object_type="file", owner="finance", severity="error",
                message=(f"PayPal settlement file {path.name} has {len(parsed.problems)} problem(s): "
                         + "; ".join(parsed.problems[:10]) + ". The payouts that could be read were imported; "
                         "ask PayPal for a corrected file and drop it in the folder."),
                bc_id=path.name, payload={"problems": list(parsed.problems)}, dedupe_key=key))
        await store.file_imported(pool, "paypal", path.name, _sha(path), len(parsed.payouts), parsed.problems)
        await folder.mark_imported(path)
    return count


def _sha(path: Any) -> str:
    from connectors.payments.paypal.folder import sha256

    try:
        return sha256(path)
    except OSError:
        return ""


stripe_source: StripeSource | None = None
if stripe_settings.enabled:
    _connection = ClientConnection(lambda: StripePayouts(stripe_settings))
    app.add_dependency(_connection)
    stripe_source = StripeSource(_connection)
    app.page(WEBHOOK_PATH)(StripeWebhooks)
    supervised.timer(app, stripe_settings.poll_interval, name="poll_stripe_payouts", on_leader=True)(
        stripe_source.poll)
    app.task(stripe_source.drain)
if paypal_settings.enabled and paypal_settings.settlement_folder is not None:
    supervised.timer(app, paypal_settings.poll_interval, name="import_paypal_settlements", on_leader=True)(
        import_settlements)
