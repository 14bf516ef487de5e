"""Addresses, ship methods, multi-address orders and the order's currency, case by case."""

from __future__ import annotations

from decimal import Decimal

from streams.contract import CommandLine, SalesOrderCommand
from streams.contract.bigcommerce import BcAddress, BcShippingAddress
from streams.orders.addresses import address_spec, subrecord
from streams.orders.body import header_fields, ship_group_fields
from streams.orders.currency import Currency, CurrencyConfig, CurrencyUnmapped, order_currency
from streams.orders.mapping import MappingConfig
from streams.orders.plan import Hold, PlanRules, Send, build
from streams.orders.shipping import (
    MultiAddressUnsupported,
    Shipping,
    ShippingConfig,
    plan_shipping,
    ship_method,
    ship_method_unmapped,
)
from streams.orders.tax import TaxConfig
from tests.support.orders import snapshot
from tests.unit.orders.vat_orders import UK_CODES, uk_order

METHODS = ShippingConfig({"UPS Ground": "301", "Royal Mail Tracked 24": "305"}, default="303")
CURRENCIES = CurrencyConfig({"USD": "1", "EUR": "2", "GBP": "3", "CAD": "4"}, base_currency="USD")
MAPPING = MappingConfig(discount_item="BC-DISCOUNT", tax_item="O2C-TAX", handling_item="O2C-HANDLING",
                        rounding_item="ROUNDING-ADJ")


def test_a_company_address_is_addressed_to_the_company_for_the_attention_of_the_person() -> None:
    spec = address_spec(BcAddress(first_name="Jane", last_name="Doe", company="Acme Ltd", street_1="1 Main St",
                                  street_2="Suite 4", city="Austin", state="Texas", zip="78701", country_iso2="us",
                                  phone="512 555 0100"))
    assert subrecord(spec) == {"addressee": "Acme Ltd", "attention": "Jane Doe", "addr1": "1 Main St",
                               "addr2": "Suite 4", "city": "Austin", "state": "Texas", "zip": "78701",
                               "country": {"id": "US"}, "addrPhone": "512 555 0100"}


def test_a_person_is_the_addressee_and_long_values_are_cut_to_netsuites_lengths() -> None:
    spec = address_spec(BcAddress(first_name="Jane", last_name="Doe", street_1="x" * 400, city="c" * 90))
    assert spec.addressee == "Jane Doe" and not spec.attention
    assert len(spec.addr1) == 150 and len(spec.city) == 50
    assert "country" not in subrecord(spec)


def test_ship_methods_map_by_name_then_case_insensitively_else_the_default() -> None:
    assert ship_method("UPS Ground", METHODS).ns_id == "301"
    assert ship_method("ups ground ", METHODS).ns_id == "301"
    unmapped = ship_method("Pigeon Post", METHODS)
    assert unmapped.ns_id == "303" and unmapped.unmapped == "Pigeon Post"
    assert ship_method("Pigeon Post", ShippingConfig({})).ns_id is None


def two_addresses() -> object:
    order = snapshot()
    second = BcShippingAddress(**order.billing_address.model_dump(), id=2, shipping_method="FedEx 2Day")
    lines = (order.lines[0], order.lines[0].model_copy(update={"order_product_id": 1999, "order_address_id": 2}))
    return order.model_copy(update={"shipping_addresses": (*order.shipping_addresses, second), "lines": lines})


def test_an_order_to_two_addresses_is_held_without_multiple_shipping_routes() -> None:
    problem = plan_shipping(two_addresses(), METHODS)  # type: ignore[arg-type]
    assert isinstance(problem, MultiAddressUnsupported)
    text = problem.explain(101)
    assert text.startswith("Order 101 ships to 2 addresses") and "Multiple Shipping Routes" in text


def test_with_multiple_shipping_routes_each_address_is_a_ship_group() -> None:
    config = ShippingConfig(METHODS.methods, METHODS.default, multiple_routes=True)
    plan = plan_shipping(two_addresses(), config)  # type: ignore[arg-type]
    assert isinstance(plan, Shipping)
    assert [(g.order_address_id, g.ship_method_id, g.label) for g in plan.groups] == [
        (1, "301", "BC-101-1"), (2, "303", "BC-101-2")]
    assert plan.unmapped == ("FedEx 2Day",)


def test_an_unmapped_method_is_one_exception_listing_its_orders() -> None:
    exc = ship_method_unmapped("Pigeon Post", [101, 102], "303")
    assert (exc.kind, exc.object_type, exc.owner, exc.bc_id) == ("ship_method_unmapped", "ship_method",
                                                                 "operations", "Pigeon Post")
    assert "101, 102" in exc.message and "O2C_ORDERS_SHIP_METHODS" in exc.message


def test_the_order_currency_is_mapped_and_an_unmapped_one_is_held() -> None:
    assert order_currency(uk_order(), CURRENCIES) == Currency("GBP", "3", None)
    problem = order_currency(uk_order(currency="JPY"), CURRENCIES)
    assert isinstance(problem, CurrencyUnmapped)
    assert "JPY" in problem.explain(7) and "O2C_ORDERS_CURRENCIES" in problem.explain(7)


