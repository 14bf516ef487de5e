"""A 5,000-line order end to end: its bc.orders event and its ns.commands command are both bigger than
Kafka's default 1 MiB.

An order over about 3,500 lines did not fit in one Kafka request; the large topics now take
``MAX_MESSAGE_BYTES`` and the producers compress (streams/contract/topics.py).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from connectors.netsuite.sandbox import SandboxHandle
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, SalesOrderCommandEvent, SyncResultEvent, event_id
from streams.contract.codec import decode, encode
from streams.contract.topics import COMPRESSION, MAX_MESSAGE_BYTES
from tests.support.kafka import read
from tests.support.netsuite import publish_items, records
from tests.support.orders import snapshot
from tests.support.worker import WorkerProcess

STORE = "e2elarge"
LINES = 5_000


@pytest.fixture
async def order_worker(
    kafka: KafkaBroker, netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess]
) -> WorkerProcess:
    return await asyncio.to_thread(make_worker, O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE,
                                   O2C_NS_BASE_URL=netsuite.url, O2C_ORDERS_WRITEBACK_ENABLED="false")


async def produce_large(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    """As a source publishes: compressed, with o2c's request size (the test helper keeps Kafka's defaults)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, compression_type=COMPRESSION,
                                max_request_size=MAX_MESSAGE_BYTES)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def test_a_5000_line_order_becomes_one_sales_order_with_every_line_to_the_cent(
    kafka: KafkaBroker, netsuite: SandboxHandle, order_worker: WorkerProcess
) -> None:
    order_id = random.randint(10**6, 10**8) * 10
    skus = [s for s in await publish_items(kafka.bootstrap, netsuite.url) if s.count("-") == 2]
    lines = [(skus[i % len(skus)], Decimal(f"{1 + i % 97}.{i % 100:02d}"), 1 + i % 3, Decimal(0)) for i in range(LINES)]
    order = snapshot(order_id=order_id, store_hash=STORE, lines=lines, email="big.buyer@example.com", customer_id=5)
    # product names as a real catalogue has them: the sales-order command then crosses 1 MiB as well
    description = "organic cotton, relaxed fit, garment dyed, pre-shrunk, double-stitched seams"
    order = order.model_copy(update={"lines": tuple(
        line.model_copy(update={"name": f"{line.sku} {description}, line {i:04d}"})
        for i, line in enumerate(order.lines))})
    event = BcOrderEvent.build(order, key=str(order_id), source=f"bigcommerce:{STORE}",
                               event_id=event_id(STORE, "order", order_id, order.date_modified))
    value = encode(event)
    assert len(value) > 1024 * 1024, "the order must exceed Kafka's default message size to prove anything"
    await produce_large(kafka.bootstrap, BcOrderEvent.TOPIC, str(order_id).encode(), value)

    key = str(order_id).encode()
    results = await read(kafka.bootstrap, SyncResultEvent.TOPIC, count=1, timeout=240.0,
                         match=lambda r: r.key == key and decode(SyncResultEvent, r.value).payload.status != "parked")
    assert results, f"no result for the large order:\n{order_worker.log_tail()}"
    result = decode(SyncResultEvent, results[0].value).payload
    assert result.status == "synced", (result, order_worker.log_tail())

    commands = await read(kafka.bootstrap, SalesOrderCommandEvent.TOPIC, count=1, timeout=30.0,
                          match=lambda r: r.key == key)
    assert len(commands) == 1 and len(commands[0].value) > 1024 * 1024, "Faust's producer sent it whole"

    mine = [r for r in await records(netsuite.url, "salesOrder") if r["externalId"] == f"BC-SO-{STORE}-{order_id}"]
    assert len(mine) == 1, "exactly one sales order"
    record: dict[str, Any] = mine[0]
    assert record["id"] == result.target_id
    assert Decimal(str(record["total"])) == order.total_inc_tax
    product_lines = [line for line in record["item"]["items"] if line.get("custcol_bc_order_product_id")]
    assert len(product_lines) == LINES
    assert {line["custcol_bc_order_product_id"] for line in product_lines} == {
        str(line.order_product_id) for line in order.lines}
