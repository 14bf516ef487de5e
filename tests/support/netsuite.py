"""Helpers for tests that use the NetSuite sandbox: publish its items as ``ns.items`` and read its records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from streams.contract import NsItem, NsItemEvent, event_id
from streams.contract.codec import encode
from tests.support.kafka import produce


async def records(url: str, record_type: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.get(f"/__sandbox/records/{record_type}")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result


def item_event(record: dict[str, Any], *, inactive: bool = False) -> tuple[bytes, bytes]:
    matrix = (record.get("matrixType") or {}).get("id")
    item = NsItem(
        ns_id=str(record["id"]), sku=record["itemId"], display_name=record.get("displayName", ""),
        item_type="inventoryItem", is_matrix_parent=matrix == "PARENT",
        parent_ns_id=str((record.get("parent") or {}).get("id")) if record.get("parent") else None,
        is_inactive=inactive, sellable=matrix != "PARENT", last_modified=datetime.now(UTC),
    )
    event = NsItemEvent.build(item, key=item.sku, source="test:netsuite",
                              event_id=event_id("test", item.ns_id, item.last_modified))
    return item.sku.encode(), encode(event)


async def publish_items(bootstrap: str, url: str, *, skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Publish every sandbox inventory item (except ``skip``) on ``ns.items``; returns the SKUs published."""
    items = [r for r in await records(url, "inventoryItem") if r["itemId"] not in skip]
    await produce(bootstrap, NsItemEvent.TOPIC, [item_event(r) for r in items])
    return [r["itemId"] for r in items]


async def insert_item(url: str, sku: str) -> dict[str, Any]:
    """Create a simple inventory item directly in the sandbox (as a NetSuite user would)."""
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/__sandbox/records/inventoryItem",
                                   json={"itemId": sku, "displayName": f"Late item {sku}", "isOnline": True})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
