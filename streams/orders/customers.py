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
- Creation is batched the same way while every slot is taken: new customers go to NetSuite as one
  asynchronous batch upsert per window (``CustomerCreator``), so a first-time guest's order costs about
  one request, not two.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg

from connectors.batching import WindowBatcher
from connectors.http import ConnectorError, PermanentError
from connectors.locks import KeyedLock
from connectors.netsuite import operations
from connectors.netsuite.client import NetSuiteClient
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import CustomerSpec
from streams.orders.mapping import external_id_for_customer, normalise_email

log = logging.getLogger(__name__)

_locks = KeyedLock()


class EmailLookup:
    """Batches "which active customers have this email?" into one SuiteQL query per short window."""

    def __init__(self, client: Callable[[], Awaitable[NetSuiteClient]], *, window: float = 0.02,
                 busy_window: float = 1.5, max_batch: int = 200) -> None:
        self._client = client
        self._window = window
        self._busy_window = busy_window
        self._batcher: WindowBatcher[str, None, list[str]] = WindowBatcher(self._query, max_batch=max_batch)

    async def find(self, email_norm: str) -> list[str]:
        """Internal ids of the active customers with this (normalised) email, oldest first."""
        client = await self._client()
        window = self._busy_window if client.governor.saturated else self._window
        return await self._batcher.submit(email_norm, None, window=window)

    async def _query(self, batch: dict[str, None]) -> Mapping[str, list[str] | BaseException]:
        client = await self._client()
        with client.governor.ahead_of_queue():  # every order in the batch waits on this one query
            return await operations.customers_by_emails(client, list(batch))


class CustomerCreator:
    """Creates customers by externalId: one upsert each while NetSuite has a free slot, else in batches.

    While every NetSuite slot is taken, a new customer would queue for a slot anyway; instead the
    customers asked for within ``window`` seconds go to NetSuite as one asynchronous batch upsert (up
    to 100 records per request). The batch is confirmed with one SuiteQL query on the externalIds
    once NetSuite has had time to process it (the job's status is read only when some are still
    missing). These requests, and the batched lookups, go ahead of queued sales-order writes, since
    each one unblocks many orders. A customer the batch did not create (a rejected record, a job
    that never finishes, an account without batch operations) is upserted on its own, so its caller
    gets NetSuite's own answer; a batch request NetSuite refuses outright turns batching off for
    this process.
    """

    def __init__(self, client: Callable[[], Awaitable[NetSuiteClient]], *, batch: bool = True,
                 window: float = 1.5, max_batch: int = 100, poll: float = 0.5, max_wait: float = 120.0) -> None:
        self._client = client
        self._batch = batch
        self._window = window
        self._poll = poll
        self._max_wait = max_wait
        self._batcher: WindowBatcher[str, dict[str, Any], str] = WindowBatcher(self._run, max_batch=max_batch)
        self.batches = 0

    async def create(self, external_id: str, body: dict[str, Any]) -> str:
        """Upsert the customer ``body`` under ``external_id``; returns its internal id."""
        client = await self._client()
        if self._batch and (client.governor.saturated or self._batcher.pending):
            return await self._batcher.submit(external_id, body, window=self._window)
        return (await client.upsert("customer", external_id, body)).id

    async def _run(self, batch: dict[str, dict[str, Any]]) -> dict[str, str | BaseException]:
        client = await self._client()
        with client.governor.ahead_of_queue():  # every order in the batch waits on these requests
            return await self._create_all(client, batch)

    async def _create_all(self, client: NetSuiteClient, batch: dict[str, dict[str, Any]]
                          ) -> dict[str, str | BaseException]:
        found: dict[str, str] = {}
        try:
            job = await client.submit_batch("PUT", "customer", [{**body, "externalId": eid}
                                                                for eid, body in batch.items()],
                                            idempotency_key=str(uuid.uuid4()), label="customer")
            self.batches += 1
            found = await self._confirm(client, job, list(batch))
        except PermanentError as error:
            self._batch = False
            log.warning("NetSuite refused a batch upsert; creating customers one at a time from now on",
                        extra={"error": str(error)})
        except ConnectorError as error:
            log.warning("batch customer upsert failed; creating these customers one at a time",
                        extra={"error": str(error), "count": len(batch)})
        rest = [eid for eid in batch if eid not in found]
        if rest:
            log.info("customers not created by their batch are upserted one at a time", extra={"count": len(rest)})
        singles = await asyncio.gather(*(client.upsert("customer", eid, batch[eid]) for eid in rest),
                                       return_exceptions=True)
        results: dict[str, str | BaseException] = dict(found)
        for eid, single in zip(rest, singles, strict=True):
            results[eid] = single if isinstance(single, BaseException) else single.id
        return results

    async def _confirm(self, client: NetSuiteClient, job: str, external_ids: list[str]) -> dict[str, str]:
        """Internal ids of the batch's customers that exist once the job is done (or ``max_wait`` passed)."""
        found: dict[str, str] = {}
        waited, poll = 0.0, self._poll
        while True:
            await asyncio.sleep(poll)
            waited += poll
            found.update(await self._existing(client, [e for e in external_ids if e not in found]))
            if len(found) == len(external_ids):
                return found
            if (await client.job(job)).completed:
                found.update(await self._existing(client, [e for e in external_ids if e not in found]))
                return found
            if waited >= self._max_wait:
                log.warning("NetSuite batch job still running; its missing customers are upserted one at a time",
                            extra={"job": job, "count": len(external_ids) - len(found)})
                return found
            poll = min(poll * 1.5, 5.0)

    @staticmethod
    async def _existing(client: NetSuiteClient, external_ids: list[str]) -> dict[str, str]:
        return await operations.customers_by_external_ids(client, external_ids)


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
    creator: CustomerCreator, lookup: EmailLookup, pool: asyncpg.Pool, *, store_hash: str, spec: CustomerSpec,
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
        ns_id = await creator.create(external_id, body)
        await orders_store.save_customer(pool, store_hash, email, ns_id, external_id=external_id,
                                         matched_by="created")
        log.info("NetSuite customer created", extra={"ns_id": ns_id, "external_id": external_id,
                                                      "bc_order_id": bc_order_id})
        return ns_id


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
