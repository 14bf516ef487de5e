"""The NetSuite side of fulfilments: packages from an expanded record, deletions, and the v2 event (v1 still read)."""

from __future__ import annotations

from decimal import Decimal

import orjson

from connectors.netsuite.source.fulfilments import Details, deleted_change, fulfilment_change, packages_of
from streams.contract import NsFulfilmentEvent
from streams.contract.codec import decode
from streams.ingest.netsuite_events import to_event

ROW = {
    "id": "900",
    "tranid": "IF-7",
    "status": "ItemShip:C",
    "shipmethod": "UPS Ground",
    "shipmethod_id": "301",
    "shipcarrier": "ups",
    "trandate": "2026-11-04",
    "lmd": "2026-11-04 08:00:01",
    "so_id": "800",
    "so_externalid": "BC-SO-store1-1001",
    "so_link": "1001",
    "so_store": "store1",
}
RECORD = {
    "item": {
        "items": [
            {
                "orderLine": 1,
                "item": {"id": "42", "refName": "TEE-M"},
                "quantity": 3,
                "inventoryDetail": {
                    "inventoryAssignment": {
                        "items": [{"quantity": 2, "packCarton": "C1"}, {"quantity": 1, "packCarton": "C2"}]
                    }
                },
            },
            {
                "orderLine": 2,
                "item": {"id": "43", "refName": "CAP"},
                "quantity": 1,
                "itemReceive": True,
                "inventoryDetail": {"inventoryAssignment": {"items": [{"quantity": 1, "packCarton": "C2"}]}},
            },
        ]
    },
    "package": {
        "items": [
            {"packageTrackingNumber": "1ZA", "packageCartonNumber": "C1", "packageWeight": 1.2},
            {"packageTrackingNumber": "1ZB", "packageCartonNumber": "C2"},
        ]
    },
}


def test_packages_of_an_expanded_fulfilment() -> None:
    first, second = packages_of(RECORD)
    assert (first.tracking_number, first.carton, first.weight) == ("1ZA", "C1", Decimal("1.2"))
    assert [(pl.order_line, pl.sku, pl.quantity) for pl in first.lines] == [("1", "TEE-M", Decimal(2))]
    assert [(pl.order_line, pl.quantity) for pl in second.lines] == [("1", Decimal(1)), ("2", Decimal(1))]


def test_single_tracking_number_is_one_package_without_a_request() -> None:
    details = Details(
        lines={"900": [{"transaction": "900", "id": "2", "item": "42", "sku": "TEE-M", "quantity": "2"}]},
        tracking={"900": ["1Z9"]},
        links={("900", "2"): ("800", "1")},
        order_lines={("800", "1"): "501"},
    )
    change = fulfilment_change(ROW, details, "ACC")
    assert [p.tracking_number for p in change.packages] == ["1Z9"]
    assert (change.store_hash, change.ship_method_id, change.lines[0].order_line) == ("store1", "301", "1")
    event = to_event(change)
    assert isinstance(event, NsFulfilmentEvent) and event.schema_version == 2 and event.key == "1001"


def test_deleted_fulfilment_event() -> None:
    change = deleted_change({"id": "900", "name": "IF-7", "lmd": "2026-11-05 09:00:00", "deleted": "T"}, "ACC")
    event = to_event(change)
    assert isinstance(event, NsFulfilmentEvent)
    assert (event.payload.status, event.key, event.payload.ns_id) == ("deleted", "900", "900")


def test_version_1_events_are_read() -> None:
    v1 = {
        "event_id": "e",
        "type": "ns.fulfilment.changed",
        "schema_version": 1,
        "source": "netsuite:ACC",
        "occurred_at": "2026-11-04T08:00:01Z",
        "key": "1001",
        "payload": {
            "ns_id": "900",
            "tran_id": "IF-7",
            "sales_order_ns_id": "800",
            "bc_order_id": 1001,
            "status": "shipped",
            "ship_method": "UPS Ground",
            "carrier": "ups",
            "tracking_numbers": ["1Z9"],
            "lines": [{"sku": "TEE-M", "ns_item_id": "42", "quantity": "2", "bc_order_product_id": 501}],
            "last_modified": "2026-11-04T08:00:01Z",
        },
    }
    event = decode(NsFulfilmentEvent, orjson.dumps(v1))
    assert event.schema_version == 2 and event.payload.packages == () and event.payload.store_hash == ""
