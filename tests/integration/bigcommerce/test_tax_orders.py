"""Orders the tax and currency work needs, over real HTTP: a UK VAT order (tax-inclusive, 20/5/0 % lines,
shipping and handling at 20 %) whose totals add up to the cent, a GBP multi-currency order, a US
tax-exclusive order at one state rate, and ``GET /v2/orders/{id}/taxes``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .helpers import address

V2 = "/stores/o2cdemo/v2"


def uk_address(email: str = "buyer@example.co.uk") -> dict[str, Any]:
    return {**address(email), "city": "London", "state": "", "zip": "SW1A 1AA", "country": "United Kingdom",
            "country_iso2": "GB"}


def line(name: str, price_inc: str, qty: int, rate: str, class_id: int, tax_name: str) -> dict[str, Any]:
    return {"name": name, "sku": name.upper(), "quantity": qty, "price_inc_tax": price_inc,
            "_sandbox_tax_rate": rate, "tax_class_id": class_id, "_sandbox_tax_name": tax_name}


UK_VAT = {
    "status_id": 11,
    "is_tax_inclusive_pricing": True,
    "currency_code": "GBP",
    "default_currency_code": "GBP",
    "currency_exchange_rate": "1.0000",
    "store_default_currency_code": "USD",
    "store_default_to_transactional_exchange_rate": "0.7900",
    "_sandbox_tax_rate": "20",
    "_sandbox_tax_name": "VAT",
    "_sandbox_shipping_tax_rate": "20",
    "shipping_cost_tax_class_id": 2,
    "_sandbox_handling_tax_rate": "20",
    "handling_cost_tax_class_id": 2,
    "billing_address": uk_address(),
    "shipping_addresses": [{**uk_address(), "shipping_method": "Royal Mail Tracked 48", "cost_inc_tax": "4.99",
                            "handling_cost_inc_tax": "1.20"}],
    "products": [
        line("Kettle", "24.00", 2, "20", 1, "VAT Standard"),
        line("Child seat", "10.50", 1, "5", 3, "VAT Reduced"),
        line("Book", "7.99", 3, "0", 4, "VAT Zero"),
    ],
}


async def _post(admin, body: dict[str, Any]) -> dict[str, Any]:
    resp = await admin.post(f"{V2}/orders", json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def test_uk_vat_order_20_5_0_tax_inclusive_adds_up(admin):
    order = await _post(admin, UK_VAT)
    assert order["is_tax_inclusive_pricing"] is True
    expected = {
        "subtotal_inc_tax": "82.4700", "subtotal_ex_tax": "73.9700", "subtotal_tax": "8.5000",
        "shipping_cost_inc_tax": "4.9900", "shipping_cost_ex_tax": "4.1600", "shipping_cost_tax": "0.8300",
        "handling_cost_inc_tax": "1.2000", "handling_cost_ex_tax": "1.0000", "handling_cost_tax": "0.2000",
        "total_inc_tax": "88.6600", "total_ex_tax": "79.1300", "total_tax": "9.5300",
    }
    assert {k: order[k] for k in expected} == expected
    assert order["shipping_cost_tax_class_id"] == 2 and order["handling_cost_tax_class_id"] == 2
    d = {k: Decimal(order[k]) for k in expected}
    assert d["total_inc_tax"] == d["subtotal_inc_tax"] + d["shipping_cost_inc_tax"] + d["handling_cost_inc_tax"]
    assert d["total_tax"] == d["subtotal_tax"] + d["shipping_cost_tax"] + d["handling_cost_tax"]
    assert d["total_inc_tax"] == d["total_ex_tax"] + d["total_tax"]
    lines = (await admin.get(f"{V2}/orders/{order['id']}/products")).json()
    got = [(x["price_inc_tax"], x["price_ex_tax"], x["total_inc_tax"], x["total_ex_tax"], x["total_tax"])
           for x in lines]
    assert got == [
        ("24.0000", "20.0000", "48.0000", "40.0000", "8.0000"),
        ("10.5000", "10.0000", "10.5000", "10.0000", "0.5000"),
        ("7.9900", "7.9900", "23.9700", "23.9700", "0.0000"),
    ]
    assert sum(Decimal(x["total_inc_tax"]) for x in lines) == d["subtotal_inc_tax"]
    (addr,) = (await admin.get(f"{V2}/orders/{order['id']}/shipping_addresses")).json()
    assert (addr["cost_inc_tax"], addr["cost_tax"], addr["handling_cost_inc_tax"], addr["handling_cost_tax"]) == (
        "4.9900", "0.8300", "1.2000", "0.2000")


async def test_uk_vat_order_taxes_endpoint(admin):
    order = await _post(admin, UK_VAT)
    oid = order["id"]
    plain = (await admin.get(f"{V2}/orders/{oid}/taxes")).json()
    assert "line_item_type" not in plain[0] and "order_product_id" not in plain[0]
    rows = (await admin.get(f"{V2}/orders/{oid}/taxes", params={"details": "true"})).json()
    lines = (await admin.get(f"{V2}/orders/{oid}/products")).json()
    summary = [(r["line_item_type"], r["order_product_id"], r["tax_class_id"], r["name"], r["rate"],
                r["line_amount"]) for r in rows]
    assert summary == [
        ("item", str(lines[0]["id"]), 1, "VAT Standard", "20.0000", "8.0000"),
        ("item", str(lines[1]["id"]), 3, "VAT Reduced", "5.0000", "0.5000"),
        ("item", str(lines[2]["id"]), 4, "VAT Zero", "0.0000", "0.0000"),
        ("shipping", None, 2, "VAT", "20.0000", "0.8300"),
        ("handling", None, 2, "VAT", "20.0000", "0.2000"),
    ]
    assert all(r["class"] == "API Tax Override" and r["order_id"] == oid for r in rows)
    assert sum(Decimal(r["line_amount"]) for r in rows) == Decimal(order["total_tax"])


async def test_gbp_order_keeps_its_currency_fields(admin):
    order = await _post(admin, UK_VAT)
    assert (order["currency_code"], order["default_currency_code"], order["store_default_currency_code"]) == (
        "GBP", "GBP", "USD")
    assert order["currency_exchange_rate"] == "1.0000"
    assert order["store_default_to_transactional_exchange_rate"] == "0.7900"
    again = (await admin.get(f"{V2}/orders/{order['id']}")).json()
    assert again["currency_code"] == "GBP" and again["total_inc_tax"] == "88.6600"  # amounts in GBP


async def test_us_order_tax_exclusive_single_state_rate(admin):
    body = {
        "status_id": 11,
        "is_tax_inclusive_pricing": False,
        "_sandbox_tax_rate": "8.875",
        "_sandbox_tax_name": "NY State Tax",
        "billing_address": {**address(), "city": "New York", "state": "New York", "zip": "10001"},
        "shipping_addresses": [{**address(), "city": "New York", "state": "New York", "zip": "10001",
                                "cost_ex_tax": "6.50"}],
        "products": [{"name": "Mug", "sku": "MUG", "quantity": 3, "price_ex_tax": "19.99"},
                     {"name": "Card", "sku": "CARD", "quantity": 1, "price_ex_tax": "5.00"}],
    }
    order = await _post(admin, body)
    assert (order["currency_code"], order["is_tax_inclusive_pricing"]) == ("USD", False)
    assert (order["subtotal_ex_tax"], order["subtotal_tax"], order["shipping_cost_tax"]) == (
        "64.9700", "5.7600", "0.5800")
    assert (order["total_ex_tax"], order["total_tax"], order["total_inc_tax"]) == ("71.4700", "6.3400", "77.8100")
    lines = (await admin.get(f"{V2}/orders/{order['id']}/products")).json()
    assert [(x["price_inc_tax"], x["total_tax"]) for x in lines] == [("21.7641", "5.3200"), ("5.4438", "0.4400")]
    rates = {r["rate"] for r in (await admin.get(f"{V2}/orders/{order['id']}/taxes")).json()}
    assert rates == {"8.8750"}


async def test_bad_tax_rate_is_a_400(admin):
    resp = await admin.post(f"{V2}/orders", json={**UK_VAT, "_sandbox_tax_rate": "120"})
    assert resp.status_code == 400 and "_sandbox_tax_rate" in resp.json()[0]["message"]
