"""Browser fixtures: one headless Debian chromium per session (Playwright), an ops page over a real PostgreSQL.

Playwright's own browser download needs the internet, so the tests drive ``/usr/bin/chromium`` (``make
browser`` installs it; ``O2C_CHROMIUM`` points elsewhere). Screenshots go to ``O2C_TEST_ARTIFACTS`` when set,
else to the session's temporary folder; ``O2C_OPS_DOCS_SCREENSHOTS=1`` also writes the ones docs/ops-page.md
shows (``docs/ops-home.png``, ``docs/ops-exception.png``, ``docs/ops-phone.png``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page, async_playwright
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from deploy.local.postgres import EmbeddedPostgres
from state import orders as orders_store
from state.migrate import migrate
from streams.ops.metrics_scrape import Scraper
from tests.integration.ops.harness import MetricsServer, OpsServer, seed_exception, start_ops

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("O2C_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_PRESENT = CHROMIUM.exists()
DOCS_SHOTS = {"home": "ops-home.png", "exception": "ops-exception.png", "phone": "ops-phone.png"}


@dataclass
class Seeded:
    """The exceptions the tests act on, by purpose."""

    retry_me: int
    resolve_me: int
    viewer_sees: int


@pytest.fixture(scope="session")
async def ops_db(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """One migrated database for the browser tests (the page's server and the checks share it)."""
    name = f"b_{uuid.uuid4().hex[:12]}"
    base = postgres.dsn.rsplit("/", 1)[0]
    admin = await asyncpg.connect(base + "/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(f"{base}/{name}")
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield f"{base}/{name}"
    admin = await asyncpg.connect(base + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _worker_metrics(orders: float, written: float) -> str:
    registry = CollectorRegistry()
    Counter("o2c_bigcommerce_source_events", "", ["store", "kind", "path"], registry=registry).labels(
        "abc123", "order", "webhook").inc(orders)
    latency = Histogram("o2c_order_to_sales_order_seconds", "", registry=registry)
    for _ in range(int(orders) - 2):
        latency.observe(1.8)
    Counter("o2c_inventory_items_written", "", ["lane"], registry=registry).labels("priority").inc(written * 3)
    Counter("o2c_shipments_total", "", ["action"], registry=registry).labels("created").inc(written / 2)
    Counter("o2c_deposits_total", "", ["kind"], registry=registry).labels("gateway").inc(orders - 3)
    Gauge("o2c_bigcommerce_quota_left", "", ["store"], registry=registry).labels("abc123").set(412)
    Gauge("o2c_bigcommerce_quota_size", "", ["store"], registry=registry).labels("abc123").set(450)
    Gauge("o2c_netsuite_slots_in_use", "", registry=registry).set(3)
    Gauge("o2c_netsuite_slot_limit", "", registry=registry).set(8)
    end = Gauge("o2c_faust_topic_partition_end_offset", "", ["topic", "partition"], registry=registry)
    committed = Gauge("o2c_faust_topic_partition_offset_commited", "", ["topic", "partition"], registry=registry)
    end.labels("bc.orders", "0").set(1000 + orders)
    committed.labels("bc.orders", "0").set(990 + orders)
    return generate_latest(registry).decode()


@pytest.fixture(scope="session")
async def ops_server(ops_db: str) -> AsyncIterator[tuple[OpsServer, Seeded]]:
    """The page (password sign-in: ann operator, vic viewer), realistic exceptions and two metrics scrapes."""
    server = await start_ops(ops_db, page_size=10, bc_control_panel_url="https://store-abc123.mybigcommerce.com",
                             ns_app_url="https://1234567.app.netsuite.com")
    pool = server.pool
    await orders_store.park(pool, store_hash="abc123", order_id=10482, reason="missing_sku",
                            snapshot={"id": 10482}, source_version=datetime(2024, 6, 1, tzinfo=UTC),
                            missing=["MUG-ENAMEL-GRN"])
    await pool.execute("UPDATE parked_orders SET parked_at = now() - interval '14 minutes'")  # an amber card
    await seed_exception(pool, "missing_sku", "operations", "10482", ns_id=None,
                         message="Order 10482 waits for SKU MUG-ENAMEL-GRN, which NetSuite does not have. Create "
                                 "the item in NetSuite (or fix the SKU in BigCommerce); the order syncs by itself.")
    seeded = Seeded(
        retry_me=await seed_exception(
            pool, "processing_failed", "engineering", "10477", ns_id="88213",
            message="Order 10477 failed to process: NetSuite answered 500 while writing its sales order. Retry it "
                    "once NetSuite answers again.", payload={"order_id": 10477, "error": "HTTP 500"}),
        resolve_me=await seed_exception(
            pool, "capture_failed", "finance", "10455",
            message="Capturing the payment of order 10455 at its first shipment failed: the authorisation "
                    "expired. Capture it in the BigCommerce control panel, then resolve this exception.",
            payload={"order_id": 10455, "gateway": "stripe", "answer": "authorization_expired"}),
        viewer_sees=await seed_exception(
            pool, "total_mismatch", "finance", "10461", ns_id="88190",
            message="Order 10461's lines add up to 104.97 but BigCommerce charged 105.02 (0.05 more than the "
                    "rounding tolerance). The sales order was not created; compare the order's discounts and tax.",
            payload={"order_id": 10461, "bc_total": "105.02", "lines_total": "104.97", "difference": "0.05",
                     "note": "<script>alert('x')</script>"}),
    )
    await seed_exception(pool, "customer_conflict", "customer_service", "10470", object_type="customer",
                         ns_id="5521", message="Two NetSuite customers have the email jo@example.com; order 10470 "
                                               "went to the oldest active one (5521). Merge the duplicates.")
    await seed_exception(pool, "payout_mismatch", "finance", "stripe:po_1PQx", object_type="payout",
                         message="Payout po_1PQx does not reconcile: residual 12.40 USD (one charge has no deposit).")
    await seed_exception(pool, "tracking_invalid", "operations", "10466", object_type="fulfilment", ns_id="90311",
                         message="Fulfilment IF90311 of order 10466 has tracking number 'n/a'; correct it in "
                                 "NetSuite and retry.")
    metrics = await MetricsServer(text=_worker_metrics(1200, 800)).start()
    clock = iter(float(n) for n in range(0, 10_000, 60))
    server.ops.scraper = Scraper([metrics.url], clock=lambda: next(clock))
    await server.ops.scraper.scrape_once()
    metrics.text = _worker_metrics(1236, 830)
    await server.ops.scraper.scrape_once()
    yield server, seeded
    await metrics.stop()
    await server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_PRESENT:
        message = f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium) or set O2C_CHROMIUM"
        if os.environ.get("O2C_SKIP_BROWSER_TESTS") == "1":
            pytest.skip(message)
        pytest.fail(message + " (or O2C_SKIP_BROWSER_TESTS=1 to skip the browser tests knowingly)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("O2C_TEST_ARTIFACTS")
    folder = Path(configured) / "ops-page" if configured else tmp_path_factory.mktemp("ops-page-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Shooter:
    """Full-page screenshots into the artefacts folder (and docs/ when asked for)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.docs = os.environ.get("O2C_OPS_DOCS_SCREENSHOTS") == "1"

    async def __call__(self, page: Page, name: str) -> Path:
        path = self.folder / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        if self.docs and name in DOCS_SHOTS:
            await page.screenshot(path=str(ROOT / "docs" / DOCS_SHOTS[name]), full_page=True)
        return path


@pytest.fixture(scope="session")
def shoot(artifacts: Path) -> Shooter:
    return Shooter(artifacts)
