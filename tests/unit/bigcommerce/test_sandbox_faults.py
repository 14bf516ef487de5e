"""Per-order faults of the sandbox (connectors/bigcommerce/sandbox/faults.py)."""

from __future__ import annotations

import pytest

from connectors.bigcommerce.sandbox.faults import OrderFaults


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


def test_a_fault_must_be_an_error_status() -> None:
    with pytest.raises(ValueError):
        OrderFaults().set({"order_id": 1, "status": 200})
    with pytest.raises(KeyError):
        OrderFaults().set({"status": 500})
