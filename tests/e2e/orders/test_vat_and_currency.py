"""VAT, currency and shipping end to end: real broker, PostgreSQL, worker and the NetSuite sandbox over HTTP.

A UK VAT store (GBP, tax-inclusive, 20% / 5% / 0% lines in one order, a coupon, taxed shipping) in the suitetax
and legacy tax modes, a US order on ``US:*``, an order in an unmapped currency (its retry, which reads the order
again from BigCommerce: ``test_retry_rereads.py``), a two-address order without
Multiple Shipping Routes and an unmapped ship method. Against a sandbox with a tax engine
(``SandboxConfig.tax_engine``) the stored total is NetSuite's own; without one, the stored body is checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from connectors.netsuite.sandbox import SandboxConfig, SandboxHandle, start_sandbox
from deploy.local.kafka import KafkaBroker
from streams.contract import BcOrderEvent, BcOrderSnapshot
from streams.contract.bigcommerce import BcShippingAddress
from tests.e2e.orders.test_order_to_cash import ids_base, order_message, sales_orders, wait_for
from tests.support.kafka import produce
from tests.support.netsuite import publish_items, records
from tests.support.waits import eventually
from tests.support.worker import WorkerProcess
from tests.unit.orders.vat_orders import UK_CODES, mixed_order

STORE = "vatstore"
D = Decimal
CURRENCIES = {"USD": "1", "EUR": "2", "GBP": "3", "CAD": "4"}
SHIP_METHODS = {"UPS Ground": "301", "FedEx 2Day": "302", "Free Shipping": "303", "USPS Priority Mail": "304",
                "Royal Mail Tracked 24": "305", "DHL Express Worldwide": "306", "Canada Post Expedited": "307"}
HAS_TAX_ENGINE = "tax_engine" in {f.name for f in dataclasses.fields(SandboxConfig)}


async def sandbox(engine: str) -> SandboxHandle:
    options: dict[str, Any] = {"seed_styles": 3}
    if HAS_TAX_ENGINE:
        options["tax_engine"] = engine
    return await start_sandbox("127.0.0.1", 0, SandboxConfig(**options))


@pytest.fixture
async def suitetax_netsuite() -> AsyncIterator[SandboxHandle]:
    handle = await sandbox("suitetax")
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def legacy_netsuite() -> AsyncIterator[SandboxHandle]:
    handle = await sandbox("legacy")
    try:
        yield handle
    finally:
        await handle.stop()


def start(make_worker: Callable[..., WorkerProcess], url: str, mode: str) -> WorkerProcess:
    return make_worker(O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE, O2C_NS_BASE_URL=url,
                       O2C_ORDERS_PARK_EXCEPTION_AFTER="60", O2C_ORDERS_TAX_MODE=mode,
                       O2C_ORDERS_TAX_CODES=json.dumps(UK_CODES), O2C_ORDERS_CURRENCIES=json.dumps(CURRENCIES),
                       O2C_ORDERS_SHIP_METHODS=json.dumps(SHIP_METHODS), O2C_ORDERS_DEFAULT_SHIP_METHOD="303")


def uk(order_id: int, skus: list[str]) -> BcOrderSnapshot:
    """£24.00×2 at 20%, £10.50 at 5%, £5.00×3 zero-rated, coupon SAVE10 (10%), £6.00 shipping at 20%."""
    order = mixed_order([(skus[0], D("24.00"), 2, D("0.20")), (skus[1], D("10.50"), 1, D("0.05")),
                         (skus[2], D("5.00"), 3, D(0))], inclusive=True, coupon_percent=D(10), shipping=D("6.00"),
                        shipping_rate=D("0.20"), order_id=order_id)
    return order.model_copy(update={"store_hash": STORE, "customer_message": "Please leave with the concierge"})


def us(order_id: int, skus: list[str]) -> BcOrderSnapshot:
    order = mixed_order([(skus[0], D("24.99"), 2, D("0.08875")), (skus[1], D("15.00"), 1, D("0.08875"))],
                        inclusive=False, coupon_percent=D(5), shipping=D("7.50"), shipping_rate=D("0.08875"),
                        country="US", currency="USD", order_id=order_id, shipping_method="UPS Ground")
    return order.model_copy(update={"store_hash": STORE})


def tax_per_code(record: dict[str, Any]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(lambda: D(0))
    for detail in (record.get("taxDetails") or {}).get("items") or []:
        sums[str(detail["taxCode"]["id"])] += D(str(detail["taxAmount"]))
    for line in (record.get("item") or {}).get("items") or []:
        if line.get("taxCode") and line.get("tax1Amt") is not None:
            sums[str(line["taxCode"]["id"])] += D(str(line["tax1Amt"]))
    if record.get("shippingTaxCode"):
        sums[str(record["shippingTaxCode"]["id"])] += D(str(record["shippingTaxAmount"]))
    return dict(sums)


def charged(record: dict[str, Any]) -> Decimal:
    """What the stored sales order comes to: NetSuite's total with a tax engine, else lines + shipping + tax."""
    if HAS_TAX_ENGINE and record.get("total") is not None:
        return D(str(record["total"]))
    lines = sum((D(str(x["amount"])) for x in record["item"]["items"]), D(0))
    return lines + D(str(record.get("shippingCost") or 0)) + sum(tax_per_code(record).values(), D(0))


