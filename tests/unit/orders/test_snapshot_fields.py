"""The bc.orders v3 fields the order rules read come from what BigCommerce already returns on the order."""

from __future__ import annotations

from decimal import Decimal

from connectors.bigcommerce.models import Order, OrderShippingAddress
from connectors.bigcommerce.versions import order_version
from streams.ingest.bigcommerce_events import order_snapshot
from tests.unit.bigcommerce.test_source_logic import ORDER


def test_currency_and_tax_fields_reach_the_snapshot_without_changing_the_order_version() -> None:
    row = ORDER | {"currency_code": "EUR", "currency_exchange_rate": "0.9214000000", "default_currency_code": "EUR",
                   "store_default_currency_code": "USD", "shipping_cost_tax_class_id": 2,
                   "handling_cost_tax": "0.2000", "handling_cost_tax_class_id": "3", "wrapping_cost_tax": "0.1000"}
    plain = Order.model_validate(ORDER)
    order = Order.model_validate(row)
    address = OrderShippingAddress.model_validate({"id": 9, "order_id": 101, "cost_tax": "1.0000",
                                                   "cost_tax_class_id": 2, "shipping_method": "UPS Ground"})
    snap = order_snapshot("abc", order, [], [address], [], [])
    assert (snap.currency_code, snap.currency_exchange_rate, snap.store_default_currency_code) == (
        "EUR", Decimal("0.9214"), "USD")
    assert (snap.shipping_cost_tax_class_id, snap.handling_cost_tax, snap.handling_cost_tax_class_id,
            snap.wrapping_cost_tax) == (2, Decimal("0.2"), 3, Decimal("0.1"))
    assert snap.shipping_addresses[0].cost_tax_class_id == 2
    # undeclared extras are not part of the version fingerprint (pinned ids of existing orders stay)
    extras_only = Order.model_validate(ORDER | {"shipping_cost_tax_class_id": 2, "handling_cost_tax": "0.2000",
                                                "store_default_currency_code": "USD"})
    assert order_version(extras_only) == order_version(plain)
