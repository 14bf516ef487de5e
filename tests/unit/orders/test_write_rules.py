"""The NetSuite writer's decisions (``streams.orders.write_rules``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.http import NotFoundError, PermanentError, RateLimitedError, RetryableError
from connectors.netsuite.operations import SalesOrderLine
from streams.contract import CustomerSpec, SalesOrderCommand
from streams.orders import write_rules as rules

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def command(action: str = "upsert", version: datetime = T0) -> SalesOrderCommand:
    return SalesOrderCommand(action=action, store_hash="s", bc_order_id=7, external_id="BC-SO-s-7",
                             source_version=version, order_created_at=T0, content_hash="h", bc_total=Decimal("1"),
                             customer=CustomerSpec(email="a@b.c"))


def test_an_older_command_than_the_written_version_is_stale() -> None:
    assert rules.step(command(version=T0), T0 + timedelta(seconds=1)) == "stale"
    assert rules.step(command(version=T0), T0) == "upsert"
    assert rules.step(command(version=T0), None) == "upsert"
    assert rules.step(command("close"), None) == "close"


def test_permanent_errors_are_rejections_and_connector_trouble_is_retried() -> None:
    assert rules.failure(PermanentError("bad field")) == "rejected"
    assert rules.failure(NotFoundError("gone")) == "rejected"
    assert rules.failure(RetryableError("503")) == "retry"
    assert rules.failure(RateLimitedError("429")) == "retry"
    assert rules.failure(LookupError("no item")) == "retry"
    with pytest.raises(ZeroDivisionError):  # not the writer's to decide: the guarded loop sets it aside
        rules.failure(ZeroDivisionError())


def test_a_cancelled_order_is_closed_if_nothing_shipped_and_loses_its_unshipped_part_if_some_did() -> None:
    def line(n: int, shipped: str, quantity: str = "1", goods: bool = True) -> SalesOrderLine:
        return SalesOrderLine(line=n, quantity_fulfilled=Decimal(shipped), is_closed=False,
                              quantity=Decimal(quantity), goods=goods)

    assert rules.cancellation([line(1, "0"), line(2, "0")]) == "close"
    assert rules.cancellation([line(1, "0"), line(2, "0.5")]) == "cancel_open"
    assert rules.cancellation([line(1, "1"), line(2, "2", quantity="3")]) == "cancel_open"
    assert rules.cancellation([line(1, "1"), line(2, "3", quantity="3"), line(3, "0", goods=False)]) == "all_shipped"


def test_custom_lines_are_booked_on_a_non_inventory_item() -> None:
    assert rules.special_record_type("custom") == "nonInventoryResaleItem"
    assert rules.special_record_type("discount") == "discountItem"
    assert rules.special_record_type("tax") == "serviceItem"


def test_exceptions_name_the_order_and_carry_the_command() -> None:
    exc = rules.rejected(command(), PermanentError("Invalid item"))
    assert exc.owner == "engineering" and "BigCommerce order 7" in exc.message and "Invalid item" in exc.message
    assert exc.payload["external_id"] == "BC-SO-s-7"
    after = rules.cancelled_after_fulfilment(command("close"), ns_id="55", tran_id="SO100")
    assert after.owner == "operations" and "SO100" in after.message
