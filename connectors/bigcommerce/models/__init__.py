"""Pydantic models of the BigCommerce resources o2c reads and writes, one module per resource.

``from connectors.bigcommerce.models import Order`` keeps working: every model is re-exported here.
Field types shared by all of them (money, V2 dates, null-tolerant text) are in :mod:`.base`; list
pages read row by row (a row that fails validation is an :class:`UnreadableRow`) in :mod:`.rows`.
"""

from .base import Money, OptionalMoney, ReadModel, Text, V2Date, WriteModel, null_as_empty
from .catalog import OptionValue, Product, Variant, VariantUpdate
from .customers import Customer, CustomerGroup
from .inventory import (
    InventoryAdjustment,
    InventoryIdentity,
    InventoryItem,
    InventoryItemLocation,
    InventoryTransaction,
    Location,
    LocationSettings,
)
from .metafields import (
    Metafield,
    MetafieldBatchError,
    MetafieldBatchMeta,
    MetafieldBatchResult,
    OrderMetafieldCreate,
    OrderMetafieldUpdate,
    PermissionSet,
)
from .orders import (
    Address,
    AppliedDiscount,
    Order,
    OrderCoupon,
    OrderProduct,
    OrderShippingAddress,
    OrderStatus,
    OrderWithLines,
    ProductOption,
)
from .payments import (
    Refund,
    RefundItem,
    RefundItemResult,
    RefundItemType,
    RefundMethod,
    RefundPayment,
    RefundPaymentResult,
    RefundQuote,
    Transaction,
)
from .pricelists import (
    UNBOUNDED_QUANTITY,
    BulkPricingTier,
    PriceList,
    PriceListAssignment,
    PriceRecord,
    PriceRecordUpsert,
    TierType,
    check_tiers,
)
from .rows import RowsPage, UnreadableRow, read_rows
from .shipments import Shipment, ShipmentCreate, ShipmentItem, ShipmentItemCreate, ShipmentUpdate
from .webhooks import Webhook, WebhookCreate, WebhookPayload, WebhookUpdate

__all__ = [
    "UNBOUNDED_QUANTITY",
    "Address",
    "AppliedDiscount",
    "BulkPricingTier",
    "Customer",
    "CustomerGroup",
    "InventoryAdjustment",
    "InventoryIdentity",
    "InventoryItem",
    "InventoryItemLocation",
    "InventoryTransaction",
    "Location",
    "LocationSettings",
    "Metafield",
    "MetafieldBatchError",
    "MetafieldBatchMeta",
    "MetafieldBatchResult",
    "Money",
    "OptionValue",
    "OptionalMoney",
    "Order",
    "OrderCoupon",
    "OrderMetafieldCreate",
    "OrderMetafieldUpdate",
    "OrderProduct",
    "OrderShippingAddress",
    "OrderStatus",
    "OrderWithLines",
    "PermissionSet",
    "PriceList",
    "PriceListAssignment",
    "PriceRecord",
    "PriceRecordUpsert",
    "Product",
    "ProductOption",
    "ReadModel",
    "Refund",
    "RefundItem",
    "RefundItemResult",
    "RefundItemType",
    "RefundMethod",
    "RefundPayment",
    "RefundPaymentResult",
    "RefundQuote",
    "RowsPage",
    "Shipment",
    "ShipmentCreate",
    "ShipmentItem",
    "ShipmentItemCreate",
    "ShipmentUpdate",
    "Text",
    "TierType",
    "Transaction",
    "UnreadableRow",
    "V2Date",
    "Variant",
    "VariantUpdate",
    "Webhook",
    "WebhookCreate",
    "WebhookPayload",
    "WebhookUpdate",
    "WriteModel",
    "check_tiers",
    "null_as_empty",
    "read_rows",
]