async def open_exceptions(url: str) -> set[tuple[str, str, str]]:
    conn = await asyncpg.connect(url)
    try:
        return {(r["kind"], r["bc_id"], r["owner"]) for r in await conn.fetch(
            "SELECT kind, bc_id, owner FROM exceptions WHERE status = 'open'")}
    finally:
        await conn.close()


async def test_vat_us_currency_and_shipping_in_suitetax_mode(
    kafka: KafkaBroker, suitetax_netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
    worker_env: dict[str, str],
) -> None:
    url = suitetax_netsuite.url
    await asyncio.to_thread(start, make_worker, url, "suitetax")
    base = ids_base()
    skus = [s for s in await publish_items(kafka.bootstrap, url) if s.count("-") == 2]
    vat, usa = uk(base + 1, skus), us(base + 2, skus)
    yen = uk(base + 3, skus).model_copy(update={"currency_code": "JPY"})
    two = us(base + 4, skus)
    second = BcShippingAddress(**two.billing_address.model_dump(), id=2, shipping_method="FedEx 2Day")
    two = two.model_copy(update={"shipping_addresses": (*two.shipping_addresses, second),
                                 "lines": (two.lines[0], two.lines[1].model_copy(update={"order_address_id": 2}))})
    pigeon = us(base + 5, skus)
    pigeon = pigeon.model_copy(update={"shipping_addresses": (pigeon.shipping_addresses[0].model_copy(
        update={"shipping_method": "Pigeon Post"}),)})
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(o) for o in (vat, usa, yen, two, pigeon)])

    await wait_for(kafka, {base + 1, base + 2, base + 5}, "synced")
    await wait_for(kafka, {base + 3, base + 4}, "failed")
    by_eid = await sales_orders(url)
    record = by_eid[f"BC-SO-{STORE}-{base + 1}"]
    print("\nUK VAT sales order as the NetSuite sandbox stores it:\n" + json.dumps(record, indent=2, default=str))

    assert record["taxDetailsOverride"] is True and record["currency"]["id"] == "3"
    assert tax_per_code(record) == {"101": D("8.20"), "102": D("0.45"), "103": D("0.00")}
    assert charged(record) == vat.total_inc_tax == D("72.15")
    assert record["shipMethod"]["id"] == "305" and record["message"] == "Please leave with the concierge"
    assert record["shippingAddress"]["country"]["id"] == "GB"
    assert record["billingAddress"]["addressee"] == "Ada Lovelace"

    american = by_eid[f"BC-SO-{STORE}-{base + 2}"]
    assert set(tax_per_code(american)) == {"201"} and sum(tax_per_code(american).values()) == usa.total_tax
    assert charged(american) == usa.total_inc_tax and american["shipMethod"]["id"] == "301"
    assert by_eid[f"BC-SO-{STORE}-{base + 5}"]["shipMethod"]["id"] == "303"  # the default
    assert f"BC-SO-{STORE}-{base + 3}" not in by_eid and f"BC-SO-{STORE}-{base + 4}" not in by_eid

    async def raised() -> bool:
        kinds = await open_exceptions(worker_env["O2C_DATABASE_URL"])
        return {("currency_unmapped", str(base + 3), "finance"),
                ("multi_address_unsupported", str(base + 4), "operations"),
                ("ship_method_unmapped", "Pigeon Post", "operations")} <= kinds
    await eventually(raised, what="currency_unmapped, multi_address_unsupported and ship_method_unmapped")


