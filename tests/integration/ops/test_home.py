"""The home page from PostgreSQL's figures and real ``/metrics`` servers (two scrapes make the rates)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from deploy.local.procs import free_port
from state import ops_health
from state import orders as orders_store
from streams.ops.metrics_scrape import Scraper
from tests.integration.ops.conftest import sign_in
from tests.integration.ops.harness import MetricsServer, seed_exception

pytestmark = pytest.mark.postgres


class Worker:
    """A worker's series as its real registry exposes them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.orders_in = Counter("o2c_bigcommerce_source_events", "", ["store", "kind", "path"],
                                 registry=self.registry)
        self.stock_written = Counter("o2c_inventory_items_written", "", ["lane"], registry=self.registry)
        self.quota_left = Gauge("o2c_bigcommerce_quota_left", "", ["store"], registry=self.registry)
        self.quota_size = Gauge("o2c_bigcommerce_quota_size", "", ["store"], registry=self.registry)
        self.slots = Gauge("o2c_netsuite_slots_in_use", "", registry=self.registry)
        self.slot_limit = Gauge("o2c_netsuite_slot_limit", "", registry=self.registry)
        self.end = Gauge("o2c_faust_topic_partition_end_offset", "", ["topic", "partition"], registry=self.registry)
        self.committed = Gauge("o2c_faust_topic_partition_offset_commited", "", ["topic", "partition"],
                               registry=self.registry)

    def text(self) -> str:
        return generate_latest(self.registry).decode()


async def test_home_cards_from_postgres_and_two_scrapes(ops, client: httpx.AsyncClient) -> None:
    await orders_store.park(ops.pool, store_hash="s1", order_id=6001, reason="missing_sku", snapshot={"id": 6001},
                            source_version=datetime(2024, 1, 1, tzinfo=UTC), missing=["TEE-X"])
    await ops.pool.execute("UPDATE parked_orders SET parked_at = now() - interval '2 hours'")  # waited 2 h
    await seed_exception(ops.pool, "missing_sku", "operations", "6001")
    await seed_exception(ops.pool, "total_mismatch", "finance", "6002")

    worker = Worker()
    metrics = await MetricsServer().start()
    clock = itertools.count(start=1000.0, step=60.0)  # the two scrapes are a minute apart
    try:
        worker.orders_in.labels("s1", "order", "webhook").inc(100)
        worker.stock_written.labels("priority").inc(10)
        worker.quota_left.labels("s1").set(40)
        worker.quota_size.labels("s1").set(1000)
        worker.slots.set(8)
        worker.slot_limit.set(8)
        worker.end.labels("bc.orders", "0").set(500)
        worker.committed.labels("bc.orders", "0").set(300)
        worker.end.labels("bc.orders", "1").set(2000)
        worker.committed.labels("bc.orders", "1").set(1000)
        metrics.text = worker.text()
        unreachable = f"http://127.0.0.1:{free_port()}/metrics"
        ops.ops.scraper = Scraper([metrics.url, unreachable], clock=lambda: next(clock))
        await ops.ops.scraper.scrape_once()
        worker.orders_in.labels("s1", "order", "webhook").inc(30)
        worker.stock_written.labels("bulk").inc(90)
        metrics.text = worker.text()
        await ops.ops.scraper.scrape_once()
    finally:
        await metrics.stop()

    await sign_in(client, "vic")
    home = await client.get("/")
    assert home.status_code == 200
    text = home.text
    assert "A flow is failing" in text
    orders = text[text.index('data-flow="orders"'):text.index('data-flow="inventory"')]
    assert "Failing" in orders
    assert "the oldest waiting order has waited 2 h" in orders
    assert "no sales orders written ever while 1 order waits" in orders
    assert "30/min · 0.0/min" in orders  # 30 orders in over a minute, no sales order written
    assert "1,200 in Kafka" in orders
    stock = text[text.index('data-flow="inventory"'):text.index('data-flow="fulfilments"')]
    assert "OK" in stock and "0.0/min · 90/min" in stock
    assert "could not read the metrics of 1 worker" in text
    assert "every NetSuite slot is in use (8 of 8)" in text
    assert "BigCommerce&#39;s API quota is nearly used up (40 of 1000" in text
    assert "1 of 2" in text  # workers scraped
    assert 'href="/exceptions?owner=finance"><span>Finance</span> <strong>1</strong>' in text
    assert 'href="/exceptions?owner=operations"><span>Operations</span> <strong>1</strong>' in text


async def test_flow_rows_on_an_empty_database(ops) -> None:
    rows = await ops_health.flow_rows(ops.pool)
    assert list(rows) == list(ops_health.FLOWS)
    assert all(r.last_success is None and r.waiting == 0 and r.stuck == 0 for r in rows.values())
