"""Per-order faults and malformed order rows of the sandbox (connectors/bigcommerce/sandbox/faults.py)."""

from __future__ import annotations

import pytest

from connectors.bigcommerce.sandbox.faults import OrderFaults, RowFaults


def test_a_fault_answers_until_cleared_or_its_times_are_used_up() -> None:
    faults = OrderFaults()
    faults.set({"order_id": 7, "status": 503, "message": "down"})
    faults.set({"order_id": 8, "times": 2})
    assert [faults.take(7) is not None for _ in range(3)] == [True, True, True]
    assert faults.take(7).status == 503  # type: ignore[union-attr]
    assert [faults.take(8) is not None for _ in range(3)] == [True, True, False]
    assert faults.take(9) is None
    assert [(f["order_id"], f["served"], f["times"]) for f in faults.public()] == [(7, 4, None), (8, 2, 0)]
    assert faults.clear(7) == 1 and faults.take(7) is None and faults.clear(7) == 0
    assert faults.clear() == 1 and faults.public() == []


def test_a_fault_can_be_narrowed_to_one_sub_resource_and_method() -> None:
    faults = OrderFaults()
    faults.set({"order_id": 7, "status": 422, "path": "/shipments/", "method": "post", "times": 1})
    assert faults.take(7, "GET", "shipments") is None  # reads of the shipments are served
    assert faults.take(7, "POST", "") is None  # another sub-resource (the order itself)
    assert faults.take(7, "POST", "shipmentsx") is None
    assert faults.take(7, "POST", "shipments/3") is not None  # under it
    assert faults.take(7, "POST", "shipments") is None  # times used up
    assert faults.public()[0]["path"] == "shipments" and faults.public()[0]["method"] == "POST"


def test_a_fault_must_be_an_error_status() -> None:
    with pytest.raises(ValueError):
        OrderFaults().set({"order_id": 1, "status": 200})
    with pytest.raises(KeyError):
        OrderFaults().set({"status": 500})


def test_a_row_fault_malforms_the_order_row_in_lists_and_its_get() -> None:
    faults = RowFaults()
    faults.set({"order_id": 7})
    faults.set({"order_id": 8, "field": "date_modified", "value": 3, "lists_only": True})
    row = {"id": 7, "status_id": 11}
    assert faults.apply(row, listing=True) == {"id": 7, "status_id": "Awaiting Fulfillment"}
    assert faults.apply(row, listing=False)["status_id"] == "Awaiting Fulfillment"
    assert row == {"id": 7, "status_id": 11}  # the store's row is not touched
    eight = {"id": 8, "date_modified": "x"}
    assert faults.apply(eight, listing=True)["date_modified"] == 3
    assert faults.apply(eight, listing=False) is eight  # lists only
    assert faults.apply({"id": 9}, listing=True) == {"id": 9}
    assert [(f["order_id"], f["served"]) for f in faults.public()] == [(7, 2), (8, 1)]
    assert faults.clear(7) == 1 and faults.apply(row, listing=True) is row
    assert faults.clear() == 1 and faults.public() == []


def test_a_row_fault_names_an_order_and_a_public_field() -> None:
    with pytest.raises(KeyError):
        RowFaults().set({"field": "status_id"})
    with pytest.raises(ValueError):
        RowFaults().set({"order_id": 1, "field": "_sandbox_coupons"})
