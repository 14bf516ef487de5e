"""Pydantic models of the BigCommerce resources o2c reads and writes.

Read models accept unknown fields (the API grows); money is :class:`Decimal` (V2 four-decimal
strings and V3 numbers alike), V2 dates are RFC-2822 and become aware UTC datetimes.
Write models (``*Create``/``*Update``/``*Item``) dump to the exact request body shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .formats import parse_money, parse_rfc2822

Money = Annotated[Decimal, BeforeValidator(parse_money)]
OptionalMoney = Annotated[Decimal | None, BeforeValidator(lambda v: None if v is None else parse_money(v))]
V2Date = Annotated[datetime | None, BeforeValidator(parse_rfc2822)]


class _Read(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, mode="python")


# --------------------------------------------------------------------------- orders (V2)


class Address(_Read):
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street_1: str = ""
    street_2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    country_iso2: str = ""
    phone: str = ""
    email: str = ""


class Order(_Read):
    id: int
    customer_id: int = 0
    date_created: V2Date = None
    date_modified: V2Date = None
    date_shipped: V2Date = None
    status_id: int
    status: str = ""
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
    payment_method: str = ""
    payment_provider_id: str | int | None = None
    payment_status: str = ""
    refunded_amount: Money = Decimal(0)
    store_credit_amount: Money = Decimal(0)
    gift_certificate_amount: Money = Decimal(0)
    currency_code: str = ""
    default_currency_code: str = ""
    currency_exchange_rate: Money = Decimal(1)
    discount_amount: Money = Decimal(0)
    coupon_discount: Money = Decimal(0)
    shipping_address_count: int = 0
    is_deleted: bool = False
    billing_address: Address = Field(default_factory=Address)
    channel_id: int = 1
    order_source: str = ""
    external_source: str | None = None
    external_order_id: str | None = None
    customer_message: str = ""
    staff_notes: str = ""


class AppliedDiscount(_Read):
    id: str | int
    amount: Money
    name: str = ""
    code: str | None = None
    target: str = "order"


class ProductOption(_Read):
    id: int | None = None
    option_id: int | None = None
    display_name: str = ""
    display_value: str = ""
    value: str = ""


class OrderProduct(_Read):
    id: int
    order_id: int
    product_id: int = 0
    variant_id: int | None = None
    order_address_id: int = 0
    name: str = ""
    sku: str = ""
    type: str = "physical"
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
    shipping_method: str = ""
    base_cost: Money = Decimal(0)
    cost_ex_tax: Money = Decimal(0)
    cost_inc_tax: Money = Decimal(0)
    cost_tax: Money = Decimal(0)
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


class OrderWithLines(_Read):
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


class OrderCoupon(_Read):
    id: int
    coupon_id: int = 0
    order_id: int
    code: str | None = None
    amount: Money = Decimal(0)
    type: int = 0
    discount: Money = Decimal(0)


class OrderStatus(_Read):
    id: int
    name: str
    system_label: str = ""
    custom_label: str = ""
    system_description: str = ""
    order: int = 0


class ShipmentItem(_Read):
    order_product_id: int
    quantity: int
    product_id: int | None = None


class Shipment(_Read):
    id: int
    order_id: int
    customer_id: int = 0
    order_address_id: int
    date_created: V2Date = None
    tracking_number: str = ""
    shipping_method: str = ""
    shipping_provider: str = ""
    tracking_carrier: str = ""
    tracking_link: str = ""
    generated_tracking_link: str = ""
    comments: str = ""
    merchant_shipping_cost: Money = Decimal(0)
    items: list[ShipmentItem] = Field(default_factory=list)


class ShipmentItemCreate(_Write):
    order_product_id: int
    quantity: int = Field(gt=0)


class ShipmentCreate(_Write):
    order_address_id: int
    items: list[ShipmentItemCreate]
    tracking_number: str | None = Field(default=None, max_length=50)
    shipping_provider: str | None = None
    tracking_carrier: str | None = None
    tracking_link: str | None = Field(default=None, max_length=500)
    shipping_method: str | None = None
    comments: str | None = None


class ShipmentUpdate(_Write):
    order_address_id: int | None = None
    tracking_number: str | None = Field(default=None, max_length=50)
    shipping_provider: str | None = None
    tracking_carrier: str | None = None
    tracking_link: str | None = Field(default=None, max_length=500)
    shipping_method: str | None = None
    comments: str | None = None


# --------------------------------------------------------------------------- refunds (V3)

RefundItemType = Literal["PRODUCT", "GIFT_WRAPPING", "ORDER", "SHIPPING", "HANDLING", "TAX", "FEE"]


class RefundItem(_Write):
    """One line of a refund quote or refund: ``quantity`` for PRODUCT, ``amount`` otherwise."""

    item_type: RefundItemType
    item_id: int
    quantity: int | None = None
    amount: Decimal | None = None
    reason: str | None = Field(default=None, max_length=1000)


class RefundPayment(_Write):
    provider_id: str
    amount: Decimal
    offline: bool = False


class RefundMethod(_Read):
    provider_id: str
    provider_description: str = ""
    amount: Money
    offline: bool = False
    offline_provider: bool = False
    offline_reason: str = ""


class RefundQuote(_Read):
    order_id: int
    total_refund_amount: Money
    total_refund_tax_amount: Money = Decimal(0)
    order_level_refund_amount: Money = Decimal(0)
    rounding: Money = Decimal(0)
    adjustment: Money = Decimal(0)
    tax_inclusive: bool = False
    refund_methods: list[list[RefundMethod]] = Field(default_factory=list)


class RefundPaymentResult(_Read):
    id: int
    provider_id: str
    amount: Money
    offline: bool = False
    is_declined: bool = False
    declined_message: str = ""


class RefundItemResult(_Read):
    item_type: str
    item_id: int
    quantity: int | None = None
    reason: str | None = None
    requested_amount: OptionalMoney = None


class Refund(_Read):
    id: int
    order_id: int
    user_id: int = 0
    created: datetime
    reason: str | None = None
    total_amount: Money
    total_tax: Money = Decimal(0)
    uses_merchant_override_values: bool = False
    items: list[RefundItemResult] = Field(default_factory=list)
    payments: list[RefundPaymentResult] = Field(default_factory=list)


class Transaction(_Read):
    id: int
    order_id: str
    event: str
    method: str = ""
    amount: Money
    currency: str = ""
    gateway: str = ""
    gateway_transaction_id: str | None = None
    date_created: datetime | None = None
    status: str = ""


# --------------------------------------------------------------------------- catalog (V3)


class OptionValue(_Read):
    id: int
    option_id: int
    option_display_name: str = ""
    label: str = ""


class Variant(_Read):
    id: int
    product_id: int
    sku: str
    sku_id: int | None = None
    price: OptionalMoney = None
    sale_price: OptionalMoney = None
    cost_price: OptionalMoney = None
    calculated_price: OptionalMoney = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool = False
    option_values: list[OptionValue] = Field(default_factory=list)


class Product(_Read):
    id: int
    name: str
    type: str = "physical"
    sku: str = ""
    price: Money = Decimal(0)
    sale_price: Money = Decimal(0)
    cost_price: Money = Decimal(0)
    calculated_price: Money = Decimal(0)
    inventory_level: int = 0
    inventory_tracking: Literal["none", "product", "variant"] = "none"
    is_visible: bool = True
    base_variant_id: int | None = None
    date_created: datetime | None = None
    date_modified: datetime | None = None
    variants: list[Variant] | None = None


class VariantUpdate(_Write):
    """One element of the batch ``PUT /v3/catalog/variants`` (≤50 per request)."""

    id: int
    price: Decimal | None = None
    sale_price: Decimal | None = None
    cost_price: Decimal | None = None
    retail_price: Decimal | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool | None = None
    upc: str | None = None


# --------------------------------------------------------------------------- inventory (V3)


class LocationSettings(_Read):
    safety_stock: int = 0
    is_in_stock: bool = True
    warning_level: int = 0
    bin_picking_number: str = ""


class InventoryItemLocation(_Read):
    location_id: int
    location_code: str = ""
    location_name: str = ""
    available_to_sell: int
    total_inventory_onhand: int
    location_enabled: bool = True
    settings: LocationSettings = Field(default_factory=LocationSettings)


class InventoryIdentity(_Read):
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None


class InventoryItem(_Read):
    identity: InventoryIdentity
    locations: list[InventoryItemLocation] = Field(default_factory=list)

    def onhand(self, location_id: int | None = None) -> int:
        return sum(
            loc.total_inventory_onhand
            for loc in self.locations
            if location_id is None or loc.location_id == location_id
        )


class Location(_Read):
    id: int
    code: str
    label: str = ""
    description: str = ""
    managed_by_external_source: bool = False
    type_id: str = "PHYSICAL"
    enabled: bool = True


class InventoryAdjustment(_Write):
    """One item of an absolute (or relative) adjustment; exactly one of sku/variant_id/product_id."""

    location_id: int = 1
    quantity: int
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None


class InventoryTransaction(_Read):
    transaction_id: str


# --------------------------------------------------------------------------- customers


class Customer(_Read):
    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone: str = ""
    customer_group_id: int = 0
    notes: str = ""
    tax_exempt_category: str = ""
    date_created: datetime | None = None
    date_modified: datetime | None = None


class CustomerGroup(_Read):
    id: int
    name: str
    is_default: bool = False
    is_group_for_guests: bool = False
    discount_rules: list[dict[str, Any]] = Field(default_factory=list)


# --------------------------------------------------------------------------- price lists


class PriceList(_Read):
    id: int
    name: str
    active: bool = True
    date_created: datetime | None = None
    date_modified: datetime | None = None


class PriceRecord(_Read):
    price_list_id: int
    variant_id: int
    product_id: int | None = None
    sku: str | None = None
    currency: str
    price: OptionalMoney = None
    sale_price: OptionalMoney = None
    retail_price: OptionalMoney = None
    map_price: OptionalMoney = None
    calculated_price: OptionalMoney = None
    date_created: datetime | None = None
    date_modified: datetime | None = None


class PriceRecordUpsert(_Write):
    """One element of ``PUT /v3/pricelists/{id}/records`` (≤1,000 per request)."""

    currency: str
    price: Decimal
    variant_id: int | None = None
    sku: str | None = None
    sale_price: Decimal | None = None
    retail_price: Decimal | None = None
    map_price: Decimal | None = None


class PriceListAssignment(_Read):
    id: int
    price_list_id: int
    customer_group_id: int | None = None
    channel_id: int | None = None


# --------------------------------------------------------------------------- order metafields (V3)

PermissionSet = Literal["app_only", "read", "write", "read_and_sf_access", "write_and_sf_access"]


class Metafield(_Read):
    """An order metafield (``Metafield`` in orders.v3.yml); unique per (client, resource, namespace, key)."""

    id: int
    namespace: str
    key: str
    value: str
    permission_set: str = "app_only"
    description: str = ""
    resource_type: str = "order"
    resource_id: int
    date_created: datetime | None = None
    date_modified: datetime | None = None
    owner_client_id: str | None = None


class OrderMetafieldCreate(_Write):
    """One item of ``POST /v3/orders/metafields`` (``MetafieldBase_Post`` + ``resource_id``)."""

    resource_id: int = Field(gt=0)
    namespace: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=65535)
    permission_set: PermissionSet = "app_only"
    description: str | None = Field(default=None, max_length=255)


class OrderMetafieldUpdate(_Write):
    """One item of ``PUT /v3/orders/metafields`` (``MetafieldBase_Post`` + the metafield ``id``)."""

    id: int = Field(gt=0)
    namespace: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=65535)
    permission_set: PermissionSet = "app_only"
    description: str | None = Field(default=None, max_length=255)


class MetafieldBatchError(_Read):
    """One entry of a batch response's ``errors`` (``Error``: status, title, type, errors)."""

    status: int | None = None
    title: str = ""
    type: str = ""
    errors: dict[str, Any] = Field(default_factory=dict)


