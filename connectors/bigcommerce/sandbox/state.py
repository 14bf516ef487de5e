"""In-memory state of the sandbox store and its business rules (no HTTP here).

Resources are kept as dicts shaped like the API's own objects, with ``Decimal`` money and aware
``datetime`` dates; :mod:`.render` turns them into V2 (4-dp strings, RFC-2822) or V3 (numbers,
ISO-8601) JSON. Rule violations raise :class:`ApiError`, which the HTTP layer renders in the
version's error format.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..formats import parse_money
from .config import SandboxConfig
from .pricing import CouponInput, LineInput, compute_totals, q2
from .taxes import TaxOptions

STATUSES: dict[int, tuple[str, str]] = {
    0: (
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.",
    ),
    1: ("Pending", "Customer started the checkout process, but did not complete it."),
    2: (
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
    ),
    3: (
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some products being pre-order only or other reasons.",
    ),
    4: ("Refunded", "Seller has used the Refund action."),
    5: ("Cancelled", "Seller has cancelled an order, due to a stock inconsistency or other reasons."),
    6: ("Declined", "Seller has marked the order as declined for lack of manual payment, or other reasons."),
    7: ("Awaiting Payment", "Customer has completed checkout process, but payment has yet to be confirmed."),
    8: (
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
    ),
    9: (
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
    ),
    10: (
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
    ),
    11: (
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
    ),
    12: ("Manual Verification Required", "Order on hold while some aspect needs to be manually confirmed."),
    13: (
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.",
    ),
    14: ("Partially Refunded", "Seller has partially refunded the order."),
}
READ_ONLY = "The field '{}' cannot be written to. Please remove it from your request before trying again."
PAID_STATUSES = {2, 3, 8, 9, 10, 11, 14}
#: ``_sandbox_gateway`` → (transaction ``gateway``, order ``payment_method``, id alphabet, id prefix, id length);
#: Stripe's BigCommerce gateways record the PaymentIntent id, PayPal Commerce the 17-character capture id.
SANDBOX_GATEWAYS: dict[str, tuple[str, str, str, str, int]] = {
    "testgateway": ("testgateway", "Test Payment Gateway", "", "", 0),
    "stripe": ("stripe", "Stripe", string.ascii_letters + string.digits, "pi_", 24),
    "paypal": ("paypalcommerce", "PayPal", string.ascii_uppercase + string.digits, "", 17),
}

#: ``payment_status`` values (spec enum); orders are created with one through ``_sandbox_payment_status``.
PAYMENT_STATUSES = {"", "authorized", "captured", "capture pending", "declined", "held for review", "paid",
                    "partially refunded", "pending", "refunded", "void", "void pending"}


class ApiError(Exception):
    """A client error the API reports (status, title, optional per-field errors)."""

    def __init__(self, status: int, title: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors or {}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def money(value: Any, name: str) -> Decimal:
    try:
        return parse_money(value)
    except ValueError as exc:
        raise ApiError(400, f"The field '{name}' is invalid.") from exc


#: The text fields of a BigCommerce address (billing, shipping).
ADDRESS_FIELDS = ("first_name", "last_name", "company", "street_1", "street_2", "city", "state", "zip", "country",
                  "country_iso2", "phone", "email")


def currency_fields(body: dict[str, Any], store_currency: str) -> dict[str, Any]:
    """The order's currency fields as POSTed (multi-currency), else the store's currency at rate 1.
    ``default_currency_code`` is the transactional currency; amounts stay in the order's currency."""
    code = str(body.get("currency_code") or body.get("default_currency_code") or store_currency)
    return {
        "currency_id": int(body.get("currency_id", 1)),
        "currency_code": code,
        "currency_exchange_rate": money(body.get("currency_exchange_rate", 1), "currency_exchange_rate"),
        "default_currency_id": int(body.get("default_currency_id", 1)),
        "default_currency_code": str(body.get("default_currency_code") or code),
        "store_default_currency_code": str(body.get("store_default_currency_code") or store_currency),
        "store_default_to_transactional_exchange_rate": money(
            body.get("store_default_to_transactional_exchange_rate", 1), "store_default_to_transactional_exchange_rate"
        ),
    }


def address_fields(raw: dict[str, Any]) -> dict[str, str | None]:
    """The address's text fields as strings; a field sent as ``null`` stays ``null``, as BigCommerce keeps
    it (a billing ``company`` nobody filled in reads back as ``null``)."""
    return {k: None if raw.get(k, "") is None else str(raw.get(k, "")) for k in ADDRESS_FIELDS}


@dataclass
class Stats:
    requests: int = 0
    rate_limited: int = 0
    faults_5xx: int = 0
    timeouts: int = 0
    #: requests answered with an error by a per-order fault (``/__sandbox/faults/orders``)
    order_faults: int = 0
    #: 429s served because an endpoint's concurrency limit was reached, by endpoint key
    #: (``pricelist_records_upsert``: a third concurrent records upsert)
    concurrency_limited: dict[str, int] = field(default_factory=dict)
    #: header-less 429s injected by ``error_429_rate``
    injected_429: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    #: API requests served per ``METHOD /vN/route/{template}`` (e.g. ``POST /v3/orders/metafields``).
    by_endpoint: dict[str, int] = field(default_factory=dict)


EventSink = Callable[[str, dict[str, Any]], None]


