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


def test_an_order_is_closed_only_if_nothing_shipped() -> None:
    def line(n: int, shipped: str) -> SalesOrderLine:
        return SalesOrderLine(line=n, quantity_fulfilled=Decimal(shipped), is_closed=False)

    assert rules.can_close([line(1, "0"), line(2, "0")])
    assert not rules.can_close([line(1, "0"), line(2, "0.5")])


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