def test_the_exchange_rate_is_sent_only_from_a_base_currency_store() -> None:
    eur = snapshot().model_copy(update={"currency_code": "EUR", "currency_exchange_rate": Decimal("0.9214"),
                                        "store_default_currency_code": "USD"})
    assert order_currency(eur, CURRENCIES) == Currency("EUR", "2", Decimal("1.08530497"))
    gbp_store = eur.model_copy(update={"store_default_currency_code": "GBP"})
    assert order_currency(gbp_store, CURRENCIES) == Currency("EUR", "2", None)
    same = eur.model_copy(update={"currency_exchange_rate": Decimal(1)})
    assert order_currency(same, CURRENCIES).exchange_rate is None  # type: ignore[union-attr]


RULES = PlanRules(to_fulfil_statuses=frozenset({11}), cancelled_statuses=frozenset({5}), mapping=MAPPING,
                  tax=TaxConfig("suitetax", UK_CODES), currency=CURRENCIES, shipping=METHODS)


def test_plan_holds_each_problem_with_its_kind_and_owner() -> None:
    held = build(uk_order(currency="JPY"), {"TEE-20", "CHILDSEAT-5", "BOOK-0"}, RULES)
    assert isinstance(held, Hold) and (held.kind, held.owner) == ("currency_unmapped", "finance")
    held = build(two_addresses(), {"TEE-BLK-M"}, RULES)  # type: ignore[arg-type]
    assert isinstance(held, Hold) and (held.kind, held.owner) == ("multi_address_unsupported", "operations")
    gb_only = PlanRules(to_fulfil_statuses=frozenset({11}), cancelled_statuses=frozenset({5}), mapping=MAPPING,
                        tax=TaxConfig("suitetax", {"GB:20": "101"}), currency=CURRENCIES, shipping=METHODS)
    held = build(snapshot(), {"TEE-BLK-M"}, gb_only)  # 8.25% in the US: no code for it in this map
    assert isinstance(held, Hold) and held.kind == "tax_code_unmapped"


def test_a_sent_command_carries_currency_addresses_ship_method_and_message() -> None:
    order = uk_order().model_copy(update={"customer_message": "Leave with the porter"})
    sent = build(order, {"TEE-20", "CHILDSEAT-5", "BOOK-0"}, RULES)
    assert isinstance(sent, Send) and sent.currency is not None and sent.shipping is not None
    command = SalesOrderCommand(
        action="upsert", store_hash="ukstore", bc_order_id=501, external_id="BC-SO-ukstore-501",
        source_version=order.date_modified, order_created_at=order.date_created, content_hash="x",
        bc_total=order.total_inc_tax, customer={"email": "ada@example.co.uk"}, lines=sent.draft.lines,
        currency="GBP", currency_id=sent.currency.ns_id, ship_to=address_spec(order.shipping_addresses[0]),
        bill_to=address_spec(order.billing_address), ship_method_id=sent.shipping.method.ns_id,
        message=order.customer_message,
    )
    body = header_fields(command, currency_id="1")
    assert body["currency"] == {"id": "3"} and body["shipMethod"] == {"id": "305"}
    assert body["message"] == "Leave with the porter" and "exchangeRate" not in body
    assert body["shippingAddress"]["country"] == {"id": "GB"} and body["billingAddress"]["addressee"] == "Ada Lovelace"


def test_ship_groups_put_each_product_line_on_its_address_and_method() -> None:
    config = ShippingConfig(METHODS.methods, METHODS.default, multiple_routes=True)
    order = two_addresses()
    plan = plan_shipping(order, config)  # type: ignore[arg-type]
    assert isinstance(plan, Shipping)
    lines = (CommandLine(kind="product", item_ref="TEE", amount=Decimal(10), ship_group=1),
             CommandLine(kind="discount", item_ref="BC-DISCOUNT", amount=Decimal(-1)),
             CommandLine(kind="product", item_ref="TEE", amount=Decimal(10), ship_group=2))
    command = SalesOrderCommand(
        action="upsert", store_hash="o2cdemo", bc_order_id=101, external_id="BC-SO-o2cdemo-101",
        source_version=order.date_modified, order_created_at=order.date_created,  # type: ignore[attr-defined]
        content_hash="x", bc_total=Decimal(1), customer={"email": "a@b.c"}, lines=lines, ship_groups=plan.groups)
    items: list[dict[str, object]] = [{} for _ in lines]
    ship_group_fields(command, items, {"BC-101-1": "11", "BC-101-2": "12"})
    products = [i for i, x in zip(items, lines, strict=True) if x.kind == "product"]
    assert products == [{"shipAddress": {"id": "11"}, "shipMethod": {"id": "301"}},
                        {"shipAddress": {"id": "12"}, "shipMethod": {"id": "303"}}]
    assert header_fields(command, currency_id="1")["isMultiShipTo"] is True
