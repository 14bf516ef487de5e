"""Helpers of the prices e2e and chaos tests: NetSuite price and customer events, the BigCommerce side."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson

from connectors.bigcommerce.sandbox.server import SandboxServer
from streams.contract import NsCustomer, NsCustomerEvent, NsItemPricing, NsPriceEvent, NsPriceRow, event_id
from streams.contract.codec import encode

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def levels() -> tuple[str, str]:
    """``id:name`` of a Wholesale level (mapped by id) and a Trade level (mapped by name) unique to the test:
    the ``ns.prices`` topic is shared, and other tests' price tables must match no level of this test's worker."""
    n = uuid.uuid4().int % 10**8
    return f"{n}:Wholesale", f"{n + 1}:Trade{n}"


def prefix() -> str:
    return f"PRC{uuid.uuid4().hex[:8].upper()}"


def prices_env(server: SandboxServer, **extra: str) -> dict[str, str]:
    """The prices flow against ``server`` (levels and groups in ``extra``, e.g. :func:`level_maps`)."""
    return {"O2C_PRICES_ENABLED": "true", "O2C_BC_API_BASE": server.url,
            "O2C_BC_STORE_HASH": server.config.store_hash,
            "O2C_PRICES_CURRENCIES": '["usd", "eur"]', "O2C_PRICES_RESYNC_INTERVAL": "0",
            "O2C_PRICES_INTERVAL": "0.5", "O2C_PRICES_RETRY_DELAY": "1", **extra}


def level_maps(wholesale: str, trade: str) -> dict[str, str]:
    """``wholesale`` (by id) → "Wholesale" for "Wholesale buyers", ``trade`` (by name) → the pattern's list."""
    level_id, trade_name = wholesale.split(":")[0], trade.split(":")[1]
    return {"O2C_PRICES_LEVELS": orjson.dumps({level_id: "Wholesale", trade_name: ""}).decode(),
            "O2C_PRICES_GROUPS": orjson.dumps({level_id: "Wholesale buyers"}).decode()}


def row(level: str, currency: str, quantity: str, price: str) -> NsPriceRow:
    level_id, name = level.split(":")
    return NsPriceRow(price_level_id=level_id, price_level_name=name, currency=currency,
                      min_quantity=Decimal(quantity), price=Decimal(price))


def price_message(sku: str, rows: Iterable[NsPriceRow], at: datetime = T0) -> tuple[bytes, bytes]:
    table = tuple(rows)
    pricing = NsItemPricing(sku=sku, ns_item_id=f"ns-{sku}", prices=table, last_modified=at)
    digest = orjson.dumps([r.model_dump(mode="json") for r in table]).decode()
    event = NsPriceEvent.build(pricing, key=sku, source="test:netsuite",
                               event_id=event_id("test-prices", sku, at.isoformat(), digest))
    return sku.encode(), encode(event)


def customer_message(ns_id: str, email: str, level: str | None, at: datetime) -> tuple[bytes, bytes]:
    level_id, name = level.split(":") if level else (None, "")
    customer = NsCustomer(ns_customer_id=ns_id, email=email, price_level_id=level_id, price_level_name=name,
                          last_modified=at)
    event = NsCustomerEvent.build(customer, key=ns_id, source="test:netsuite",
                                  event_id=event_id("test-customer", ns_id, at.isoformat()))
    return ns_id.encode(), encode(event)


async def seed_products(server: SandboxServer, skus: list[str]) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        (await http.post("/__sandbox/seed/products", json={"skus": skus, "products": len(skus), "variants": 1,
                                                           "prefix": skus[0]})).raise_for_status()


async def seed_customers(server: SandboxServer, emails: list[str]) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/__sandbox/seed/customers", json={"customers": [
            {"email": e, "customer_group_id": 0} for e in emails]})
        response.raise_for_status()
        return {c["email"]: int(c["id"]) for c in response.json()["items"]}


async def price_lists(server: SandboxServer) -> dict[str, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return {pl["name"]: pl for pl in (await http.get("/__sandbox/state/pricelists")).json()}


async def records(server: SandboxServer, list_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(SKU, currency) → the record BigCommerce holds in the named list (empty when there is no list)."""
    lists = await price_lists(server)
    if list_name not in lists:
        return {}
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = (await http.get(f"/__sandbox/state/pricelists/{lists[list_name]['id']}/records")).json()
    return {(r["sku"], r["currency"]): r for r in body["records"]}


async def customer_groups(server: SandboxServer) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return {c["email"]: int(c["customer_group_id"]) for c in (await http.get("/__sandbox/state/customers")).json()}


def price_of(found: dict[tuple[str, str], dict[str, Any]], sku: str, currency: str = "usd") -> Decimal | None:
    record = found.get((sku, currency))
    return Decimal(record["price"]) if record else None
