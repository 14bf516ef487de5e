"""Customers: one NetSuite customer per normalised email, matched before created, never duplicated.

- Serialised per email inside a worker (a keyed lock), so two orders from one new customer wait for
  each other and the second finds the link the first stored.
- Idempotent across workers: a created customer's externalId is derived from the email, so two workers
  (or a retry after a lost response) upsert the same record. No database connection is held while
  NetSuite answers.
- Lookups are batched: emails asked for within a short window share one SuiteQL query
  (``LOWER(email) IN (…)``). The window is a few milliseconds while NetSuite has free slots, and
  longer while every slot is taken (a query would queue for a slot anyway), so in a flash sale one
  query answers many orders and NetSuite requests per order stay close to one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from connectors.locks import KeyedLock
from connectors.netsuite.client import NetSuiteClient
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.events import CustomerSpec
from streams.order_mapping import external_id_for_customer, normalise_email

log = logging.getLogger(__name__)

_locks = KeyedLock()

LOOKUP_QUERY = (
    "SELECT id, LOWER(email) AS email_norm FROM customer WHERE LOWER(email) IN ({marks}) AND isinactive = 'F' "
    "ORDER BY datecreated, id"
)


class EmailLookup:
    """Batches "which active customers have this email?" into one SuiteQL query per short window."""

    def __init__(self, client: Callable[[], Awaitable[NetSuiteClient]], *, window: float = 0.02,
                 busy_window: float = 0.5, max_batch: int = 200) -> None:
        self._client = client
        self._window = window
        self._busy_window = busy_window
        self._max_batch = max_batch
        self._pending: dict[str, asyncio.Future[list[str]]] = {}
        self._timer: asyncio.TimerHandle | None = None

    async def find(self, email_norm: str) -> list[str]:
        """Internal ids of the active customers with this (normalised) email, oldest first."""
        client = await self._client()
        future = self._pending.get(email_norm)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._pending[email_norm] = future
            if len(self._pending) >= self._max_batch:
                self._flush_now()
            elif self._timer is None:
                window = self._busy_window if client.governor.saturated else self._window
                self._timer = asyncio.get_running_loop().call_later(window, self._flush_now)
        return await asyncio.shield(future)

    def _flush_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, {}
        if batch:
            asyncio.get_running_loop().create_task(self._query(batch))

    async def _query(self, batch: dict[str, asyncio.Future[list[str]]]) -> None:
        emails = list(batch)
        try:
            client = await self._client()
            found: dict[str, list[str]] = {email: [] for email in emails}
            query = LOOKUP_QUERY.format(marks=", ".join("?" for _ in emails))
            async for row in client.suiteql(query, emails):
                found.setdefault(str(row["email_norm"]), []).append(str(row["id"]))
        except BaseException as error:
            for future in batch.values():
                if not future.done():
                    future.set_exception(error)
            return
        for email, future in batch.items():
            if not future.done():
                future.set_result(found[email])


def customer_body(spec: CustomerSpec, *, external_id: str, subsidiary_id: str, currency_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "externalId": external_id,
        "email": spec.email.strip(),
        "subsidiary": {"id": subsidiary_id},
        "currency": {"id": currency_id},
    }
    if spec.company:
        body.update(isPerson=False, companyName=spec.company[:83])
    else:
        body.update(isPerson=True, firstName=(spec.first_name or "Guest")[:32], lastName=(spec.last_name or "-")[:32])
    if spec.phone:
        body["phone"] = spec.phone[:32]
    return body


async def resolve_customer(
    client: NetSuiteClient, lookup: EmailLookup, pool: asyncpg.Pool, *, store_hash: str, spec: CustomerSpec,
    subsidiary_id: str, currency_id: str, bc_order_id: int,
) -> str:
    """The NetSuite internal id of the customer for ``spec``: stored link, else oldest active match, else new."""
    email = normalise_email(spec.email)
    async with _locks.hold(email):
        linked = await orders_store.get_customer(pool, store_hash, email)
        if linked is not None:
            return linked
        matches = await lookup.find(email)
        if matches:
            ns_id = matches[0]
            await orders_store.save_customer(pool, store_hash, email, ns_id, external_id=None, matched_by="existing")
            if len(matches) > 1:
                await _report_conflict(pool, store_hash, email, matches, bc_order_id)
            return ns_id
        external_id = external_id_for_customer(store_hash, email)
        body = customer_body(spec, external_id=external_id, subsidiary_id=subsidiary_id, currency_id=currency_id)
        result = await client.upsert("customer", external_id, body)
        await orders_store.save_customer(pool, store_hash, email, result.id, external_id=external_id,
                                         matched_by="created")
        log.info("NetSuite customer created", extra={"ns_id": result.id, "external_id": external_id,
                                                      "bc_order_id": bc_order_id})
        return result.id


async def _report_conflict(pool: asyncpg.Pool, store_hash: str, email: str, matches: list[str],
                           bc_order_id: int) -> None:
    ids = ", ".join(matches)
    log.warning("several NetSuite customers share an email; the oldest active one was used",
                extra={"ns_ids": ids, "ns_id": matches[0], "bc_order_id": bc_order_id})
    await exceptions_store.record(pool, exceptions_store.NewException(
        kind="customer_conflict", object_type="customer", owner="customer_service", severity="info",
        ns_id=matches[0], bc_id=str(bc_order_id),
        message=(f"{len(matches)} active NetSuite customers ({ids}) share the email on BigCommerce order "
                 f"{bc_order_id}. o2c used the oldest, {matches[0]}, for this and later orders. Merge the "
                 "duplicates in NetSuite if they are the same person."),
        payload={"customers": matches}, dedupe_key=f"customer_conflict:{store_hash}:{email}",
    ))
