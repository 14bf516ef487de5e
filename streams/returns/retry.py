"""An operator's retry of a refund exception (``refund_*``, ``return_location_missing``; docs/operations.md,
"Retry: what o2c re-reads").

The refund is read again from BigCommerce (the order's refunds, as the BigCommerce source reads them:
``streams.ingest.bigcommerce_reread.read_refund``), not taken from PostgreSQL, and goes through the returns
flow's handler for a ``bc.refunds`` event (``RefundWriter.handle``, ``again``): a held refund is planned again
from BigCommerce's copy, a refused one continues its kept plan where it stopped; every document has its
externalId and its ledger row, so nothing already written is written again. The exception is settled by
``streams.platform.retries``: resolved with the outcome as its note, ``open`` with the new reason when the
run recorded it again, ``open`` with a plain-English note when BigCommerce no longer has the refund. A system
that cannot be reached raises (``RetryableError``, ``OSError``): the exception stays ``retrying``.
"""

from __future__ import annotations

from connectors.bigcommerce.client import BigCommerceClient
from connectors.http import PermanentError, one_line
from connectors.netsuite.client import NetSuiteClient
from state import exceptions as exceptions_store
from state.db import Executor
from streams.ingest.bigcommerce_reread import read_refund
from streams.platform import retries
from streams.platform.order_locks import ORDER_LOCKS
from streams.returns.writer import RefundWriter


async def retry_refund(pool: Executor, ns: NetSuiteClient, bc: BigCommerceClient, writer: RefundWriter,
                       exc: exceptions_store.StoredException, *, store_hash: str) -> str:
    """Re-read the exception's refund from BigCommerce, carry it out and settle the exception; its status."""
    stored = (exc.payload or {}).get("refund")
    if not stored:
        return await retries.settle(pool, exc, "nothing to retry: the exception names no refund")
    shop, order_id, refund_id = str(stored["store_hash"]), int(stored["order_id"]), int(stored["refund_id"])
    what = f"BigCommerce refund {refund_id} of order {order_id}"
    if shop != store_hash:
        await retries.failed(pool, exc.id, f"The retry could not read {what}: it belongs to store {shop}, and "
                                           f"this worker reads store {store_hash}.")
        return "open"
    try:
        refund = await read_refund(bc, shop, order_id, refund_id)
    except PermanentError as error:
        await retries.failed(pool, exc.id, f"The retry could not read {what}: {one_line(error)}")
        return "open"
    if refund is None:
        await retries.source_gone(pool, exc.id, what)
        return "open"
    async with ORDER_LOCKS.hold((shop, order_id)):
        outcome = await writer.handle(pool, ns, refund, again=True)
    return await retries.settle(pool, exc, f"{what} read again from BigCommerce: {outcome}")