async def test_vat_order_in_legacy_mode(
    kafka: KafkaBroker, legacy_netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
) -> None:
    url = legacy_netsuite.url
    await asyncio.to_thread(start, make_worker, url, "legacy")
    base = ids_base()
    skus = [s for s in await publish_items(kafka.bootstrap, url) if s.count("-") == 2]
    vat = uk(base + 1, skus)
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(vat)])
    await wait_for(kafka, {base + 1}, "synced")
    record = (await sales_orders(url))[f"BC-SO-{STORE}-{base + 1}"]
    assert "taxDetails" not in record or not (record["taxDetails"] or {}).get("items")
    assert record["shippingTaxCode"]["id"] == "101" and D(str(record["shippingTaxAmount"])) == D("1.00")
    assert tax_per_code(record) == {"101": D("8.20"), "102": D("0.45"), "103": D("0.00")}
    assert charged(record) == vat.total_inc_tax
    assert await records(url, "salesOrder")


@pytest.fixture
async def msr_netsuite() -> AsyncIterator[SandboxHandle]:
    options: dict[str, Any] = {"seed_styles": 3}
    if "multiple_shipping_routes" in {f.name for f in dataclasses.fields(SandboxConfig)}:
        options["multiple_shipping_routes"] = True
    handle = await start_sandbox("127.0.0.1", 0, SandboxConfig(**options))
    try:
        yield handle
    finally:
        await handle.stop()


async def test_two_addresses_with_multiple_shipping_routes_ship_as_two_groups(
    kafka: KafkaBroker, msr_netsuite: SandboxHandle, make_worker: Callable[..., WorkerProcess],
) -> None:
    url = msr_netsuite.url
    await asyncio.to_thread(lambda: make_worker(
        O2C_ORDERS_ENABLED="true", O2C_BC_STORE_HASH=STORE, O2C_NS_BASE_URL=url, O2C_ORDERS_TAX_MODE="suitetax",
        O2C_ORDERS_TAX_CODES=json.dumps(UK_CODES), O2C_ORDERS_CURRENCIES=json.dumps(CURRENCIES),
        O2C_ORDERS_SHIP_METHODS=json.dumps(SHIP_METHODS), O2C_ORDERS_MULTIPLE_SHIPPING_ROUTES="true"))
    base = ids_base()
    skus = [s for s in await publish_items(kafka.bootstrap, url) if s.count("-") == 2]
    two = us(base + 1, skus)
    second = BcShippingAddress(**two.billing_address.model_dump(exclude={"street_1"}), street_1="2 Side St", id=2,
                               shipping_method="FedEx 2Day")
    two = two.model_copy(update={"shipping_addresses": (*two.shipping_addresses, second),
                                 "lines": (two.lines[0], two.lines[1].model_copy(update={"order_address_id": 2}))})
    await produce(kafka.bootstrap, BcOrderEvent.TOPIC, [order_message(two)])
    await wait_for(kafka, {base + 1}, "synced")
    record = (await sales_orders(url))[f"BC-SO-{STORE}-{base + 1}"]
    assert record["isMultiShipTo"] is True and "shippingAddress" not in record
    products = [x for x in record["item"]["items"] if x.get("shipAddress")]
    assert [x["shipAddress"]["refName"] for x in products] == [f"BC-{base + 1}-1", f"BC-{base + 1}-2"]
    assert [x["shipMethod"]["id"] for x in products] == ["301", "302"]
    assert charged(record) == two.total_inc_tax
