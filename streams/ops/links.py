"""Links to an exception's object in BigCommerce's control panel and NetSuite's UI (pure).

Base URLs come from settings (``O2C_OPS_BC_CONTROL_PANEL_URL``, ``O2C_OPS_NS_APP_URL``); without one, or
for an id that is not the other system's record id (a payout's gateway id), there is no link and the page
shows the id as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

#: What ``bc_id`` holds per object type, and the control panel page for it ({id} is URL-quoted).
BC_PATHS = {
    "order": "/manage/orders/{id}",
    "refund": "/manage/orders/{id}",           # bc_id is the refunded order
    "fulfilment": "/manage/orders/{id}",       # bc_id is the shipped order
    "customer": "/manage/orders/{id}",         # bc_id is the order that met the conflict
    "order_writeback": "/manage/orders/{id}",
    "inventory": "/manage/products?keywords={id}",   # bc_id is the SKU
    "price_record": "/manage/products?keywords={id}",
    "item": "/manage/products?keywords={id}",
}

#: What ``ns_id`` holds per object type, and the NetSuite page for that record.
NS_PATHS = {
    "order": "/app/accounting/transactions/salesord.nl?id={id}",
    "fulfilment": "/app/accounting/transactions/itemship.nl?id={id}",
    "customer": "/app/common/entity/custjob.nl?id={id}",
    "item": "/app/common/item/item.nl?id={id}",
    "price_record": "/app/common/item/item.nl?id={id}",
    "price_level": "/app/common/otherlists/pricelevel.nl?id={id}",
    "payout": "/app/accounting/transactions/journal.nl?id={id}",
    "refund": "/app/accounting/transactions/transaction.nl?id={id}",
}


@dataclass(frozen=True)
class Link:
    system: str
    label: str  # the id as shown
    url: str | None


def _join(base: str | None, path: str | None, record_id: str) -> str | None:
    if not base or not path or not record_id:
        return None
    if not base.startswith(("https://", "http://")):
        return None
    return base.rstrip("/") + path.format(id=quote(record_id, safe=""))


def bigcommerce(base: str | None, object_type: str, bc_id: str | None) -> Link | None:
    if not bc_id:
        return None
    return Link("BigCommerce", bc_id, _join(base, BC_PATHS.get(object_type), bc_id))


def netsuite(base: str | None, object_type: str, ns_id: str | None) -> Link | None:
    if not ns_id:
        return None
    return Link("NetSuite", ns_id, _join(base, NS_PATHS.get(object_type), ns_id))
