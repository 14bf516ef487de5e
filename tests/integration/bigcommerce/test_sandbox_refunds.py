"""Refund fidelity of the BigCommerce sandbox (Orders V3 payment actions, reference §5): the quote offers
the order's own gateway first, refunds go back through it against the original payment, merchant
overrides, refusals (422), side effects (webhook, status, quantities), the store-wide refund listing and
declined refund payments (``_sandbox_decline``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote as urlquote

import httpx

from connectors.bigcommerce.sandbox import SandboxServer

from .helpers import address, some_variants
from .test_openapi import validate


async def _order(admin: httpx.AsyncClient, sandbox: SandboxServer, client: Any, quantities: tuple[int, ...] = (2, 1),
                 **extra: Any) -> dict[str, Any]:
    variants = await some_variants(client, len(quantities))
    body = {
        "status_id": 11,
        "billing_address": address(),
        "shipping_addresses": [{**address(), "shipping_method": "Flat Rate", "cost_ex_tax": "5.00"}],
        "products": [{"product_id": v.product_id, "variant_id": v.id, "quantity": q}
                     for v, q in zip(variants, quantities, strict=True)],
        **extra,
    }
    response = await admin.post(f"/stores/{sandbox.config.store_hash}/v2/orders", json=body)
    assert response.status_code in (200, 201), response.text
    order: dict[str, Any] = response.json()
    return order


class Api:
    def __init__(self, admin: httpx.AsyncClient, sandbox: SandboxServer) -> None:
        self.http = admin
        self.root = f"/stores/{sandbox.config.store_hash}"

    async def lines(self, order_id: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.http.get(f"{self.root}/v2/orders/{order_id}/products")).json()
        return rows

    async def order(self, order_id: int) -> dict[str, Any]:
        row: dict[str, Any] = (await self.http.get(f"{self.root}/v2/orders/{order_id}")).json()
        return row

    async def quote(self, order_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.http.post(f"{self.root}/v3/orders/{order_id}/payment_actions/refund_quotes",
                                        json={"items": items})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def refund(self, order_id: int, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"{self.root}/v3/orders/{order_id}/payment_actions/refunds", json=body)

    async def transactions(self, order_id: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.http.get(f"{self.root}/v3/orders/{order_id}/transactions")).json()[
            "data"]
        return rows


def _api(admin: httpx.AsyncClient, sandbox: SandboxServer) -> Api:
    return Api(admin, sandbox)


def _first_method(quote: dict[str, Any]) -> dict[str, Any]:
    method: dict[str, Any] = quote["refund_methods"][0][0]
    return method


async def test_stripe_order_is_refunded_through_stripe_against_its_payment_intent(client, admin, sandbox):
    api = _api(admin, sandbox)
    order = await _order(admin, sandbox, client, _sandbox_gateway="stripe")
    pi = order["payment_provider_id"]
    assert pi.startswith("pi_")
    line = (await api.lines(order["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    quote = await api.quote(order["id"], items)
    method = _first_method(quote)
    assert method["provider_id"] == "stripe" and method["provider_description"] == "Stripe"
    assert method["offline"] is False and method["amount"] == quote["total_refund_amount"]
    assert [m[0]["provider_id"] for m in quote["refund_methods"]] == ["stripe", "custom"]  # guest: no store credit

    response = await api.refund(order["id"], {"items": items, "payments": [
        {"provider_id": "stripe", "amount": method["amount"], "offline": False}]})
    assert response.status_code == 201, response.text
    validate(response.json(), "orders.v3.yml", "/orders/{order_id}/payment_actions/refunds", "post", "201")
    refund = response.json()["data"]
    (payment,) = refund["payments"]
    assert payment["provider_id"] == "stripe" and payment["is_declined"] is False
    assert payment["declined_message"] == ""
    txns = await api.transactions(order["id"])
    (capture,) = [t for t in txns if t["event"] in ("purchase", "capture")]
    (back,) = [t for t in txns if t["event"] == "refund"]
    assert back["gateway"] == "stripe" and back["gateway_transaction_id"] == pi == capture["gateway_transaction_id"]
    assert back["reference_transaction_id"] == capture["id"] and back["status"] == "ok"
    assert Decimal(str(back["amount"])) == Decimal(str(method["amount"]))
    assert payment["transaction_id"] == str(back["id"])


async def test_paypal_and_testgateway_orders_quote_their_own_gateway(client, admin, sandbox):
    api = _api(admin, sandbox)
    paypal = await _order(admin, sandbox, client, (1,), _sandbox_gateway="paypal")
    line = (await api.lines(paypal["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    method = _first_method(await api.quote(paypal["id"], items))
    assert method["provider_id"] == "paypalcommerce"
    wrong = await api.refund(paypal["id"], {"items": items, "payments": [
        {"provider_id": "stripe", "amount": method["amount"]}]})
    assert wrong.status_code == 422 and "not available" in wrong.json()["title"]
    ok = await api.refund(paypal["id"], {"items": items, "payments": [
        {"provider_id": "paypalcommerce", "amount": method["amount"]}]})
    assert ok.status_code == 201, ok.text
    (back,) = [t for t in await api.transactions(paypal["id"]) if t["event"] == "refund"]
    assert back["gateway"] == "paypalcommerce" and back["gateway_transaction_id"] == paypal["payment_provider_id"]

    plain = await _order(admin, sandbox, client, (1,))
    line = (await api.lines(plain["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    method = _first_method(await api.quote(plain["id"], items))
    assert method["provider_id"] == "testgateway"
    assert (await api.refund(plain["id"], {"items": items, "payments": [
        {"provider_id": "testgateway", "amount": method["amount"]}]})).status_code == 201
    txns = await api.transactions(plain["id"])
    (paid,) = [t for t in txns if t["event"] in ("purchase", "capture")]
    (back,) = [t for t in txns if t["event"] == "refund"]
    assert back["gateway_transaction_id"] == paid["gateway_transaction_id"]  # the original payment's


async def test_merchant_calculated_override_sets_the_refund_totals(client, admin, sandbox):
    api = _api(admin, sandbox)
    order = await _order(admin, sandbox, client, _sandbox_gateway="stripe")
    line = (await api.lines(order["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    override = {"total_amount": 7.31, "total_tax": 0.61}
    mismatch = await api.refund(order["id"], {"items": items, "merchant_calculated_override": override,
                                              "payments": [{"provider_id": "stripe", "amount": 7.30}]})
    assert mismatch.status_code == 422 and "does not match" in mismatch.json()["title"]
    response = await api.refund(order["id"], {"items": items, "merchant_calculated_override": override,
                                              "payments": [{"provider_id": "stripe", "amount": 7.31}]})
    assert response.status_code == 201, response.text
    refund = response.json()["data"]
    assert refund["total_amount"] == 7.31 and refund["total_tax"] == 0.61
    assert refund["uses_merchant_override_values"] is True
    after = await api.order(order["id"])
    assert Decimal(after["refunded_amount"]) == Decimal("7.31") and after["status_id"] == 14
    assert (await api.lines(order["id"]))[0]["quantity_refunded"] == 1
    (back,) = [t for t in await api.transactions(order["id"]) if t["event"] == "refund"]
    assert Decimal(str(back["amount"])) == Decimal("7.31")
    too_much = await api.refund(order["id"], {
        "items": [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}],
        "merchant_calculated_override": {"total_amount": float(Decimal(order["total_inc_tax"])), "total_tax": 0},
        "payments": [{"provider_id": "stripe", "amount": float(Decimal(order["total_inc_tax"]))}]})
    assert too_much.status_code == 422 and "exceeds" in too_much.json()["title"]
    incomplete = await api.refund(order["id"], {"items": items, "merchant_calculated_override": {"total_amount": 1},
                                                "payments": [{"provider_id": "stripe", "amount": 1}]})
    assert incomplete.status_code == 422
    plain = await api.refund(order["id"], {"items": [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}],
                                           "payments": [{"provider_id": "stripe", "amount": 1}]})
    assert plain.json()["data"]["uses_merchant_override_values"] is False


async def test_refusals(client, admin, sandbox):
    api = _api(admin, sandbox)
    order = await _order(admin, sandbox, client, (2, 1))
    lines = await api.lines(order["id"])
    items = [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1}]
    quote = await api.quote(order["id"], items)
    amount = Decimal(str(quote["total_refund_amount"]))
    guest = await api.refund(order["id"], {"items": items, "payments": [
        {"provider_id": "storecredit", "amount": float(amount), "offline": True}]})
    assert guest.status_code == 422
    assert guest.json()["title"] == "Unable to provide store credit for a guest customer."
    for cents in (Decimal("0.01"), Decimal("-0.01")):
        off = await api.refund(order["id"], {"items": items, "payments": [
            {"provider_id": "testgateway", "amount": float(amount + cents)}]})
        assert off.status_code == 422 and "does not match" in off.json()["title"]
    too_many = await api.refund(order["id"], {
        "items": [{"item_type": "PRODUCT", "item_id": lines[1]["id"], "quantity": 2}],
        "payments": [{"provider_id": "testgateway", "amount": 1}]})
    assert too_many.status_code == 422 and "exceeds the refundable quantity" in too_many.json()["title"]
    total = Decimal(order["total_inc_tax"])
    over = await api.refund(order["id"], {
        "items": [{"item_type": "ORDER", "item_id": order["id"], "amount": float(total + Decimal("0.01"))}],
        "payments": [{"provider_id": "testgateway", "amount": float(total + Decimal("0.01"))}]})
    assert over.status_code == 422 and "exceeds the refundable amount" in over.json()["title"]
    # Nothing above changed the order.
    assert (await api.order(order["id"]))["status_id"] == 11
    assert [line["quantity_refunded"] for line in await api.lines(order["id"])] == [0, 0]
    # After a partial refund, only what is left can be refunded.
    assert (await api.refund(order["id"], {"items": items, "payments": [
        {"provider_id": "testgateway", "amount": float(amount)}]})).status_code == 201
    left = total - amount
    over_left = await api.refund(order["id"], {
        "items": [{"item_type": "ORDER", "item_id": order["id"], "amount": float(left + Decimal("0.01"))}],
        "payments": [{"provider_id": "testgateway", "amount": float(left + Decimal("0.01"))}]})
    assert over_left.status_code == 422 and "exceeds the refundable amount" in over_left.json()["title"]


async def test_store_credit_to_a_customer_leaves_an_offline_transaction(client, admin, sandbox):
    api = _api(admin, sandbox)
    customer = min(sandbox.store.customers)
    order = await _order(admin, sandbox, client, (1,), customer_id=customer, _sandbox_gateway="stripe")
    line = (await api.lines(order["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    quote = await api.quote(order["id"], items)
    assert [m[0]["provider_id"] for m in quote["refund_methods"]] == ["stripe", "custom", "storecredit"]
    response = await api.refund(order["id"], {"items": items, "payments": [
        {"provider_id": "storecredit", "amount": quote["total_refund_amount"], "offline": True}]})
    assert response.status_code == 201, response.text
    (back,) = [t for t in await api.transactions(order["id"]) if t["event"] == "refund"]
    assert back["gateway"] == "storecredit" and back["method"] == "store_credit"
    assert back["gateway_transaction_id"] == ""  # nothing for Stripe to mirror
    assert (await api.order(order["id"]))["status_id"] == 14  # shipping not refunded


async def test_refund_side_effects_webhook_status_and_quantities(client, admin, sandbox):
    api = _api(admin, sandbox)
    order = await _order(admin, sandbox, client, (2, 1))
    lines = await api.lines(order["id"])
    first = [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1}]
    quote = await api.quote(order["id"], first)
    refund = (await api.refund(order["id"], {"items": first, "payments": [
        {"provider_id": "testgateway", "amount": quote["total_refund_amount"]}]})).json()["data"]
    events = [e for e in sandbox.webhooks.events if e["data"].get("id") == order["id"]]
    assert {"scope": "store/order/refund/created", "refund_id": refund["id"]} in [
        {"scope": e["scope"], "refund_id": (e["data"].get("refund") or {}).get("refund_id")} for e in events]
    status = [e["data"]["status"] for e in events if e["scope"] == "store/order/statusUpdated"]
    assert status[-1] == {"previous_status_id": 11, "new_status_id": 14}
    rows = await api.lines(order["id"])
    assert [(r["quantity_refunded"], r["is_refunded"]) for r in rows] == [(1, False), (0, False)]
    assert Decimal(rows[0]["refund_amount"]) == Decimal(str(quote["total_refund_amount"]))
    after = await api.order(order["id"])
    assert after["status_id"] == 14 and after["payment_status"] == "partially refunded"

    rest = [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1},
            {"item_type": "PRODUCT", "item_id": lines[1]["id"], "quantity": 1},
            {"item_type": "SHIPPING", "item_id": lines[0]["order_address_id"],
             "amount": float(Decimal(order["shipping_cost_inc_tax"]))}]
    quote = await api.quote(order["id"], rest)
    assert (await api.refund(order["id"], {"items": rest, "payments": [
        {"provider_id": "testgateway", "amount": quote["total_refund_amount"]}]})).status_code == 201
    rows = await api.lines(order["id"])
    assert [(r["quantity_refunded"], r["is_refunded"]) for r in rows] == [(2, True), (1, True)]
    after = await api.order(order["id"])
    assert after["status_id"] == 4 and after["payment_status"] == "refunded"
    assert Decimal(after["refunded_amount"]) == Decimal(after["total_inc_tax"])


async def test_all_refunds_listing_and_single_refund(client, admin, sandbox):
    api = _api(admin, sandbox)
    made: list[dict[str, Any]] = []
    orders = [await _order(admin, sandbox, client, (1,)) for _ in range(3)]
    for order in orders:
        item = [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}]
        response = await api.refund(order["id"], {"items": item, "payments": [
            {"provider_id": "testgateway", "amount": 1}]})
        made.append(response.json()["data"])
    root = api.root + "/v3/orders/payment_actions/refunds"
    everything = (await admin.get(root)).json()
    validate(everything, "orders.v3.yml", "/orders/payment_actions/refunds")
    assert [r["id"] for r in everything["data"]] == [r["id"] for r in made]
    assert everything["meta"]["pagination"]["total"] == 3
    some = (await admin.get(root, params={"order_id:in": f"{orders[0]['id']},{orders[2]['id']}"})).json()["data"]
    assert [r["order_id"] for r in some] == [orders[0]["id"], orders[2]["id"]]
    one = (await admin.get(root, params={"id:in": str(made[1]["id"])})).json()["data"]
    assert [r["id"] for r in one] == [made[1]["id"]]
    page = (await admin.get(root, params={"limit": 2, "page": 2})).json()
    assert [r["id"] for r in page["data"]] == [made[2]["id"]] and page["meta"]["pagination"]["total_pages"] == 2
    created = made[0]["created"]
    since = (await admin.get(f"{root}?created:min={urlquote(created, safe='')}")).json()["data"]
    assert len(since) == 3
    before = (await admin.get(root, params={"created:max": "2000-01-01T00:00:00+00:00"})).json()["data"]
    assert before == []
    assert (await admin.get(root, params={"created:min": "yesterday"})).status_code == 400
    txn = made[1]["payments"][0]["transaction_id"]
    assert [r["id"] for r in (await admin.get(root, params={"transaction_id": txn})).json()["data"]] == [made[1]["id"]]

    single = await admin.get(f"{root}/{made[1]['id']}")
    assert single.status_code == 200
    # RefundID_Get types items[].requested_amount as a string where Refund (POST, lists) has a number
    # (Amount); the sandbox keeps one shape, the number, so that field is left out of this check.
    shown = single.json()
    checked = {**shown, "data": {**shown["data"], "items": [
        {k: v for k, v in i.items() if k != "requested_amount"} for i in shown["data"]["items"]]}}
    validate(checked, "orders.v3.yml", "/orders/payment_actions/refunds/{refund_id}")
    assert single.json()["data"] == made[1]
    assert (await admin.get(f"{root}/999999")).status_code == 404


async def test_declined_refund_payment(client, admin, sandbox):
    api = _api(admin, sandbox)
    order = await _order(admin, sandbox, client, (1,), _sandbox_gateway="stripe")
    line = (await api.lines(order["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    quote = await api.quote(order["id"], items)
    body = {"items": items, "payments": [{"provider_id": "stripe", "amount": quote["total_refund_amount"]}]}
    response = await api.refund(order["id"], {**body, "_sandbox_decline": "card_declined: expired card"})
    assert response.status_code == 201, response.text
    declined = response.json()["data"]
    (payment,) = declined["payments"]
    assert payment["is_declined"] is True and payment["declined_message"] == "card_declined: expired card"
    assert any(e["scope"] == "store/order/refund/created" and e["data"]["refund"]["refund_id"] == declined["id"]
               for e in sandbox.webhooks.events)
    (txn,) = [t for t in await api.transactions(order["id"]) if t["event"] == "refund"]
    assert txn["status"] == "error" and payment["transaction_id"] == str(txn["id"])
    after = await api.order(order["id"])
    assert after["status_id"] == 11 and Decimal(after["refunded_amount"]) == 0
    assert (await api.lines(order["id"]))[0]["quantity_refunded"] == 0

    retried = await api.refund(order["id"], body)  # no money moved, so the whole amount is still refundable
    assert retried.status_code == 201
    assert retried.json()["data"]["payments"][0]["is_declined"] is False
    refunds = [t for t in await api.transactions(order["id"]) if t["event"] == "refund"]
    assert [t["status"] for t in refunds] == ["error", "ok"]
    assert (await api.order(order["id"]))["status_id"] == 14  # the product, not the shipping
    default = await _order(admin, sandbox, client, (1,))
    line = (await api.lines(default["id"]))[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    amount = (await api.quote(default["id"], items))["total_refund_amount"]
    flagged = await api.refund(default["id"], {"items": items, "_sandbox_decline": True,
                                               "payments": [{"provider_id": "testgateway", "amount": amount}]})
    assert flagged.json()["data"]["payments"][0]["declined_message"] == "The payment provider declined the refund."
