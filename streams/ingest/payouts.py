"""The payout sources wired into the worker: Stripe (webhooks and a catch-up poll) and PayPal settlement files.

With ``O2C_STRIPE_ENABLED=true``:

- ``POST /webhooks/stripe`` (the worker's webhook server): verifies ``Stripe-Signature``
  (``O2C_STRIPE_WEBHOOK_SECRET``), queues the payout of a ``payout.*`` event and answers at once; a task reads
  each queued payout again from Stripe (so a duplicated or out-of-order delivery only ever publishes the payout
  as Stripe has it now);
- a leader timer (``O2C_STRIPE_POLL_INTERVAL``) lists the payouts created in the last
  ``O2C_STRIPE_LOOKBACK_DAYS`` and publishes any paid, failed or cancelled one not published yet.

With ``O2C_PAYPAL_ENABLED=true``:

- and ``O2C_PAYPAL_SETTLEMENT_FOLDER``: a leader timer (``O2C_PAYPAL_POLL_INTERVAL``) imports each new
  settlement (STL) file dropped in the folder, one payout per withdrawal. The records after a file's last
  withdrawal are kept in PostgreSQL (``state.paypal``) and carried into the next file, whose first
  withdrawal pays them out. A problem in a file is a ``settlement_unreadable`` exception; a changed file
  under a name already imported is not imported but a ``settlement_conflict`` exception (finance);
- and ``O2C_PAYPAL_CLIENT_ID``/``O2C_PAYPAL_CLIENT_SECRET``: a leader timer publishes the withdrawals
  Transaction Search lists since its cursor (``state.cursors``, re-read with a three-hour overlap).

A payout version (its status and line count) is published once (``state.payouts.published``), as pages of
lines on ``payouts``, only after the broker has acknowledged every page.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import Counter

from connectors.http import ConnectorError
from connectors.payments.models import Payout, PayoutLine
from connectors.payments.paypal.config import PayPalSettings
from connectors.payments.paypal.folder import SettlementFolder
from connectors.payments.paypal.stl import parse_settlement
from connectors.payments.paypal.transaction_search import PayPalTransactionSearch
from connectors.payments.paypal.windows import Movement
from connectors.payments.stripe.client import StripePayouts
from connectors.payments.stripe.config import StripeSettings
from connectors.payments.stripe.webhooks import WebhookSignatureError, verify_event
from state import cursors
from state import exceptions as exceptions_store
from state import payouts as store
from state import paypal as paypal_store
from streams.contract.payouts import PayoutEvent, PayoutLineRecord, PayoutRecord
from streams.platform import clients, supervised, webhooks
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
        """Read the payout's lines and publish it, unless this status was published already: the lines of a
        paid payout never change (a second webhook, ``payout.reconciliation_completed`` after ``payout.paid``,
        costs one payout read, not every page again) — except a payout whose lines did not add up yet."""
        client = await self.connection.client()
        pool = await database.acquire_pool()
        done = await store.published_statuses(pool, payout.gateway, [payout.payout_id])
        if payout.status in done.get(payout.payout_id, set()):
            row = await store.get(pool, payout.gateway, payout.payout_id)
            if row is None or row.result != "unbalanced":
                return False
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
            except Exception:  # PostgreSQL or Kafka away: keep the payout (the poll is the backstop too)
                log.exception(f"payout {payout_id} could not be published yet; trying again")
                await asyncio.sleep(5)
                self.queue.put_nowait(payout_id)


async def receive_stripe_webhook(request: web.Request) -> web.Response:
    """``POST /webhooks/stripe``: verify, queue the payout, answer 200 at once."""
    body = await request.read()
    secret = stripe_settings.webhook_secret
    if secret is None:
        WEBHOOKS.labels("not_configured").inc()
        return web.json_response({"error": "O2C_STRIPE_WEBHOOK_SECRET is not set"}, status=503)
    try:
        event = verify_event(body, request.headers.get("Stripe-Signature", ""), secret.get_secret_value())
    except WebhookSignatureError as error:
        WEBHOOKS.labels("refused").inc()
        log.warning(f"Stripe webhook refused: {error}")
        return web.json_response({"error": str(error)}, status=400)
    if event.is_payout and event.payout_id and stripe_source is not None:
        stripe_source.queue.put_nowait(event.payout_id)
        WEBHOOKS.labels("queued").inc()
    else:
        WEBHOOKS.labels("ignored").inc()
    return web.json_response({"received": True})


async def import_settlements() -> None:
    new = await import_settlements_once()
    if new:
        log.info(f"PayPal settlement import published {new} payout version(s)")


async def import_settlements_once() -> int:
    """Import each new PayPal settlement file (oldest report first); a file's problems, and a changed file
    under a name already imported, become finance exceptions. Returns the payout versions published."""
    assert paypal_settings.settlement_folder is not None
    folder = SettlementFolder(paypal_settings.settlement_folder)
    pool = await database.acquire_pool()
    found = await folder.scan()
    for duplicate in found.duplicates:
        await folder.set_aside(duplicate)
    for path, conflict in zip(found.conflicting, found.conflicts, strict=True):
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind="settlement_conflict", object_type="file", owner="finance", severity="error",
            message=(f"PayPal settlement file {conflict}. o2c imports a file name once, so nothing in the new file "
                     f"was booked. If it is PayPal's corrected report, compare it with {folder.imported_dir.name}/"
                     f"{path.name}, book any difference by hand and remove the new file from {folder.path}; if it "
                     "was dropped by mistake, just remove it."),
            bc_id=path.name, payload={"file": path.name, "detail": conflict},
            dedupe_key=f"settlement_conflict:file:paypal:{path.name}"))
    count = 0
    for path in found.new:
        count += await _import_file(folder, pool, path)
    return count


async def _import_file(folder: SettlementFolder, pool: Any, path: Path) -> int:
    """One file: its payouts (with the records the previous file left unsettled) published, its problems an
    exception, what it leaves unsettled saved for the next file, then the file moved to ``imported/``."""
    data = await folder.read(path)
    parsed = parse_settlement(data, file_name=path.name)
    carry = await paypal_store.carry_before(pool, parsed.account_id, path.name)
    if carry.unsettled or carry.known:
        parsed = parse_settlement(data, file_name=path.name, start_known=carry.known,
                                  carried=[Movement.from_json(m) for m in carry.unsettled])
    count = 0
    for payout, lines in parsed.payouts:
        count += await publish_payout(payout, list(lines))
    if parsed.problems:
        await exceptions_store.record(pool, exceptions_store.NewException(
            kind="settlement_unreadable", object_type="file", owner="finance", severity="error",
            message=(f"PayPal settlement file {path.name} has {len(parsed.problems)} problem(s): "
                     + "; ".join(parsed.problems[:10]) + ". The payouts that could be read were imported; "
                     "ask PayPal for a corrected file and drop it in the folder."),
            bc_id=path.name, payload={"problems": list(parsed.problems)},
            dedupe_key=f"settlement_unreadable:file:paypal:{path.name}"))
    await store.file_imported(pool, "paypal", path.name, hashlib.sha256(data).hexdigest(), len(parsed.payouts),
                              parsed.problems)
    known = set(carry.known) | {payout.currency for payout, _ in parsed.payouts}
    await paypal_store.save_carry(pool, parsed.account_id, path.name, [m.to_json() for m in parsed.unsettled],
                                  sorted(known))
    await folder.mark_imported(path)
    if parsed.unsettled:
        log.info(f"PayPal settlement file {path.name}: {len(parsed.unsettled)} record(s) after its last withdrawal "
                 "carried into the next file", extra={"file": path.name})
    return count


#: Transaction Search re-reads this far before its cursor: PayPal lists a record up to three hours late.
SEARCH_OVERLAP = timedelta(hours=3)
SEARCH_CURSOR = "paypal:transaction_search"


class PayPalSearchSource:
    """Publishes the withdrawals Transaction Search lists since a cursor kept in ``state.cursors``."""

    def __init__(self, connection: ClientConnection[PayPalTransactionSearch]) -> None:
        self.connection = connection

    async def poll(self) -> None:
        new = await self.poll_once()
        if new:
            log.info(f"PayPal Transaction Search published {new} payout version(s)")

    async def poll_once(self, now: datetime | None = None) -> int:
        client = await self.connection.client()
        pool = await database.acquire_pool()
        end = now or datetime.now(UTC)
        cursor = await cursors.load(pool, SEARCH_CURSOR)
        start = (cursor.watermark - SEARCH_OVERLAP if cursor is not None
                 else end - timedelta(days=paypal_settings.lookback_days))
        new, seen = 0, set()
        async for payout, lines in client.withdrawals(start, end):
            new += await publish_payout(payout, list(lines))
            seen.add(payout.payout_id)
        await cursors.advance(pool, SEARCH_CURSOR, end, seen)
        return new


stripe_source: StripeSource | None = None
if stripe_settings.enabled:
    _connection = ClientConnection(lambda: StripePayouts(stripe_settings))
    app.add_dependency(_connection)
    clients.in_use.add("stripe")
    stripe_source = StripeSource(_connection)
    webhooks.route(WEBHOOK_PATH)(receive_stripe_webhook)
    supervised.timer(app, stripe_settings.poll_interval, name="poll_stripe_payouts", on_leader=True)(
        stripe_source.poll)
    supervised.task(app, name="stripe.payout_webhooks")(stripe_source.drain)
if paypal_settings.enabled and paypal_settings.settlement_folder is not None:
    supervised.timer(app, paypal_settings.poll_interval, name="import_paypal_settlements", on_leader=True)(
        import_settlements)
paypal_search: PayPalSearchSource | None = None
if paypal_settings.enabled and paypal_settings.api_enabled:
    _paypal_connection = ClientConnection(lambda: PayPalTransactionSearch(paypal_settings))
    app.add_dependency(_paypal_connection)
    clients.in_use.add("paypal")
    paypal_search = PayPalSearchSource(_paypal_connection)
    supervised.timer(app, paypal_settings.poll_interval, name="poll_paypal_transactions", on_leader=True)(
        paypal_search.poll)