class MetafieldBatchMeta(_Read):
    total: int = 0
    success: int = 0
    failed: int = 0


class MetafieldBatchResult(_Read):
    """A batch create/update answer: 200 (all written) or 422 partial success (``errors`` not empty).

    ``data`` holds the metafields that were written; the rest of the request was not.
    """

    data: list[Metafield] = Field(default_factory=list)
    errors: list[MetafieldBatchError] = Field(default_factory=list)
    meta: MetafieldBatchMeta = Field(default_factory=MetafieldBatchMeta)

    @property
    def partial(self) -> bool:
        return bool(self.errors) or self.meta.failed > 0


# --------------------------------------------------------------------------- webhooks


class Webhook(_Read):
    id: int
    client_id: str = ""
    store_hash: str = ""
    scope: str
    destination: str
    headers: dict[str, str] | None = None
    is_active: bool = True
    created_at: int = 0
    updated_at: int = 0


class WebhookCreate(_Write):
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None


class WebhookUpdate(_Write):
    scope: str | None = None
    destination: str | None = None
    is_active: bool | None = None
    headers: dict[str, str] | None = None


class WebhookPayload(_Read):
    """The body BigCommerce POSTs to a destination; ``hash`` is the duplicate-detection key."""

    scope: str
    store_id: str
    data: dict[str, Any]
    hash: str
    created_at: int
    producer: str
