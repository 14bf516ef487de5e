"""An order that cannot be read, in a real worker: it is set aside as an exception after 10 failed
hydrations, the orders after it keep flowing, and an operator's retry publishes it once the fault is gone.

Sandbox over HTTP with a per-order fault, real Kafka and PostgreSQL, the real ``o2c`` CLI.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys

import asyncpg

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.sandbox import SandboxServer
from connectors.bigcommerce.versions import order_modified, order_version
from deploy.local.kafka import KafkaBroker
from streams.contract import event_id
from tests.integration.bigcommerce.helpers import paid_order

from .conftest import eventually
from .test_source import StartWorker, orders_on_topic

FAILURES = 10


async def o2c(dsn: str, *args: str) -> str:
    """Run the ``o2c`` CLI against the test database; its standard output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "streams.cli", *args, env={**os.environ, "O2C_DATABASE_URL": dsn},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_an_order_failing_ten_times_is_set_aside_then_retried_by_an_operator(
    kafka: KafkaBroker, sandbox: SandboxServer, client: BigCommerceClient, source_worker: StartWorker,
    migrated_db: str,
) -> None:
    store = sandbox.config.store_hash
    bad = await paid_order(client, quantities=(1,))
    sandbox.faults.set({"order_id": bad.id, "status": 500, "message": "order serializer crashed"})
    await asyncio.sleep(1.05)  # the good order is modified a second later: the watermark must pass the bad one
    good = await paid_order(client, quantities=(2,))
    await source_worker(hooks=False, O2C_BC_POLL_INTERVAL="1", O2C_BC_MAX_HYDRATION_FAILURES=str(FAILURES),
                        O2C_BC_MAX_ATTEMPTS="1")

    published = await orders_on_topic(kafka, store, 1)
    assert [e.payload.order_id for e in published] == [good.id]  # not held up by the bad one

    db = await asyncpg.connect(migrated_db)
    try:
        async def set_aside() -> bool:
            return bool(await db.fetchval("SELECT count(*) FROM exceptions WHERE kind = 'order_unreadable'"))

        await eventually(set_aside)
        row = await db.fetchrow("SELECT id, status, bc_id, occurrences, payload::text AS payload, message "
                                "FROM exceptions WHERE kind = 'order_unreadable'")
        assert row is not None and (row["status"], row["bc_id"], row["occurrences"]) == ("open", str(bad.id), 1)
        assert str(bad.id) in row["message"] and f"{FAILURES} times in a row" in row["message"]
        assert "order serializer crashed" in row["payload"] and "HTTP 500" in row["payload"]
        assert await db.fetchval("SELECT failures FROM bc_hydration_failures WHERE order_id = $1",
                                 bad.id) == FAILURES
        assert next(f for f in sandbox.faults.public() if f["order_id"] == bad.id)["served"] >= FAILURES

        async def watermark_passed() -> bool:
            mark = await db.fetchval("SELECT watermark FROM cursors WHERE name = $1", f"bigcommerce:{store}:orders")
            return mark is not None and mark >= order_modified(good) > order_modified(bad)

        await eventually(watermark_passed)

        listed = await o2c(migrated_db, "exceptions", "list", "--kind", "order_unreadable")
        found = re.search(rf"#(\d+)\s+order_unreadable\s+engineering\s+order:{bad.id}\b", listed)
        assert found is not None and int(found.group(1)) == row["id"], listed

        sandbox.faults.clear(bad.id)
        assert "retry requested" in (await o2c(migrated_db, "exceptions", "retry", str(row["id"]))).lower()

        async def resolved() -> bool:
            status = await db.fetchval("SELECT status FROM exceptions WHERE id = $1", row["id"])
            return bool(status == "auto_resolved")

        await eventually(resolved)
        assert await db.fetchval("SELECT count(*) FROM bc_hydration_failures WHERE order_id = $1", bad.id) == 0
    finally:
        await db.close()

    events = await orders_on_topic(kafka, store, 2)
    assert sorted(e.payload.order_id for e in events) == sorted([good.id, bad.id])
    retried = next(e for e in events if e.payload.order_id == bad.id)
    assert retried.event_id == event_id(store, "order", bad.id, order_version(bad))
    assert retried.payload.lines and retried.payload.total_inc_tax == bad.total_inc_tax
