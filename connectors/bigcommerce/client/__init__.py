"""Async BigCommerce REST client (Orders V2, Orders V3 payment actions and metafields, Catalog,
Inventory, Customers, Price Lists, Webhooks).

:class:`BigCommerceClient` is the transport (:mod:`.transport`: governance, retries, errors, paging)
plus one mixin of endpoints per resource group (:mod:`.orders`, :mod:`.payments`, :mod:`.metafields`,
:mod:`.catalog`, :mod:`.customers`, :mod:`.pricelists`, :mod:`.webhooks`).
"""

from .catalog import INVENTORY_BATCH, VARIANT_BATCH, CatalogApi
from .customers import CUSTOMER_BATCH, CustomersApi
from .metafields import METAFIELD_BATCH, MetafieldsApi
from .orders import WITH_LINES, OrdersApi
from .payments import PaymentsApi
from .pricelists import PRICE_RECORD_BATCH, PRICE_RECORD_PAGE, SKU_FILTER_BATCH, PriceListsApi
from .transport import V2_MAX_LIMIT, V3_MAX_LIMIT, Transport, Version
from .webhooks import WebhooksApi


class BigCommerceClient(OrdersApi, PaymentsApi, MetafieldsApi, CatalogApi, CustomersApi, PriceListsApi, WebhooksApi):
    """One store's API. Create once per process and share; ``async with`` closes the HTTP pool."""


__all__ = [
    "CUSTOMER_BATCH",
    "INVENTORY_BATCH",
    "METAFIELD_BATCH",
    "PRICE_RECORD_BATCH",
    "PRICE_RECORD_PAGE",
    "SKU_FILTER_BATCH",
    "V2_MAX_LIMIT",
    "V3_MAX_LIMIT",
    "VARIANT_BATCH",
    "WITH_LINES",
    "BigCommerceClient",
    "Transport",
    "Version",
]
