"""Orders V2: orders, their products, shipping addresses, coupons and statuses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field

from .base import Money, ReadModel, Text, V2Date


class Address(ReadModel):
    first_name: Text = ""
    last_name: Text = ""
    company: Text = ""
    street_1: Text = ""
    street_2: Text = ""
    city: Text = ""
    state: Text = ""
    zip: Text = ""
    country: Text = ""
    country_iso2: Text = ""
    phone: Text = ""
    email: Text = ""


class Order(ReadModel):
    """An order row. Fields read only by the order-to-cash snapshot (shipping/handling/wrapping tax and tax
    classes, ``store_default_currency_code``) stay undeclared extras: declared fields make the order's
    version fingerprint (``connectors.bigcommerce.versions.order_version``), which must not change."""

    id: int
    customer_id: int = 0
    date_created: V2Date = None
    date_modified: V2Date = None
    date_shipped: V2Date = None
    status_id: int
    status: Text = ""
    subtotal_ex_tax: Money = Decimal(0)
    subtotal_inc_tax: Money = Decimal(0)
    subtotal_tax: Money = Decimal(0)
    base_shipping_cost: Money = Decimal(0)
    shipping_cost_ex_tax: Money = Decimal(0)
    shipping_cost_inc_tax: Money = Decimal(0)
    shipping_cost_tax: Money = Decimal(0)
    handling_cost_ex_tax: Money = Decimal(0)
    handling_cost_inc_tax: Money = Decimal(0)
    wrapping_cost_ex_tax: Money = Decimal(0)
    wrapping_cost_inc_tax: Money = Decimal(0)
    total_ex_tax: Money = Decimal(0)
    total_inc_tax: Money = Decimal(0)
    total_tax: Money = Decimal(0)
    is_tax_inclusive_pricing: bool = False
    items_total: int = 0
    items_shipped: int = 0
    payment_method: Text = ""
    payment_provider_id: str | int | None = None
    payment_status: Text = ""
    refunded_amount: Money = Decimal(0)
    store_credit_amount: Money = Decimal(0)
    gift_certificate_amount: Money = Decimal(0)
    currency_code: Text = ""
    default_currency_code: Text = ""
    currency_exchange_rate: Money = Decimal(1)
    discount_amount: Money = Decimal(0)
    coupon_discount: Money = Decimal(0)
    shipping_address_count: int = 0
    is_deleted: bool = False
    billing_address: Address = Field(default_factory=Address)
    channel_id: int = 1
    order_source: Text = ""
    external_source: str | None = None
    external_order_id: str | None = None
    customer_message: Text = ""
    staff_notes: Text = ""


class AppliedDiscount(ReadModel):
    id: str | int
    amount: Money
    name: Text = ""
    code: str | None = None
    target: Text = "order"


class ProductOption(ReadModel):
    id: int | None = None
    option_id: int | None = None
    display_name: Text = ""
    display_value: Text = ""
    value: Text = ""


class OrderProduct(ReadModel):
    id: int
    order_id: int
    product_id: int = 0
    variant_id: int | None = None
    order_address_id: int = 0
    name: Text = ""
    sku: Text = ""
    type: Text = "physical"
    base_price: Money = Decimal(0)
    price_ex_tax: Money = Decimal(0)
    price_inc_tax: Money = Decimal(0)
    price_tax: Money = Decimal(0)
    base_total: Money = Decimal(0)
    total_ex_tax: Money = Decimal(0)
    total_inc_tax: Money = Decimal(0)
    total_tax: Money = Decimal(0)
    quantity: int
    quantity_shipped: int = 0
    quantity_refunded: int = 0
    is_refunded: bool = False
    discounted_total_inc_tax: Money = Decimal(0)
    applied_discounts: list[AppliedDiscount] = Field(default_factory=list)
    product_options: list[ProductOption] = Field(default_factory=list)


#: Keys of a shipping address / shipping consignment that are links or nested lines, not address data:
#: they differ between ``/orders/{id}/shipping_addresses`` and the order's consignments.
_ADDRESS_LINKS = frozenset({"line_items", "shipping_quotes"})


class OrderShippingAddress(Address):
    id: int
    order_id: int
    items_total: int = 0
    items_shipped: int = 0
    shipping_method: Text = ""
    base_cost: Money = Decimal(0)
    cost_ex_tax: Money = Decimal(0)
    cost_inc_tax: Money = Decimal(0)
    cost_tax: Money = Decimal(0)
    cost_tax_class_id: int | None = None
    # Declared (not left as extras) so the V2 strings of ``/shipping_addresses`` and the JSON numbers of
    # a shipping consignment parse to the same Decimal.
    base_handling_cost: Money = Decimal(0)
    handling_cost_ex_tax: Money = Decimal(0)
    handling_cost_inc_tax: Money = Decimal(0)
    handling_cost_tax: Money = Decimal(0)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, order_id: int | None = None) -> OrderShippingAddress:
        """A ``/shipping_addresses`` row or a shipping consignment, without its links (``shipping_quotes``)
        or nested ``line_items``; ``order_id`` fills in when the row lacks it (consignments do)."""
        data = {k: v for k, v in row.items() if k not in _ADDRESS_LINKS}
        if order_id is not None:
            data.setdefault("order_id", order_id)
        return cls.model_validate(data)


class OrderWithLines(ReadModel):
    """An order with its lines and shipping addresses, from one ``GET /v2/orders[/{id}]`` with
    ``include=consignments.line_items&consignment_structure=object``.

    ``products`` equal ``/orders/{id}/products`` (every consignment's lines, by id) and
    ``shipping_addresses`` equal ``/orders/{id}/shipping_addresses`` (the shipping consignments).
    """

    order: Order
    products: list[OrderProduct] = Field(default_factory=list)
    shipping_addresses: list[OrderShippingAddress] = Field(default_factory=list)

    @classmethod
    def from_order_row(cls, row: Mapping[str, Any]) -> OrderWithLines:
        """Split an order row carrying ``consignments`` (object structure, expanded line items).

        ``order`` is the row without ``consignments``. Raises ``ValueError`` when the row has no
        consignment object or its line items are links (``include=consignments`` without ``.line_items``).
        """
        data = dict(row)
        consignments = data.pop("consignments", None)
        if not isinstance(consignments, Mapping):
            raise ValueError(
                f"order {data.get('id')}: no consignments object (include=consignments.line_items"
                "&consignment_structure=object not applied)"
            )
        order = Order.model_validate(data)
        lines: dict[int, OrderProduct] = {}
        for consignment in _consignments(consignments):
            items = consignment.get("line_items") or []
            if isinstance(items, Mapping):  # the spec's examples show one link object for downloads
                items = [items]
            for item in items:
                if not isinstance(item, Mapping) or "id" not in item:
                    raise ValueError(f"order {order.id}: consignment line items are links, not order products")
                product = OrderProduct.model_validate(item)
                lines.setdefault(product.id, product)
        addresses = [
            OrderShippingAddress.from_row(c, order_id=order.id)
            for c in consignments.get("shipping") or []
            if isinstance(c, Mapping)
        ]
        return cls(order=order, products=[lines[k] for k in sorted(lines)], shipping_addresses=addresses)


def _consignments(consignments: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every consignment of an ``orderConsignment_Get`` object: shipping, downloads, pickups, gift
    certificates (email)."""
    email = consignments.get("email")
    groups = [consignments.get(k) for k in ("shipping", "downloads", "pickups")]
    groups.append(email.get("gift_certificates") if isinstance(email, Mapping) else None)
    for group in groups:
        for consignment in group or []:
            if isinstance(consignment, Mapping):
                yield consignment


class OrderCoupon(ReadModel):
    id: int
    coupon_id: int = 0
    order_id: int
    code: str | None = None
    amount: Money = Decimal(0)
    type: int = 0
    discount: Money = Decimal(0)


class OrderStatus(ReadModel):
    id: int
    name: Text
    system_label: Text = ""
    custom_label: Text = ""
    system_description: Text = ""
    order: int = 0
