"""Orders V2 endpoints: orders (with or without their lines), products, addresses, coupons, statuses,
shipments.

``list_order_rows`` / ``list_order_reads`` read a page row by row (:mod:`..models.rows`): a row that
fails validation is an :class:`~..models.UnreadableRow` in the page instead of an error of the whole
page; a row without a readable order id is logged, counted and left out. The change source uses them;
``list_orders_page`` / ``list_orders_with_lines`` raise on the first bad row.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from .. import metrics
from ..formats import format_rfc2822
from ..governor import Lane
from ..models import (
    Order,
    OrderCoupon,
    OrderProduct,
    OrderShippingAddress,
    OrderStatus,
    OrderWithLines,
    RowsPage,
    Shipment,
    ShipmentCreate,
    ShipmentUpdate,
    UnreadableRow,
    read_rows,
)
from .transport import V2_MAX_LIMIT, Transport, present

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Orders V2 query that returns each order with its shipping addresses and full order products.
WITH_LINES: Mapping[str, str] = {"include": "consignments.line_items", "consignment_structure": "object"}


class OrdersApi(Transport):
    """``/v2/orders`` and what hangs off an order."""

    async def list_orders(
        self,
        *,
        min_date_modified: datetime | None = None,
        max_date_modified: datetime | None = None,
        status_id: int | None = None,
        sort: str = "date_modified:asc",
        limit: int = V2_MAX_LIMIT,
        lane: Lane = Lane.HIGH,
        **filters: Any,
    ) -> AsyncIterator[Order]:
        """Orders changed since a watermark (``min_date_modified``), oldest change first."""
        params: dict[str, Any] = {"sort": sort, **filters}
        if min_date_modified is not None:
            params["min_date_modified"] = format_rfc2822(min_date_modified)
        if max_date_modified is not None:
            params["max_date_modified"] = format_rfc2822(max_date_modified)
        if status_id is not None:
            params["status_id"] = status_id
        async for row in self._v2_pages("/orders", endpoint="orders_list", params=params, limit=limit, lane=lane):
            yield Order.model_validate(row)

    async def list_orders_page(
        self,
        *,
        min_date_modified: datetime | None = None,
        page: int = 1,
        limit: int = V2_MAX_LIMIT,
        sort: str = "date_modified:asc",
        lane: Lane = Lane.HIGH,
    ) -> list[Order]:
        """One page of ``GET /v2/orders`` (empty on 204), for keyset paging on ``date_modified``.

        A row that fails validation fails the call; :meth:`list_order_rows` reads the page row by row.
        """
        rows = await self._orders_page(min_date_modified, page, limit, sort, lane)
        return [Order.model_validate(row) for row in rows or []]

    async def list_order_rows(
        self,
        *,
        min_date_modified: datetime | None = None,
        page: int = 1,
        limit: int = V2_MAX_LIMIT,
        sort: str = "date_modified:asc",
        lane: Lane = Lane.HIGH,
    ) -> RowsPage[Order]:
        """:meth:`list_orders_page` read row by row: a row that fails validation is an
        :class:`UnreadableRow` in its place; a row without a readable id is logged, counted and left out."""
        rows = await self._orders_page(min_date_modified, page, limit, sort, lane)
        return self._rows(rows, Order.model_validate, endpoint="orders_list")

    async def _orders_page(self, min_date_modified: datetime | None, page: int, limit: int, sort: str,
                           lane: Lane) -> Any:
        params: dict[str, Any] = {"sort": sort, "page": page, "limit": limit}
        if min_date_modified is not None:
            params["min_date_modified"] = format_rfc2822(min_date_modified)
        return await self._json("GET", "v2", "/orders", endpoint="orders_list", params=params, lane=lane)

    def _rows(self, rows: Any, parse: Callable[[Mapping[str, Any]], T], *, endpoint: str) -> RowsPage[T]:
        page = read_rows(rows, parse)
        store = self.settings.store_hash
        unreadable = sum(isinstance(r, UnreadableRow) for r in page.rows)
        if unreadable:
            metrics.ORDER_ROWS_UNREADABLE.labels(store, endpoint, "true").inc(unreadable)
        for error in page.unidentified:
            metrics.ORDER_ROWS_UNREADABLE.labels(store, endpoint, "false").inc()
            log.warning("orders list row without a readable order id left out",
                        extra={"store": store, "endpoint": endpoint, "error": error})
        return page

    async def get_order(self, order_id: int, *, lane: Lane = Lane.HIGH) -> Order:
        body = await self._json("GET", "v2", f"/orders/{order_id}", endpoint="order_get", lane=lane)
        return Order.model_validate(body)

    async def list_orders_with_lines(
        self,
        *,
        min_id: int | None = None,
        max_id: int | None = None,
        min_date_modified: datetime | None = None,
        sort: str | None = None,
        page: int = 1,
        limit: int = V2_MAX_LIMIT,
        lane: Lane = Lane.HIGH,
    ) -> list[OrderWithLines]:
        """One page of ``GET /v2/orders`` with each order's lines and shipping addresses (empty on 204).

        One request for up to 250 orders instead of three per order; see :meth:`get_order_with_lines`.
        """
        rows = await self._orders_with_lines(min_id, max_id, min_date_modified, sort, page, limit, lane)
        return [OrderWithLines.from_order_row(row) for row in rows or []]

    async def list_order_reads(
        self,
        *,
        min_id: int | None = None,
        max_id: int | None = None,
        min_date_modified: datetime | None = None,
        sort: str | None = None,
        page: int = 1,
        limit: int = V2_MAX_LIMIT,
        lane: Lane = Lane.HIGH,
    ) -> RowsPage[OrderWithLines]:
        """:meth:`list_orders_with_lines` read row by row (see :meth:`list_order_rows`)."""
        rows = await self._orders_with_lines(min_id, max_id, min_date_modified, sort, page, limit, lane)
        return self._rows(rows, OrderWithLines.from_order_row, endpoint="orders_list_lines")

    async def _orders_with_lines(self, min_id: int | None, max_id: int | None, min_date_modified: datetime | None,
                                 sort: str | None, page: int, limit: int, lane: Lane) -> Any:
        params: dict[str, Any] = {**WITH_LINES, "page": page, "limit": limit, **present({
            "min_id": min_id, "max_id": max_id, "sort": sort,
            "min_date_modified": format_rfc2822(min_date_modified) if min_date_modified is not None else None,
        })}
        return await self._json("GET", "v2", "/orders", endpoint="orders_list_lines", params=params, lane=lane)

    async def get_order_with_lines(self, order_id: int, *, lane: Lane = Lane.HIGH) -> OrderWithLines:
        """``get_order`` + ``order_products`` + ``order_shipping_addresses`` in one request
        (``include=consignments.line_items&consignment_structure=object``)."""
        body = await self._json(
            "GET", "v2", f"/orders/{order_id}", endpoint="order_get_lines", params=WITH_LINES, lane=lane
        )
        return OrderWithLines.from_order_row(body)

    async def count_orders(self) -> int:
        body = await self._json("GET", "v2", "/orders/count", endpoint="orders_count")
        return int(body["count"]) if body else 0

    async def order_products(self, order_id: int, *, lane: Lane = Lane.HIGH) -> list[OrderProduct]:
        return [
            OrderProduct.model_validate(row)
            async for row in self._v2_pages(f"/orders/{order_id}/products", endpoint="order_products", lane=lane)
        ]

    async def order_shipping_addresses(self, order_id: int, *, lane: Lane = Lane.HIGH) -> list[OrderShippingAddress]:
        return [
            OrderShippingAddress.from_row(row)
            async for row in self._v2_pages(
                f"/orders/{order_id}/shipping_addresses", endpoint="order_shipping_addresses", lane=lane
            )
        ]

    async def order_coupons(self, order_id: int, *, lane: Lane = Lane.HIGH) -> list[OrderCoupon]:
        return [
            OrderCoupon.model_validate(row)
            async for row in self._v2_pages(f"/orders/{order_id}/coupons", endpoint="order_coupons", lane=lane)
        ]

    async def order_statuses(self) -> list[OrderStatus]:
        rows = await self._json("GET", "v2", "/order_statuses", endpoint="order_statuses")
        return [OrderStatus.model_validate(r) for r in rows or []]

    async def create_order(self, body: Mapping[str, Any] | BaseModel) -> Order:
        """``POST /v2/orders`` (not retried once sent: a lost response may hide a created order)."""
        payload = body.model_dump(exclude_none=True) if isinstance(body, BaseModel) else dict(body)
        row = await self._json("POST", "v2", "/orders", endpoint="order_create", json=payload, lane=Lane.HIGH)
        return Order.model_validate(row)

    async def update_order_status(self, order_id: int, status_id: int) -> Order:
        row = await self._json(
            "PUT",
            "v2",
            f"/orders/{order_id}",
            endpoint="order_update",
            json={"status_id": status_id},
            lane=Lane.HIGH,
        )
        return Order.model_validate(row)

    async def list_shipments(self, order_id: int, *, lane: Lane = Lane.NORMAL) -> list[Shipment]:
        return [
            Shipment.model_validate(row)
            async for row in self._v2_pages(f"/orders/{order_id}/shipments", endpoint="shipments_list", lane=lane)
        ]

    async def create_shipment(self, order_id: int, shipment: ShipmentCreate) -> Shipment:
        row = await self._json(
            "POST", "v2", f"/orders/{order_id}/shipments", endpoint="shipment_create", json=shipment.body()
        )
        return Shipment.model_validate(row)

    async def update_shipment(self, order_id: int, shipment_id: int, update: ShipmentUpdate) -> Shipment:
        row = await self._json(
            "PUT",
            "v2",
            f"/orders/{order_id}/shipments/{shipment_id}",
            endpoint="shipment_update",
            json=update.body(),
        )
        return Shipment.model_validate(row)

    async def delete_shipment(self, order_id: int, shipment_id: int) -> None:
        """``DELETE /v2/orders/{id}/shipments/{shipment_id}`` (204). The quantities become shippable again;
        the order keeps its status (BigCommerce does not move it out of Shipped). Retried like any DELETE,
        so a retry after a lost 204 answers :class:`connectors.http.NotFoundError`: the shipment is gone either way."""
        await self._json(
            "DELETE", "v2", f"/orders/{order_id}/shipments/{shipment_id}", endpoint="shipment_delete", lane=Lane.HIGH
        )
