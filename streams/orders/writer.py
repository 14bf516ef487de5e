"""The NetSuite writer: sales order commands → idempotent upserts by externalId, with backpressure.

A bounded number of commands is in flight per worker (the agent's concurrency); NetSuite's own limit
is enforced by the process-wide concurrency governor inside the client, so when NetSuite is the
bottleneck the lag grows in Kafka, not in memory. Every outcome is reported on ``sync.results`` and
in the ledger; a later success resolves the order's open exceptions (an operator's ``retrying`` one with a
note naming the sales order), and a refusal opens a ``retrying`` one again with NetSuite's answer.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from prometheus_client import Histogram

from connectors.http import PermanentError
from connectors.locks import KeyedLock
from connectors.netsuite import operations
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.models import WriteResult
from state import catalog
from state import exceptions as exceptions_store
from state import orders as orders_store
from streams.contract import LineKind, SalesOrderCommand, SalesOrderCommandEvent
from streams.orders import write_rules as rules
from streams.orders.addresses import subrecord
from streams.orders.body import apply_tax, header_fields, ship_group_fields
from streams.orders.customers import CustomerCreator, EmailLookup, resolve_customer
from streams.orders.mapping import SalesOrderDraft, sales_order_body
from streams.orders.runtime import order_settings, report
from streams.orders.write_rules import special_record_type
from streams.platform import clients
from streams.platform.publish import publish
from streams.platform.runtime import database

log = logging.getLogger(__name__)

ORDER_LATENCY = Histogram(
    "o2c_order_to_sales_order_seconds", "BigCommerce order created → NetSuite sales order written.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
_order_locks = KeyedLock()
_special_lock = asyncio.Lock()
email_lookup = EmailLookup(clients.netsuite_client)
customer_creator = CustomerCreator(clients.netsuite_client, batch=order_settings.customer_batches)


async def resolve_items(client: NetSuiteClient, command: SalesOrderCommand) -> dict[str, str]:
    """itemid → internal id for every line; the special items (discount, tax, …) are found or created once."""
    pool = await database.acquire_pool()
    refs = {line.item_ref for line in command.lines}
    ids = await catalog.resolve(pool, refs)
    special = {line.item_ref: line.kind for line in command.lines if line.kind != "product"}
    # a custom line's item is created once like the other special items
    missing_special = [ref for ref in special if ref not in ids]
    if missing_special:
        async with _special_lock:
            for ref in missing_special:
                ids[ref] = await _special_item(client, ref, special[ref])
    missing = refs - ids.keys()
    if missing:
        raise LookupError(f"no active NetSuite item for {', '.join(sorted(missing))}")
    return ids


async def _special_item(client: NetSuiteClient, ref: str, kind: LineKind) -> str:
    pool = await database.acquire_pool()
    known = await catalog.resolve(pool, [ref])
    if ref in known:
        return known[ref]
    found = await operations.find_item(client, ref)
    if found is not None:
        ns_id, item_type = found.id, found.item_type
    else:
        record_type = special_record_type(kind)
        result = await client.upsert(record_type, f"O2C-ITEM-{ref}",
                                     {"itemId": ref, "displayName": f"o2c {kind} line"})
        ns_id, item_type = result.id, record_type
        log.info("created NetSuite item for o2c lines", extra={"item": ref, "ns_id": ns_id})
    await catalog.remember(pool, ref, ns_id, item_type)
    return ns_id


async def apply_command(command: SalesOrderCommand) -> str:
    """Write one command to NetSuite; returns the outcome."""
    async with _order_locks.hold(command.bc_order_id):
        pool = await database.acquire_pool()
        link = await orders_store.get_link(pool, command.store_hash, command.bc_order_id)
        decision = rules.step(command, link.source_version if link is not None else None)
        if decision == "stale":
            return "stale"
        try:
            return await (_close(command) if decision == "close" else _upsert(command))
        except Exception as error:
            if rules.failure(error) == "rejected":
                exception = rules.rejected(command, error) if decision == "upsert" else rules.close_refused(
                    command, error)
                await exceptions_store.record(pool, exception)
                await exceptions_store.reopen_retried(
                    pool, object_type="order", bc_id=str(command.bc_order_id),
                    note=f"The retry reached NetSuite, which refused it: {exception.message}")
                await report(order_id=command.bc_order_id, status="failed", external_id=command.external_id,
                             detail=str(error), version=command.source_version.isoformat())
                return "failed"
            await orders_store.park(pool, store_hash=command.store_hash, order_id=command.bc_order_id,
                                    reason="retry", snapshot=command.model_dump(mode="json"),
                                    source_version=command.source_version, detail=str(error),
                                    retry_in=rules.RETRY_AFTER)
            await report(order_id=command.bc_order_id, status="parked", external_id=command.external_id,
                         detail=f"will retry: {error}", version=command.source_version.isoformat())
            return "retry"


async def _upsert(command: SalesOrderCommand) -> str:
    pool = await database.acquire_pool()
    client = await clients.netsuite_client()
    customer_id = await resolve_customer(
        customer_creator, email_lookup, pool, store_hash=command.store_hash, spec=command.customer,
        subsidiary_id=order_settings.subsidiary_id, currency_id=order_settings.currency_id,
        bc_order_id=command.bc_order_id,
    )
    draft = SalesOrderDraft(
        external_id=command.external_id, bc_order_id=command.bc_order_id, tran_date=command.tran_date,
        lines=command.lines, shipping_cost=command.shipping_cost, bc_total=command.bc_total, memo=command.memo,
        tax_mode=command.tax_mode, tax_total=command.tax_total, shipping_tax_code_id=command.shipping_tax_code_id,
        shipping_tax_amount=command.shipping_tax_amount, shipping_tax_rate=command.shipping_tax_rate,
    )

    async def write() -> WriteResult:
        body = sales_order_body(draft, customer_id=customer_id, item_ids=await resolve_items(client, command),
                                subsidiary_id=order_settings.subsidiary_id, location_id=order_settings.location_id,
                                currency_id=order_settings.currency_id, store_hash=command.store_hash)
        body |= header_fields(command, currency_id=order_settings.currency_id)
        if command.ship_groups:
            address_ids = await operations.add_address_book_entries(
                client, customer_id, {g.label: subrecord(g.address) for g in command.ship_groups})
            ship_group_fields(command, body["item"]["items"], address_ids)
        apply_tax(body, draft)
        replace = ["item", "taxDetails"] if command.tax_mode == "suitetax" else ["item"]
        return await client.upsert("salesOrder", command.external_id, body, replace=replace)

    try:
        result = await write()
    except PermanentError as error:
        special = sorted({x.item_ref for x in command.lines if x.kind != "product"})
        if error.code != "INVALID_CONTENT" or not special:
            raise
        # A remembered discount/tax/rounding item may have been deleted in NetSuite: find it again.
        await catalog.forget(pool, special)
        result = await write()

    await orders_store.save_link(
        pool, store_hash=command.store_hash, order_id=command.bc_order_id, external_id=command.external_id,
        content_hash=command.content_hash, source_version=command.source_version, status="synced",
        bc_total=command.bc_total, ns_id=result.id, ns_customer_id=customer_id, ns_total=draft.total,
        order_created_at=command.order_created_at,
    )
    await orders_store.unpark(pool, command.store_hash, command.bc_order_id)
    await exceptions_store.resolve_retried(pool, object_type="order", bc_id=str(command.bc_order_id),
                                           note=f"retried: sales order {result.id} written to NetSuite")
    await exceptions_store.auto_resolve(pool, object_type="order", bc_id=str(command.bc_order_id))
    latency = (datetime.now(UTC) - command.order_created_at).total_seconds()
    ORDER_LATENCY.observe(max(latency, 0.0))
    await report(order_id=command.bc_order_id, status="synced", external_id=command.external_id,
                 target_id=result.id, latency_ms=round(latency * 1000, 1), version=command.source_version.isoformat())
    return "synced"


async def _close(command: SalesOrderCommand) -> str:
    pool = await database.acquire_pool()
    client = await clients.netsuite_client()
    version = command.source_version.isoformat()
    order = await operations.sales_order_lines(client, command.external_id)
    decision = rules.cancellation(order.lines)
    if decision == "all_shipped":
        await exceptions_store.record(pool, rules.cancelled_after_fulfilment(command, ns_id=order.id,
                                                                             tran_id=order.tran_id))
        await report(order_id=command.bc_order_id, status="failed", external_id=command.external_id,
                     detail="cancelled after fulfilment", version=version)
        return "cannot-close"
    if decision == "cancel_open":
        await operations.cancel_open_lines(client, order)
        await report(order_id=command.bc_order_id, status="closed", external_id=command.external_id,
                     target_id=order.id, version=version, detail="unshipped lines taken off")
        return "unshipped lines cancelled"
    await operations.close_sales_order(client, order)
    await orders_store.mark_closed(pool, command.store_hash, command.bc_order_id)
    await report(order_id=command.bc_order_id, status="closed", external_id=command.external_id,
                 target_id=order.id, version=version)
    return "closed"


async def retry_parked_commands() -> None:
    """Commands parked after a transient failure go back on ``ns.commands`` when their time comes."""
    pool = await database.acquire_pool()
    for snapshot in await orders_store.due_retries(pool):
        command = SalesOrderCommand.model_validate(snapshot)
        await orders_store.park(pool, store_hash=command.store_hash, order_id=command.bc_order_id,
                                reason="retry", snapshot=snapshot, source_version=command.source_version,
                                retry_in=rules.RETRY_AFTER * 4)
        await publish(SalesOrderCommandEvent.build(command, key=str(command.bc_order_id), source="o2c:retry"))
