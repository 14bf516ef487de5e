"""Connector models read what BigCommerce sends, including ``null`` where a string is expected."""

from __future__ import annotations

from pydantic import TypeAdapter

from connectors.bigcommerce.models import Customer, Order, OrderProduct, OrderShippingAddress, Product, Text
from connectors.bigcommerce.versions import order_version

from .test_source_logic import ORDER


def test_null_strings_read_as_empty() -> None:
    billing = {"first_name": None, "last_name": None, "company": None, "street_2": None, "phone": None,
               "email": "jane@example.com"}
    order = Order.model_validate({**ORDER, "billing_address": billing, "customer_message": None, "status": None})
    assert (order.billing_address.company, order.billing_address.first_name, order.customer_message) == ("", "", "")
    assert order.status == "" and order.billing_address.email == "jane@example.com"
    assert OrderShippingAddress.model_validate({"id": 1, "order_id": 1, "company": None,
                                                "shipping_method": None}).company == ""
    assert OrderProduct.model_validate({"id": 1, "order_id": 1, "quantity": 1, "name": None, "sku": None}).sku == ""
    assert Product.model_validate({"id": 1, "name": None}).name == ""
    assert Customer.model_validate({"id": 1, "email": "a@b.c", "company": None}).company == ""
    assert TypeAdapter(Text).validate_python("kept") == "kept"


def test_a_null_and_an_empty_company_are_the_same_version() -> None:
    null = Order.model_validate({**ORDER, "billing_address": {**ORDER["billing_address"], "company": None}})  # type: ignore[dict-item]
    empty = Order.model_validate({**ORDER, "billing_address": {**ORDER["billing_address"], "company": ""}})  # type: ignore[dict-item]
    assert order_version(null) == order_version(empty)