class Store:
    """All resources of one sandbox store."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.stats = Stats()
        self._ids = {
            name: itertools.count(start)
            for name, start in {
                "product": 111,
                "variant": 301,
                "option": 41,
                "option_value": 201,
                "order": 100,
                "order_product": 1,
                "address": 1,
                "shipment": 1,
                "refund": 1,
                "refund_payment": 1,
                "transaction": 1,
                "customer": 1,
                "group": 1,
                "pricelist": 1,
                "assignment": 1,
                "hook": 20001,
                "location": 1,
                "coupon": 1,
            }.items()
        }
        self.products: dict[int, dict[str, Any]] = {}
        self.variants: dict[int, dict[str, Any]] = {}
        self.locations: dict[int, dict[str, Any]] = {}
        self.stock: dict[tuple[int, int], int] = {}
        self.safety: dict[tuple[int, int], int] = {}
        self.pending_adjustments = 0
        self.applied_transactions: list[str] = []
        self.orders: dict[int, dict[str, Any]] = {}
        self.order_products: dict[int, list[dict[str, Any]]] = {}
        self.order_addresses: dict[int, list[dict[str, Any]]] = {}
        self.order_coupons: dict[int, list[dict[str, Any]]] = {}
        self.shipments: dict[int, list[dict[str, Any]]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self.transactions: dict[int, list[dict[str, Any]]] = {}
        self.refunds_in_progress: set[int] = set()
        self.customers: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.pricelists: dict[int, dict[str, Any]] = {}
        self.price_records: dict[tuple[int, int, str], dict[str, Any]] = {}
        #: bumped by every write to ``price_records`` (with its size, it keys ``records_cache``)
        self.price_records_version = 0
        #: price list id → ((version, size), its records in (variant id, currency) order)
        self.records_cache: dict[int, tuple[tuple[int, int], list[dict[str, Any]]]] = {}
        self.assignments: dict[int, dict[str, Any]] = {}
        self.hooks: dict[int, dict[str, Any]] = {}
        self._sku_index: dict[str, int] = {}
        self._sku_indexed = -1  # len(variants) when the index was built
        self.emit: EventSink = lambda scope, data: None
        self.add_location("BC-LOCATION-1", "Default location")

    def next_id(self, kind: str) -> int:
        return next(self._ids[kind])

    def start_ids_at(self, kind: str, start: int) -> None:
        """The next ``kind`` id is ``start`` (a test sharing topics with other tests uses ids nobody else has)."""
        self._ids[kind] = itertools.count(start)

    # ------------------------------------------------------------------ catalogue & inventory

    def add_location(self, code: str, label: str) -> dict[str, Any]:
        loc_id = self.next_id("location")
        created = now()
        loc = {
            "id": loc_id,
            "code": code,
            "label": label,
            "description": "",
            "managed_by_external_source": False,
            "type_id": "PHYSICAL",
            "enabled": True,
            "operating_hours": {},
            "time_zone": "Etc/UTC",
            "created_at": created,
            "updated_at": created,
            "address": {
                "address1": "1 Warehouse Way",
                "address2": "",
                "city": "Austin",
                "state": "Texas",
                "zip": "78701",
                "email": "ops@example.com",
                "phone": "",
                "country_code": "US",
                "geo_coordinates": {"latitude": Decimal("30.2672"), "longitude": Decimal("-97.7431")},
            },
            "storefront_visibility": True,
            "special_hours": [],
        }
        self.locations[loc_id] = loc
        return loc

    def variant_by_sku(self, sku: str) -> dict[str, Any] | None:
        """The variant with this SKU (an index rebuilt when variants were added or removed, or it is stale)."""
        if self._sku_indexed != len(self.variants):
            self._index_skus()
        vid = self._sku_index.get(sku)
        variant = self.variants.get(vid) if vid is not None else None
        if vid is not None and (variant is None or variant["sku"] != sku):
            self._index_skus()
            vid = self._sku_index.get(sku)
            variant = self.variants.get(vid) if vid is not None else None
        return variant

    def _index_skus(self) -> None:
        self._sku_index = {}
        for vid, v in sorted(self.variants.items(), reverse=True):  # the lowest id wins a duplicate SKU
            self._sku_index[v["sku"]] = vid
        self._sku_indexed = len(self.variants)

    def onhand(self, variant_id: int, location_id: int) -> int:
        return self.stock.get((variant_id, location_id), 0)

    def _resolve_item(self, item: dict[str, Any]) -> int:
        if item.get("variant_id") is not None:
            vid = int(item["variant_id"])
            if vid not in self.variants:
                raise ApiError(422, f"Item with variant_id {vid} does not exist")
            owner = self.products.get(self.variants[vid]["product_id"])
            if owner is not None and owner.get("inventory_tracking") == "product":
                raise ApiError(422, f"[Item with variant_id {vid} is tracked by product, please update stock by "
                               "product id]")
            return vid
        if item.get("sku") is not None:
            v = self.variant_by_sku(str(item["sku"]))
            if v is None:
                raise ApiError(422, f"Item with sku {item['sku']} does not exist")
            return int(v["id"])
        if item.get("product_id") is not None:
            pid = int(item["product_id"])
            product = self.products.get(pid)
            if product is None:
                raise ApiError(422, f"Item with product_id {pid} does not exist")
            if product.get("inventory_tracking") == "product" and product["variant_ids"]:
                return int(product["variant_ids"][0])  # the base variant carries a product's stock
            raise ApiError(
                422, f"[Item with product_id {pid} is tracked by variant, please update stock by variant id]"
            )
        raise ApiError(422, "Each item needs one of sku, variant_id or product_id")

    def adjust(self, items: list[dict[str, Any]], *, absolute: bool) -> str:
        """Validate an adjustment now, apply it after ``inventory_delay_ms`` (as BigCommerce does)."""
        if not items:
            raise ApiError(422, "items must not be empty")
        if len(items) > 2000:
            raise ApiError(413, "The request payload is too large. The maximum items allowed in the array is 2000")
        resolved: list[tuple[int, int, int]] = []
        for item in items:
            vid = self._resolve_item(item)
            loc = int(item.get("location_id", 1))
            if loc not in self.locations:
                raise ApiError(422, f"Location {loc} does not exist")
            try:
                qty = int(item["quantity"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ApiError(422, "quantity is required") from exc
            if absolute and qty < 0:
                raise ApiError(422, "quantity must not be negative for absolute adjustments")
            resolved.append((vid, loc, qty))
        txn = str(uuid.uuid4())
        self.pending_adjustments += 1

        def apply() -> None:
            for vid, loc, qty in resolved:
                before = self.onhand(vid, loc)
                after = qty if absolute else max(0, before + qty)
                self.stock[(vid, loc)] = after
                if after != before:
                    variant = self.variants[vid]
                    self.emit(
                        "store/sku/inventory/updated",
                        {
                            "type": "sku",
                            "id": vid,
                            "inventory": {
                                "product_id": variant["product_id"],
                                "method": "absolute" if absolute else "relative",
                                "value": qty,
                                "variant_id": vid,
                            },
                        },
                    )
            self.pending_adjustments -= 1
            self.applied_transactions.append(txn)

        delay = self.config.inventory_delay_ms / 1000.0
        try:
            asyncio.get_running_loop().call_later(delay, apply)
        except RuntimeError:
            apply()
        return txn

    def set_stock(self, sku: str, location_id: int, quantity: int) -> None:
        """Drift injection: change stock without an API call or a webhook."""
        v = self.variant_by_sku(sku)
        if v is None:
            raise ApiError(404, f"Unknown sku {sku}")
        self.stock[(int(v["id"]), location_id)] = quantity

    # ------------------------------------------------------------------ orders

    def _line_from_body(self, raw: dict[str, Any], tax: TaxOptions) -> tuple[dict[str, Any], LineInput]:
        qty = int(raw.get("quantity", 0))
        if qty <= 0:
            raise ApiError(400, "The field 'quantity' must be a positive integer.")
        line_rate, class_id, tax_name = tax.line(raw)
        rate = tax.rate if line_rate is None else line_rate
        basis_field = "price_inc_tax" if tax.inclusive else "price_ex_tax"
        variant: dict[str, Any] | None = None
        product: dict[str, Any] | None = None
        if raw.get("product_id"):
            product = self.products.get(int(raw["product_id"]))
            if product is None:
                raise ApiError(400, f"Product {raw['product_id']} does not exist.")
            if raw.get("variant_id") is not None:
                variant = self.variants.get(int(raw["variant_id"]))
            elif raw.get("sku"):
                variant = self.variant_by_sku(str(raw["sku"]))
            if variant is None or variant["product_id"] != product["id"]:
                raise ApiError(400, "A variant of this product must be specified (variant_id or product_options).")
            default_price = variant["price"] if variant["price"] is not None else product["price"]
            name, sku = product["name"], variant["sku"]
        else:
            if not raw.get("name"):
                raise ApiError(400, "The field 'name' is required for custom products.")
            default_price = None
            name, sku = str(raw["name"]), str(raw.get("sku", ""))
        if raw.get(basis_field) is not None:
            price = money(raw[basis_field], basis_field)
        elif raw.get("price_ex_tax") is not None and not tax.inclusive:
            price = money(raw["price_ex_tax"], "price_ex_tax")
        elif raw.get("price_inc_tax") is not None:
            inc = money(raw["price_inc_tax"], "price_inc_tax")
            price = inc if tax.inclusive else q2(inc / (1 + rate))
        elif raw.get("price_ex_tax") is not None:
            price = q2(money(raw["price_ex_tax"], "price_ex_tax") * (1 + rate))
        elif default_price is not None:
            price = default_price
        else:
            raise ApiError(400, "The field 'price_ex_tax' or 'price_inc_tax' is required for custom products.")
        meta = {
            "product": product,
            "variant": variant,
            "name": name,
            "sku": sku,
            "quantity": qty,
            "address_index": int(raw.get("_sandbox_address_index", 0)),
            "tax_rate": rate,
            "tax_class_id": class_id,
            "tax_name": tax_name,
        }
        discount = money(raw.get("_sandbox_line_discount", 0), "_sandbox_line_discount")
        return meta, LineInput(price, qty, discount, line_rate)

    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/orders``: validate, price, store, decrement stock, fire webhooks."""
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        products = body.get("products")
        if not products or not isinstance(products, list):
            raise ApiError(400, "The field 'products' is required.")
        billing = body.get("billing_address")
        if not isinstance(billing, dict):
            raise ApiError(400, "The field 'billing_address' is required.")
        if len(str(billing.get("zip", ""))) < 2 and billing.get("country_iso2", "US") == "US":
            raise ApiError(400, "The field 'zip' is invalid.")
        for ro in ("id", "subtotal_ex_tax", "total_inc_tax", "items_total", "coupon_discount"):
            if ro in body:
                raise ApiError(
                    400,
                    READ_ONLY.format(ro),
                )
        tax = TaxOptions.of(body, self.config)
        metas, inputs = zip(*(self._line_from_body(p, tax) for p in products), strict=True)
        addresses_raw = body.get("shipping_addresses") or [billing]
        if not isinstance(addresses_raw, list) or not all(isinstance(a, dict) for a in addresses_raw):
            raise ApiError(400, "The field 'shipping_addresses' is invalid.")
        side = "inc_tax" if tax.inclusive else "ex_tax"
        ship_costs = self._address_costs(body, addresses_raw, f"cost_{side}", f"shipping_cost_{side}")
        handling_costs = self._address_costs(body, addresses_raw, f"handling_cost_{side}", f"handling_cost_{side}")
        coupons = [
            CouponInput(str(c.get("code", "")), int(c.get("type", 2)), money(c.get("amount", 0), "amount"))
            for c in body.get("_sandbox_coupons") or []
        ]
        totals = compute_totals(
            list(inputs),
            tax_rate=tax.rate,
            inclusive=tax.inclusive,
            shipping=ship_costs,
            coupons=coupons,
            manual_discount=money(body.get("discount_amount", 0), "discount_amount"),
            shipping_tax_rate=tax.shipping_rate,
            handling=handling_costs,
            handling_tax_rate=tax.handling_rate,
        )
        order_id = self.next_id("order")
        created = now()
        customer_id = int(body.get("customer_id", 0))
        if customer_id and customer_id not in self.customers:
            raise ApiError(400, f"Customer {customer_id} does not exist.")
        status_id = int(body.get("status_id", 1))
        if status_id not in STATUSES:
            raise ApiError(400, "The field 'status_id' is invalid.")
        addresses: list[dict[str, Any]] = []
        for addr, ship, hand in zip(addresses_raw, totals.shipping, totals.handling, strict=True):
            addresses.append(
                {
                    "id": self.next_id("address"),
                    "order_id": order_id,
                    **address_fields(addr),
                    "items_total": 0,
                    "items_shipped": 0,
                    "shipping_method": str(addr.get("shipping_method", "Flat Rate")),
                    "base_cost": ship.cost_inc_tax if tax.inclusive else ship.cost_ex_tax,
                    "cost_ex_tax": ship.cost_ex_tax,
                    "cost_inc_tax": ship.cost_inc_tax,
                    "cost_tax": ship.cost_tax,
                    "cost_tax_class_id": tax.shipping_class_id,
                    "base_handling_cost": hand.cost_inc_tax if tax.inclusive else hand.cost_ex_tax,
                    "handling_cost_ex_tax": hand.cost_ex_tax,
                    "handling_cost_inc_tax": hand.cost_inc_tax,
                    "handling_cost_tax": hand.cost_tax,
                    "handling_cost_tax_class_id": tax.handling_class_id,
                    "shipping_zone_id": 1,
                    "shipping_zone_name": "United States",
                    "form_fields": [],
                }
            )
        lines: list[dict[str, Any]] = []
        for meta, inp, lt in zip(metas, inputs, totals.lines, strict=True):
            address = self._line_address(meta, addresses)
            address["items_total"] += meta["quantity"]
            variant, product = meta["variant"], meta["product"]
            opid = self.next_id("order_product")
            options = []
            if variant is not None:
                for ov in variant["option_values"]:
                    options.append(
                        {
                            "id": self.next_id("option_value") + 10000,
                            "option_id": ov["option_id"],
                            "order_product_id": opid,
                            "product_option_id": ov["option_id"],
                            "display_name": ov["option_display_name"],
                            "display_value": ov["label"],
                            "value": str(ov["id"]),
                            "type": "Multiple choice",
                            "name": ov["option_display_name"],
                            "display_style": "Rectangle",
                            "display_name_customer": ov["option_display_name"],
                            "display_name_merchant": ov["option_display_name"],
                            "display_value_customer": ov["label"],
                            "display_value_merchant": ov["label"],
                        }
                    )
            cost = product["cost_price"] if product else Decimal(0)
            lines.append(
                {
                    "id": opid,
                    "order_id": order_id,
                    "product_id": product["id"] if product else 0,
                    "variant_id": variant["id"] if variant else 0,
                    "order_pickup_method_id": 0,
                    "order_address_id": address["id"],
                    "name": meta["name"],
                    "name_customer": meta["name"],
                    "name_merchant": meta["name"],
                    "sku": meta["sku"],
                    "upc": "",
                    "type": "physical",
                    "base_price": inp.unit_price,
                    "price_ex_tax": lt.price_ex_tax,
                    "price_inc_tax": lt.price_inc_tax,
                    "price_tax": lt.price_tax,
                    "base_total": inp.unit_price * inp.quantity,
                    "total_ex_tax": lt.total_ex_tax,
                    "total_inc_tax": lt.total_inc_tax,
                    "total_tax": lt.total_tax,
                    "weight": "0.5000",
                    "width": "0.0000",
                    "height": "0.0000",
                    "depth": "0.0000",
                    "quantity": inp.quantity,
                    "base_cost_price": cost,
                    "cost_price_inc_tax": cost,
                    "cost_price_ex_tax": cost,
                    "cost_price_tax": Decimal(0),
                    "is_refunded": False,
                    "quantity_refunded": 0,
                    "refund_amount": Decimal(0),
                    "return_id": 0,
                    "wrapping_id": 0,
                    "wrapping_name": "",
                    "base_wrapping_cost": Decimal(0),
                    "wrapping_cost_ex_tax": Decimal(0),
                    "wrapping_cost_inc_tax": Decimal(0),
                    "wrapping_cost_tax": Decimal(0),
                    "wrapping_message": "",
                    "quantity_shipped": 0,
                    "event_name": None,
                    "event_date": None,
                    "fixed_shipping_cost": Decimal(0),
                    "ebay_item_id": "",
                    "ebay_transaction_id": "",
                    "option_set_id": None,
                    "parent_order_product_id": None,
                    "is_bundled_product": False,
                    "bin_picking_number": "",
                    "external_id": None,
                    "brand": "o2c Demo",
                    "gift_certificate_id": None,
                    "discounted_total_inc_tax": lt.discounted_total_inc_tax,
                    "applied_discounts": [
                        {"id": d.id, "amount": d.amount, "name": d.name, "code": d.code, "target": d.target}
                        for d in lt.applied_discounts
                    ],
                    "product_options": options,
                    "configurable_fields": [],
                    "_net_tax": lt.net_tax,
                    "_tax_rate": meta["tax_rate"],
                    "_tax_class_id": meta["tax_class_id"],
                    "_tax_name": meta["tax_name"],
                }
            )
        coupon_rows = [
            {
                "id": self.next_id("coupon"),
                "coupon_id": i + 1,
                "order_id": order_id,
                "code": c.code,
                "amount": c.amount,
                "type": c.type,
                "discount": d,
            }
            for i, (c, d) in enumerate(zip(coupons, totals.coupon_discounts, strict=True))
        ]
        items_total = sum(int(line["quantity"]) for line in lines)
        gateway = self._gateway_fields(body, totals.total_inc_tax)
        payment_method = str(body.get("payment_method", gateway["_payment_method"]))
        paid = status_id in PAID_STATUSES
        payment_status = "captured" if paid else ("pending" if status_id in (1, 7) else "")
        payment_status = str(body.get("_sandbox_payment_status", payment_status))
        if payment_status not in PAYMENT_STATUSES:
            raise ApiError(400, "The field '_sandbox_payment_status' is invalid.")
        order: dict[str, Any] = {
            "id": order_id,
            "customer_id": customer_id,
            "date_created": created,
            "date_modified": created,
            "date_shipped": None,
            "status_id": status_id,
            "status": STATUSES[status_id][0],
            "subtotal_ex_tax": totals.subtotal_ex_tax,
            "subtotal_inc_tax": totals.subtotal_inc_tax,
            "subtotal_tax": totals.subtotal_tax,
            "base_shipping_cost": totals.shipping_cost_inc_tax if tax.inclusive else totals.shipping_cost_ex_tax,
            "shipping_cost_ex_tax": totals.shipping_cost_ex_tax,
            "shipping_cost_inc_tax": totals.shipping_cost_inc_tax,
            "shipping_cost_tax": totals.shipping_cost_tax,
            "shipping_cost_tax_class_id": tax.shipping_class_id,
            "base_handling_cost": totals.handling_cost_inc_tax if tax.inclusive else totals.handling_cost_ex_tax,
            "handling_cost_ex_tax": totals.handling_cost_ex_tax,
            "handling_cost_inc_tax": totals.handling_cost_inc_tax,
            "handling_cost_tax": totals.handling_cost_tax,
            "handling_cost_tax_class_id": tax.handling_class_id,
            "base_wrapping_cost": Decimal(0),
            "wrapping_cost_ex_tax": Decimal(0),
            "wrapping_cost_inc_tax": Decimal(0),
            "wrapping_cost_tax": Decimal(0),
            "wrapping_cost_tax_class_id": 3,
            "total_ex_tax": totals.total_ex_tax,
            "total_inc_tax": totals.total_inc_tax,
            "total_tax": totals.total_tax,
            "is_tax_inclusive_pricing": tax.inclusive,
            "items_total": items_total,
            "items_shipped": 0,
            "payment_method": payment_method,
            "payment_provider_id": gateway["_gateway_transaction_id"] or str(body.get("payment_provider_id", "")),
            "payment_status": payment_status,
            "refunded_amount": Decimal(0),
            "order_is_digital": False,
            "store_credit_amount": gateway["_store_credit"],
            "gift_certificate_amount": gateway["_gift_certificate"],
            "ip_address": "127.0.0.1",
            "ip_address_v6": "",
            "geoip_country": "United States",
            "geoip_country_iso2": "US",
            **currency_fields(body, self.config.currency),
            "staff_notes": str(body.get("staff_notes", "")),
            "customer_message": str(body.get("customer_message", "")),
            "discount_amount": totals.discount_amount,
            "coupon_discount": totals.coupon_discount,
            "shipping_address_count": len(addresses),
            "is_deleted": False,
            "ebay_order_id": "0",
            "cart_id": "",
            "billing_address": {
                **address_fields(billing),
                "form_fields": [],
            },
            "is_email_opt_in": False,
            "credit_card_type": None,
            "order_source": str(body.get("order_source", "external")),
            "channel_id": int(body.get("channel_id", 1)),
            "external_source": body.get("external_source"),
            "external_id": None,
            "external_merchant_id": None,
            "tax_provider_id": "BasicTaxProvider",
            "custom_status": STATUSES[status_id][0],
            "customer_locale": "en",
            "external_order_id": str(body.get("external_order_id", "")),
            "fees": [],
            "_tax_name": tax.name,
            "_gateway": gateway["_gateway"],
            "_gateway_transaction_id": gateway["_gateway_transaction_id"],
            "_gateway_amount": totals.total_inc_tax - gateway["_store_credit"] - gateway["_gift_certificate"],
            "_shipping_tax_rate": tax.shipping_rate,
            "_handling_tax_rate": tax.handling_rate,
        }
        self.orders[order_id] = order
        self.order_products[order_id] = lines
        self.order_addresses[order_id] = addresses
        self.order_coupons[order_id] = coupon_rows
        self.shipments[order_id] = []
        self.refunds[order_id] = []
        self.transactions[order_id] = []
        if payment_status in ("authorized", "captured", "paid"):
            event = "authorization" if payment_status == "authorized" else "purchase"
            self.add_transaction(order, event, totals.total_inc_tax)
        if self.config.decrement_stock_on_order:
            for line in lines:
                if line["variant_id"]:
                    key = (int(line["variant_id"]), 1)
                    self.stock[key] = max(0, self.stock.get(key, 0) - int(line["quantity"]))
                    self.emit(
                        "store/sku/inventory/order/updated",
                        {
                            "type": "sku",
                            "id": line["variant_id"],
                            "inventory": {
                                "product_id": line["product_id"],
                                "method": "relative",
                                "value": -int(line["quantity"]),
                                "variant_id": line["variant_id"],
                            },
                        },
                    )
        self.emit("store/order/created", {"type": "order", "id": order_id})
        return order

    def _address_costs(self, body: dict[str, Any], addresses: list[dict[str, Any]], field_name: str,
                       order_field: str) -> list[Decimal]:
        """Each address's cost ``field_name`` (the first address falls back to the order's ``order_field``)."""
        costs: list[Decimal] = []
        for i, addr in enumerate(addresses):
            if addr.get(field_name) is not None:
                costs.append(money(addr[field_name], field_name))
            elif i == 0:
                costs.append(money(body.get(order_field, 0), order_field))
            else:
                costs.append(Decimal("0.00"))
        return costs

    @staticmethod
    def _line_address(meta: dict[str, Any], addresses: list[dict[str, Any]]) -> dict[str, Any]:
        """The shipping address of a product line: sandbox-only ``_sandbox_address_index``, an index into the
        POST's ``shipping_addresses`` (0, the first, by default)."""
        index = int(meta["address_index"])
        if not 0 <= index < len(addresses):
            raise ApiError(400, "The field 'order_address_id' is invalid.")
        return addresses[index]

    @staticmethod
    def _gateway_fields(body: dict[str, Any], total: Decimal) -> dict[str, Any]:
        """Sandbox-only payment fields: ``_sandbox_gateway`` (``testgateway``, ``stripe`` with a ``pi_…``
        PaymentIntent id, ``paypal`` with a 17-character capture id) and ``_sandbox_store_credit`` /
        ``_sandbox_gift_certificate`` amounts, which the gateway transaction does not carry."""
        name = str(body.get("_sandbox_gateway") or "testgateway")
        if name not in SANDBOX_GATEWAYS:
            raise ApiError(400, "The field '_sandbox_gateway' is invalid.")
        credit = money(body.get("_sandbox_store_credit", 0), "_sandbox_store_credit")
        gift = money(body.get("_sandbox_gift_certificate", 0), "_sandbox_gift_certificate")
        if credit < 0 or gift < 0 or credit + gift > total:
            raise ApiError(400, "The store credit and gift certificate amounts exceed the order total.")
        gateway, method, alphabet, prefix, length = SANDBOX_GATEWAYS[name]
        reference = prefix + "".join(secrets.choice(alphabet) for _ in range(length)) if length else ""
        return {"_gateway": gateway, "_payment_method": method, "_gateway_transaction_id": reference,
                "_store_credit": credit, "_gift_certificate": gift}

    def get_order(self, order_id: int) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise ApiError(404, "The requested resource was not found.")
        return order

    def add_transaction(self, order: dict[str, Any], event: str, amount: Decimal,
                        reference: int | None = None, *, gateway: str | None = None, method: str = "credit_card",
                        gateway_transaction_id: str | None = None, status: str = "ok") -> dict[str, Any] | None:
        """Record a gateway transaction and return it (``None`` when nothing is left to record);
        ``reference``: the id of the transaction it acts on (a capture's authorization, a refund's
        payment), else the field is left out (the spec types it as a non-null integer).

        The gateway is the order's (``_sandbox_gateway``) unless ``gateway`` names an offline tender
        (``storecredit``, ``custom``), which is recorded as is. What store credit and gift certificates
        paid is not the gateway's, so payments are capped at the rest (none at all when nothing is left)
        and refunds at what the gateway took and has not given back (declined ones, status ``error``,
        gave nothing back)."""
        own = order.get("_gateway", "testgateway")
        offline = gateway is not None and gateway != own
        gateway = gateway or own
        paid = order.get("_gateway_amount", order["total_inc_tax"])
        if offline:
            pass
        elif event in ("purchase", "authorization", "capture"):
            amount = min(amount, paid)
        elif event == "refund":
            refunded = sum((t["amount"] for t in self.transactions[order["id"]]
                            if t["event"] == "refund" and t["status"] == "ok" and t["gateway"] == own),
                           Decimal(0))
            amount = min(amount, paid - refunded)
        if amount <= 0:
            return None
        txn = {
            **({"reference_transaction_id": reference} if reference is not None else {}),
            "id": self.next_id("transaction"),
            "order_id": str(order["id"]),
            "event": event,
            "method": method,
            "amount": amount,
            "currency": order["currency_code"],
            "gateway": gateway,
            "gateway_transaction_id": "" if offline else (
                gateway_transaction_id or order.get("_gateway_transaction_id") or uuid.uuid4().hex[:16]),
            "date_created": now(),
            "test": True,
            "status": status,
            "fraud_review": False,
            "offline": {"display_name": "Store Credit" if gateway == "storecredit" else "Manual refund"}
            if offline else None,
            "custom": None,
            "payment_method_id": gateway,
            "payment_instrument_token": None,
        }
        self.transactions[order["id"]].append(txn)
        return txn

    def set_status(self, order: dict[str, Any], status_id: int) -> None:
        previous = int(order["status_id"])
        order["date_modified"] = now()
        if status_id != previous:
            order["status_id"] = status_id
            order["status"] = order["custom_status"] = STATUSES[status_id][0]
            self.emit(
                "store/order/statusUpdated",
                {
                    "type": "order",
                    "id": order["id"],
                    "status": {"previous_status_id": previous, "new_status_id": status_id},
                },
            )
        self.emit("store/order/updated", {"type": "order", "id": order["id"]})

    def update_order(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        order = self.get_order(order_id)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        for ro in (
            "id",
            "subtotal_ex_tax",
            "total_inc_tax",
            "items_total",
            "coupon_discount",
            "date_created",
        ):
            if ro in body:
                raise ApiError(
                    400,
                    READ_ONLY.format(ro),
                )
        for key in ("staff_notes", "customer_message", "external_order_id"):
            if key in body:
                order[key] = str(body[key])
        status_id = int(body.get("status_id", order["status_id"]))
        if status_id not in STATUSES:
            raise ApiError(400, "The field 'status_id' is invalid.")
        self.set_status(order, status_id)
        return order

    # ------------------------------------------------------------------ shipments

    def create_shipment(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/orders/{id}/shipments`` (rules in :mod:`.shipments`)."""
        from . import shipments

        return shipments.create(self, order_id, body)

    def update_shipment(self, order_id: int, shipment_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """``PUT /v2/orders/{id}/shipments/{shipment_id}`` (rules in :mod:`.shipments`)."""
        from . import shipments

        return shipments.update(self, order_id, shipment_id, body)

    # ------------------------------------------------------------------ refunds

    def _refund_amounts(self, order: dict[str, Any], items: Any) -> tuple[Decimal, Decimal, Decimal]:
        """(total, tax, order-level) of a refund request, validated against what is left."""
        if not isinstance(items, list) or not items:
            raise ApiError(422, "items is required", {"items": "must be a non-empty array"})
        lines = {line["id"]: line for line in self.order_products[order["id"]]}
        addresses = {a["id"]: a for a in self.order_addresses[order["id"]]}
        total = tax = order_level = Decimal("0.00")
        for item in items:
            kind = item.get("item_type")
            item_id = int(item.get("item_id", 0))
            if kind == "PRODUCT":
                line = lines.get(item_id)
                qty = int(item.get("quantity", 0))
                if line is None:
                    raise ApiError(422, f"Order product {item_id} not found on order {order['id']}")
                if qty <= 0 or line["quantity_refunded"] + qty > line["quantity"]:
                    raise ApiError(422, f"Refund quantity for order product {item_id} exceeds the refundable quantity")
                total += q2(line["discounted_total_inc_tax"] * qty / line["quantity"])
                tax += q2(line["_net_tax"] * qty / line["quantity"])
            elif kind in ("SHIPPING", "HANDLING"):
                addr = addresses.get(item_id)
                amount = money(item.get("amount"), "amount")
                if addr is None or amount <= 0 or amount > addr["cost_inc_tax"]:
                    raise ApiError(422, f"Invalid {kind} refund for address {item_id}")
                total += amount
            elif kind == "ORDER":
                if item_id != order["id"]:
                    raise ApiError(422, "item_id of an ORDER refund must be the order id")
                amount = money(item.get("amount"), "amount")
                if amount <= 0:
                    raise ApiError(422, "amount must be positive")
                total += amount
                order_level += amount
            else:
                raise ApiError(422, f"Unsupported item_type {kind!r}")
        left = order["total_inc_tax"] - order["refunded_amount"]
        if total > left:
            raise ApiError(422, f"Refund amount {total} exceeds the refundable amount {left}")
        return q2(total), q2(tax), q2(order_level)

    def _refund_providers(self, order: dict[str, Any]) -> dict[str, tuple[str, bool, bool, str]]:
        """provider_id → (description, offline, offline_provider, offline_reason) of the ways this order can
        be refunded, in the quote's order: the order's own gateway first (``_sandbox_gateway``), then a
        manual refund, then store credit for a registered customer."""
        gateway = str(order.get("_gateway") or "testgateway")
        providers = {
            gateway: (str(order.get("payment_method") or "Test Payment Gateway"), False, False, ""),
            "custom": ("Manual refund", True, True, "Refund processed outside BigCommerce"),
        }
        if order["customer_id"]:
            providers["storecredit"] = ("Store Credit", True, False, "")
        return providers

    def refund_quote(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        order = self.get_order(order_id)
        if int(order["status_id"]) not in PAID_STATUSES:
            raise ApiError(422, "The order has not been paid and cannot be refunded")
        total, tax, order_level = self._refund_amounts(order, body.get("items"))
        methods = [
            [
                {
                    "provider_id": provider,
                    "provider_description": description,
                    "amount": total,
                    "offline": offline,
                    "offline_provider": offline_provider,
                    "offline_reason": reason,
                }
            ]
            for provider, (description, offline, offline_provider, reason) in self._refund_providers(order).items()
        ]
        return {
            "order_id": order_id,
            "total_refund_amount": total,
            "total_refund_tax_amount": tax,
            "order_level_refund_amount": order_level,
            "rounding": Decimal(0),
            "adjustment": Decimal(0),
            "tax_inclusive": bool(order["is_tax_inclusive_pricing"]),
            "refund_methods": methods,
        }

    def _refund_override(self, order: dict[str, Any], body: dict[str, Any]) -> tuple[Decimal, Decimal] | None:
        """``merchant_calculated_override`` ``{total_amount, total_tax}`` (spec ``MerchantOverride``): the
        refund's totals as the merchant computed them; BigCommerce's own calculation is skipped."""
        override = body.get("merchant_calculated_override")
        if override is None:
            return None
        if not isinstance(override, dict) or "total_amount" not in override or "total_tax" not in override:
            raise ApiError(422, "merchant_calculated_override requires total_amount and total_tax",
                           {"merchant_calculated_override": "total_amount and total_tax are required"})
        total = q2(money(override["total_amount"], "total_amount"))
        tax = q2(money(override["total_tax"] or 0, "total_tax"))
        if total < 0:
            raise ApiError(422, "merchant_calculated_override.total_amount must not be negative")
        left = order["total_inc_tax"] - order["refunded_amount"]
        if total > left:
            raise ApiError(422, f"Refund amount {total} exceeds the refundable amount {left}")
        return total, tax

    def create_refund(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v3/orders/{id}/payment_actions/refunds``.

        Sandbox-only: ``"_sandbox_decline": true`` (or a message string) makes the gateway decline this
        refund's online payments: the refund is recorded (201, webhook) with those payments
        ``is_declined`` and their ``declined_message``, the gateway transaction is recorded with status
        ``error``; no money moves for them, so the order's refunded amount, status and order products'
        refunded quantities stay as they were unless every declined payment is zero."""
        order = self.get_order(order_id)
        if order_id in self.refunds_in_progress:
            raise ApiError(422, "Processing multiple concurrent refunds on the same order is not supported")
        if int(order["status_id"]) not in PAID_STATUSES:
            raise ApiError(422, "The order has not been paid and cannot be refunded")
        total, tax, _ = self._refund_amounts(order, body.get("items"))
        override = self._refund_override(order, body)
        if override is not None:
            total, tax = override
        payments = body.get("payments")
        if not isinstance(payments, list) or not payments or not all(isinstance(p, dict) for p in payments):
            raise ApiError(422, "payments is required", {"payments": "must be a non-empty array"})
        paid = sum((money(p.get("amount"), "amount") for p in payments), Decimal("0.00"))
        if q2(paid) != total:
            raise ApiError(422, f"The refund payment amount {paid} does not match the quoted amount {total}")
        providers = self._refund_providers(order)
        gateway = str(order.get("_gateway") or "testgateway")
        for p in payments:
            provider = str(p.get("provider_id") or "")
            if provider == "storecredit" and not order["customer_id"]:
                raise ApiError(422, "Unable to provide store credit for a guest customer.")
            if provider not in providers:
                raise ApiError(422, f"The payment provider '{provider}' is not available to refund this order.")
            if money(p.get("amount"), "amount") < 0:
                raise ApiError(422, "amount must not be negative")
        decline = body.get("_sandbox_decline")
        declined_message = (decline if isinstance(decline, str) and decline
                            else "The payment provider declined the refund.") if decline else ""
        rows: list[dict[str, Any]] = []
        for p in payments:
            provider = str(p["provider_id"])
            amount = money(p.get("amount"), "amount")
            online = provider == gateway
            declined = bool(decline) and online and amount > 0
            txn = self._refund_transaction(order, provider, amount, declined)
            rows.append({
                "id": self.next_id("refund_payment"),
                "provider_id": provider,
                "amount": amount,
                "offline": bool(p.get("offline", not online)),
                "is_declined": declined,
                "declined_message": declined_message if declined else "",
                **({"transaction_id": str(txn["id"])} if txn is not None else {}),
            })
        refunded = q2(sum((r["amount"] for r in rows if not r["is_declined"]), Decimal("0.00")))
        any_declined = any(r["is_declined"] for r in rows)
        if not any_declined:
            lines = {line["id"]: line for line in self.order_products[order_id]}
            for item in body["items"]:
                if item.get("item_type") == "PRODUCT":
                    line = lines[int(item["item_id"])]
                    qty = int(item["quantity"])
                    line["quantity_refunded"] += qty
                    line["is_refunded"] = line["quantity_refunded"] >= line["quantity"]
                    line["refund_amount"] = q2(line["refund_amount"]
                                               + line["discounted_total_inc_tax"] * qty / line["quantity"])
        refund = {
            "id": self.next_id("refund"),
            "order_id": order_id,
            "user_id": 0,
            "created": now(),
            "reason": str(body.get("reason") or ""),
            "total_amount": total,
            "total_tax": tax,
            "uses_merchant_override_values": override is not None,
            "items": [
                {
                    k: v
                    for k, v in {
                        "item_type": i["item_type"],
                        "item_id": int(i["item_id"]),
                        "reason": str(i.get("reason") or ""),
                        "quantity": i.get("quantity"),
                        "requested_amount": money(i["amount"], "amount") if i.get("amount") is not None else None,
                    }.items()
                    if v is not None
                }
                for i in body["items"]
            ],
            "payments": rows,
        }
        self.refunds[order_id].append(refund)
        self.emit(
            "store/order/refund/created",
            {"type": "order", "id": order_id, "refund": {"refund_id": refund["id"]}},
        )
        if refunded > 0:
            order["refunded_amount"] = order["refunded_amount"] + refunded
            fully = order["refunded_amount"] >= order["total_inc_tax"]
            order["payment_status"] = "refunded" if fully else "partially refunded"
            self.set_status(order, 4 if fully else 14)
        return refund

    def _refund_transaction(self, order: dict[str, Any], provider: str, amount: Decimal,
                            declined: bool) -> dict[str, Any] | None:
        """The transaction a refund payment leaves: through the order's gateway, a ``refund`` of the
        original payment (its ``gateway_transaction_id``, e.g. the Stripe PaymentIntent, and
        ``reference_transaction_id``), status ``error`` when declined; store credit and manual refunds
        leave an offline ``store_credit`` / ``custom`` transaction the gateway never sees."""
        gateway = str(order.get("_gateway") or "testgateway")
        if provider != gateway:
            if amount <= 0:
                return None
            method = "store_credit" if provider == "storecredit" else "custom"
            return self.add_transaction(order, "refund", amount, gateway=provider, method=method)
        original = next((t for t in self.transactions[order["id"]]
                         if t["event"] in ("purchase", "capture") and t["status"] == "ok"), None)
        return self.add_transaction(
            order, "refund", amount, reference=original["id"] if original else None,
            gateway_transaction_id=original["gateway_transaction_id"] if original else None,
            status="error" if declined else "ok")

    def all_refunds(self) -> list[dict[str, Any]]:
        """Every refund of the store, ascending id (``GET /v3/orders/payment_actions/refunds``)."""
        return sorted((r for rows in self.refunds.values() for r in rows), key=lambda r: r["id"])

    def get_refund(self, refund_id: int) -> dict[str, Any]:
        for refund in self.all_refunds():
            if refund["id"] == refund_id:
                return refund
        raise ApiError(404, "The requested resource was not found.")

    # ------------------------------------------------------------------ webhooks

    def create_hook(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("scope") or not body.get("destination"):
            raise ApiError(422, "scope and destination are required", {"scope": "required", "destination": "required"})
        destination = str(body["destination"])
        if self.config.webhook_require_https and not destination.startswith("https://"):
            raise ApiError(422, "destination must be an https URL on port 443")
        if not destination.startswith(("http://", "https://")):
            raise ApiError(422, "destination must be a URL", {"destination": "invalid"})
        for hook in self.hooks.values():
            if hook["scope"] == body["scope"] and hook["destination"] == destination:
                raise ApiError(422, "A webhook with this scope and destination already exists")
        headers = body.get("headers")
        if headers is not None and not isinstance(headers, dict):
            raise ApiError(422, "headers must be an object")
        ts = int(now().timestamp())
        hook = {
            "id": self.next_id("hook"),
            "client_id": "o2c-sandbox-client",
            "store_hash": self.config.store_hash,
            "scope": str(body["scope"]),
            "destination": destination,
            "headers": {str(k): str(v) for k, v in headers.items()} if headers else None,
            "is_active": bool(body.get("is_active", True)),
            "created_at": ts,
            "updated_at": ts,
            "events_history_enabled": False,
        }
        self.hooks[hook["id"]] = hook
        return hook

    def get_hook(self, hook_id: int) -> dict[str, Any]:
        hook = self.hooks.get(hook_id)
        if hook is None:
            raise ApiError(404, "Webhook not found")
        return hook

    def update_hook(self, hook_id: int, body: dict[str, Any]) -> dict[str, Any]:
        hook = self.get_hook(hook_id)
        for key in ("scope", "destination"):
            if key in body:
                hook[key] = str(body[key])
        if "is_active" in body:
            hook["is_active"] = bool(body["is_active"])
            hook.pop("_failures", None)
        if "headers" in body:
            hook["headers"] = body["headers"]
        hook["updated_at"] = int(now().timestamp())
        return hook
