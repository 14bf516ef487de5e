"""Async BigCommerce REST client (Orders V2, Orders V3 payment actions, Catalog, Inventory,
Customers, Price Lists, Webhooks).

Every call goes through the store's :class:`~.governor.RateLimitGovernor` and the retry loop:

- 429 → wait for the reset the response announces (the governor blocks every coroutine), retry;
- 5xx, 408, timeouts, connection errors → jittered back-off (:class:`connectors.http.Backoff`), retry
  — but a non-idempotent POST whose request may have reached the server is *not* resent: the
  caller gets :class:`~connectors.http.TransientNetworkError` / :class:`~connectors.http.RetryableError`
  and re-reads before trying again (DESIGN §5);
- anything else → the classified permanent error with BigCommerce's own message.

Paged lists are async iterators: V2 pages until a short page or 204, V3 follows ``meta.pagination``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel

from connectors import fast_locks
from connectors.http import (
    Backoff,
    RateLimitedError,
    RetryableError,
    TransientNetworkError,
)

from . import metrics
from .config import BigCommerceSettings
from .errors import ValidationError, error_for
from .formats import dumps, format_rfc2822, loads
from .governor import Lane, PacingPolicy, RateLimitGovernor
from .models import (
    Customer,
    CustomerGroup,
    InventoryAdjustment,
    InventoryItem,
    InventoryTransaction,
    Location,
    Metafield,
    MetafieldBatchResult,
    Order,
    OrderCoupon,
    OrderMetafieldCreate,
    OrderMetafieldUpdate,
    OrderProduct,
    OrderShippingAddress,
    OrderStatus,
    OrderWithLines,
    PriceList,
    PriceListAssignment,
    PriceRecord,
    PriceRecordUpsert,
    Product,
    Refund,
    RefundItem,
    RefundPayment,
    RefundQuote,
    Shipment,
    ShipmentCreate,
    ShipmentUpdate,
    Transaction,
    Variant,
    VariantUpdate,
    Webhook,
    WebhookCreate,
    WebhookUpdate,
)

Version = Literal["v2", "v3"]
M = TypeVar("M", bound=BaseModel)

V2_MAX_LIMIT = 250
V3_MAX_LIMIT = 250
VARIANT_BATCH = 50
INVENTORY_BATCH = 2000
PRICE_RECORD_BATCH = 1000
METAFIELD_BATCH = 50
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
#: Orders V2 query that returns each order with its shipping addresses and full order products.
WITH_LINES: Mapping[str, str] = {"include": "consignments.line_items", "consignment_structure": "object"}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _csv(values: Iterable[Any]) -> str:
    return ",".join(str(v) for v in values)


class BigCommerceClient:
    """One store's API. Create once per process and share; ``async with`` closes the HTTP pool."""

    def __init__(
        self,
        settings: BigCommerceSettings | None = None,
        *,
        governor: RateLimitGovernor | None = None,
        http: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings or BigCommerceSettings()
        self.governor = governor or RateLimitGovernor.for_store(
            self.settings.store_hash, policy=PacingPolicy(reserve=self.settings.quota_reserve)
        )
        self.backoff = backoff or Backoff(base=0.2, cap=10.0, max_attempts=self.settings.max_attempts)
        s = self.settings
        fast_locks.install()
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.write_timeout, pool=s.pool_timeout
            ),
            limits=httpx.Limits(max_connections=s.max_connections),
            headers=s.auth_headers(),
        )
        self._owns_http = http is None
        # Requests beyond the pool wait here, not in httpcore's pool queue, which is scanned in full
        # (with a socket check per idle connection) every time a request starts or ends.
        self._in_flight = asyncio.Semaphore(s.max_connections)

    def __repr__(self) -> str:  # never shows the token
        return f"BigCommerceClient(store={self.settings.store_hash!r}, api_base={self.settings.api_base!r})"

    async def __aenter__(self) -> BigCommerceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ transport

    async def request(
        self,
        method: str,
        version: Version,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        lane: Lane = Lane.NORMAL,
        cap: str | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one API request with governance and retries; returns the 2xx response."""
        url = f"{self.settings.base_url(version)}{path}"
        safe = method.upper() in _IDEMPOTENT if idempotent is None else idempotent
        headers = {"Content-Type": "application/json"} if json is not None else None
        content = dumps(json) if json is not None else None
        store = self.settings.store_hash
        attempt = 0
        async with self.governor.capped(cap):
            while True:
                await self.governor.acquire(lane)
                started = time.monotonic()
                try:
                    async with self._in_flight:
                        response = await self._http.request(method, url, params=params, content=content,
                                                            headers=headers)
                except httpx.TransportError as exc:
                    await self.governor.release(None, None)
                    metrics.REQUESTS.labels(store, endpoint, "error").inc()
                    never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                    error = TransientNetworkError(f"BigCommerce {endpoint}: {type(exc).__name__}")
                    if (not safe and not never_sent) or self.backoff.exhausted(attempt):
                        raise error from exc
                    await asyncio.sleep(self.backoff.delay(attempt))
                    attempt += 1
                    continue
                await self.governor.release(response.headers, response.status_code)
                metrics.LATENCY.labels(store, endpoint).observe(time.monotonic() - started)
                metrics.REQUESTS.labels(store, endpoint, str(response.status_code)).inc()
                if response.is_success:
                    return response
                err = error_for(response.status_code, _body(response), response.headers, endpoint=endpoint)
                if isinstance(err, RateLimitedError):
                    metrics.RATE_LIMITED.labels(store, endpoint).inc()
                    if self.backoff.exhausted(attempt):
                        raise err
                    attempt += 1  # the governor now holds every request until the reset
                    continue
                if isinstance(err, RetryableError) and safe and not self.backoff.exhausted(attempt):
                    await asyncio.sleep(self.backoff.delay(attempt, at_least=err.retry_after))
                    attempt += 1
                    continue
                raise err

    async def _json(self, method: str, version: Version, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, version, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return loads(response.content)

    async def _v3_data(self, method: str, path: str, **kwargs: Any) -> Any:
        body = await self._json(method, "v3", path, **kwargs)
        return body.get("data") if isinstance(body, dict) else body

    async def _v2_pages(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        limit: int = V2_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncIterator[dict[str, Any]]:
        """V2 paging: bare arrays, page+1 until a short page or a 204."""
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            rows = await self._json("GET", "v2", path, endpoint=endpoint, params=query, lane=lane)
            if not rows:
                return
            for row in rows:
                yield row
            if len(rows) < limit:
                return
            page += 1

    async def _v3_pages(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        limit: int = V3_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncIterator[dict[str, Any]]:
        """V3 paging: ``{data, meta.pagination}`` until ``current_page >= total_pages``."""
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            body = await self._json("GET", "v3", path, endpoint=endpoint, params=query, lane=lane)
            if not body:
                return
            data = body.get("data") or []
            for row in data:
                yield row
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if total_pages is None:
                if len(data) < limit:
                    return
            elif page >= int(total_pages):
                return
            page += 1

    # ------------------------------------------------------------------ orders (V2)

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
        """One page of ``GET /v2/orders`` (empty on 204), for keyset paging on ``date_modified``."""
        params: dict[str, Any] = {"sort": sort, "page": page, "limit": limit}
        if min_date_modified is not None:
            params["min_date_modified"] = format_rfc2822(min_date_modified)
        rows = await self._json("GET", "v2", "/orders", endpoint="orders_list", params=params, lane=lane)
        return [Order.model_validate(row) for row in rows or []]

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
        params: dict[str, Any] = {**WITH_LINES, "page": page, "limit": limit, **_present({
            "min_id": min_id, "max_id": max_id, "sort": sort,
            "min_date_modified": format_rfc2822(min_date_modified) if min_date_modified is not None else None,
        })}
        rows = await self._json("GET", "v2", "/orders", endpoint="orders_list_lines", params=params, lane=lane)
        return [OrderWithLines.from_order_row(row) for row in rows or []]

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

    async def list_shipments(self, order_id: int) -> list[Shipment]:
        return [
            Shipment.model_validate(row)
            async for row in self._v2_pages(f"/orders/{order_id}/shipments", endpoint="shipments_list")
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

    # ------------------------------------------------------------------ refunds, transactions (V3)

    async def create_refund_quote(self, order_id: int, items: Sequence[RefundItem]) -> RefundQuote:
        data = await self._v3_data(
            "POST",
            f"/orders/{order_id}/payment_actions/refund_quotes",
            endpoint="refund_quote",
            json={"items": [i.body() for i in items]},
            idempotent=True,
        )
        return RefundQuote.model_validate(data)

    async def create_refund(
        self,
        order_id: int,
        items: Sequence[RefundItem],
        payments: Sequence[RefundPayment],
        *,
        reason: str | None = None,
    ) -> Refund:
        """One refund at a time per order (BigCommerce does not support concurrent ones)."""
        body: dict[str, Any] = {"items": [i.body() for i in items], "payments": [p.body() for p in payments]}
        if reason:
            body["reason"] = reason
        data = await self._v3_data(
            "POST",
            f"/orders/{order_id}/payment_actions/refunds",
            endpoint="refund_create",
            json=body,
            cap=f"order_refund:{order_id}",
        )
        return Refund.model_validate(data)

    async def list_refunds(self, order_id: int) -> list[Refund]:
        data = await self._v3_data("GET", f"/orders/{order_id}/payment_actions/refunds", endpoint="refunds_list")
        return [Refund.model_validate(r) for r in data or []]

    async def list_transactions(self, order_id: int) -> list[Transaction]:
        data = await self._v3_data("GET", f"/orders/{order_id}/transactions", endpoint="transactions_list")
        return [Transaction.model_validate(r) for r in data or []]

    # ------------------------------------------------------------------ order metafields (V3)

    async def list_order_metafields(
        self,
        *,
        namespace: str | None = None,
        key: str | None = None,
        namespaces: Iterable[str] | None = None,
        keys: Iterable[str] | None = None,
        direction: Literal["asc", "desc"] | None = None,
        limit: int = V3_MAX_LIMIT,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncGenerator[Metafield, None]:
        """Every order's metafields by namespace/key (``GET /v3/orders/metafields``), page by page."""
        params = _metafield_filters(namespace, key, namespaces, keys)
        if direction is not None:
            params["direction"] = direction
        async for row in self._v3_pages(
            "/orders/metafields", endpoint="order_metafields_list", params=params, limit=limit, lane=lane
        ):
            yield Metafield.model_validate(row)

    async def order_metafields(
        self,
        order_id: int,
        *,
        namespace: str | None = None,
        key: str | None = None,
        lane: Lane = Lane.NORMAL,
    ) -> list[Metafield]:
        """One order's metafields (``GET /v3/orders/{order_id}/metafields``)."""
        params = _metafield_filters(namespace, key, None, None)
        return [
            Metafield.model_validate(row)
            async for row in self._v3_pages(
                f"/orders/{order_id}/metafields", endpoint="order_metafields", params=params, lane=lane
            )
        ]

    async def create_order_metafields(
        self, items: Sequence[OrderMetafieldCreate], *, lane: Lane = Lane.NORMAL
    ) -> MetafieldBatchResult:
        """Batch ``POST /v3/orders/metafields`` (50 per request).

        A 422 partial success is an answer, not an error: its ``data`` are the metafields created and its
        ``errors`` say why the others were not (e.g. one with the same namespace and key exists on that
        order). Not resent once sent; an unanswered request may have created some of them.
        """
        return await self._metafield_batch("POST", "order_metafields_create", [i.body() for i in items], lane)

    async def update_order_metafields(
        self, items: Sequence[OrderMetafieldUpdate], *, lane: Lane = Lane.NORMAL
    ) -> MetafieldBatchResult:
        """Batch ``PUT /v3/orders/metafields`` by metafield id (50 per request); 422 = partial success."""
        return await self._metafield_batch("PUT", "order_metafields_update", [i.body() for i in items], lane)

    async def _metafield_batch(
        self, method: str, endpoint: str, bodies: list[dict[str, Any]], lane: Lane
    ) -> MetafieldBatchResult:
        out = MetafieldBatchResult()
        for chunk in _chunks(bodies, METAFIELD_BATCH):
            try:
                body = await self._json(method, "v3", "/orders/metafields", endpoint=endpoint, json=list(chunk),
                                        lane=lane)
            except ValidationError as error:
                partial = error.details if error.status == 422 else None
                if not (isinstance(partial, dict) and isinstance(partial.get("data"), list) and "meta" in partial):
                    raise
                body = partial
            result = MetafieldBatchResult.model_validate(body or {})
            out.data.extend(result.data)
            out.errors.extend(result.errors)
            out.meta.total += result.meta.total or len(chunk)
            out.meta.success += result.meta.success
            out.meta.failed += result.meta.failed
        return out

    # ------------------------------------------------------------------ catalog (V3)

    async def list_products(self, *, include_variants: bool = False, **filters: Any) -> AsyncIterator[Product]:
        params = dict(filters)
        if include_variants:
            params["include"] = "variants"
        async for row in self._v3_pages("/catalog/products", endpoint="products_list", params=params):
            yield Product.model_validate(row)

    async def get_product(self, product_id: int, *, include_variants: bool = False) -> Product:
        params = {"include": "variants"} if include_variants else None
        data = await self._v3_data("GET", f"/catalog/products/{product_id}", endpoint="product_get", params=params)
        return Product.model_validate(data)

    async def list_variants(
        self, *, sku: str | None = None, product_ids: Iterable[int] | None = None, **filters: Any
    ) -> AsyncIterator[Variant]:
        params = dict(filters)
        if sku is not None:
            params["sku"] = sku
        if product_ids is not None:
            params["product_id:in"] = _csv(product_ids)
        async for row in self._v3_pages("/catalog/variants", endpoint="variants_list", params=params):
            yield Variant.model_validate(row)

    async def product_variants(self, product_id: int) -> AsyncIterator[Variant]:
        async for row in self._v3_pages(f"/catalog/products/{product_id}/variants", endpoint="product_variants"):
            yield Variant.model_validate(row)

    async def get_variant(self, product_id: int, variant_id: int) -> Variant:
        data = await self._v3_data(
            "GET", f"/catalog/products/{product_id}/variants/{variant_id}", endpoint="variant_get"
        )
        return Variant.model_validate(data)

    async def update_variants(self, updates: Sequence[VariantUpdate]) -> list[Variant]:
        """Batch ``PUT /v3/catalog/variants``, 50 per request."""
        out: list[Variant] = []
        for chunk in _chunks(updates, VARIANT_BATCH):
            data = await self._v3_data(
                "PUT", "/catalog/variants", endpoint="variants_update", json=[u.body() for u in chunk]
            )
            out.extend(Variant.model_validate(r) for r in data or [])
        return out

    # ------------------------------------------------------------------ inventory (V3)

    async def list_locations(self) -> list[Location]:
        return [
            Location.model_validate(r) async for r in self._v3_pages("/inventory/locations", endpoint="locations_list")
        ]

    async def list_inventory_items(
        self,
        *,
        skus: Iterable[str] | None = None,
        variant_ids: Iterable[int] | None = None,
        location_ids: Iterable[int] | None = None,
        lane: Lane = Lane.NORMAL,
        product_ids: Iterable[int] | None = None,
    ) -> AsyncIterator[InventoryItem]:
        params: dict[str, Any] = {}
        if product_ids is not None:
            params["product_id:in"] = _csv(product_ids)
        if skus is not None:
            params["sku:in"] = _csv(skus)
        if variant_ids is not None:
            params["variant_id:in"] = _csv(variant_ids)
        if location_ids is not None:
            params["location_id:in"] = _csv(location_ids)
        async for row in self._v3_pages(
            "/inventory/items", endpoint="inventory_items", params=params, limit=1000, lane=lane
        ):
            yield InventoryItem.model_validate(row)

    async def adjust_inventory_absolute(
        self, items: Sequence[InventoryAdjustment], *, reason: str = "o2c sync", lane: Lane = Lane.NORMAL
    ) -> list[str]:
        """Set on-hand stock (2,000 items per request, one request at a time); returns transaction ids.

        Asynchronous on BigCommerce's side: a read right after may still show the old level.
        """
        ids: list[str] = []
        for chunk in _chunks(items, INVENTORY_BATCH):
            body = await self._json(
                "PUT",
                "v3",
                "/inventory/adjustments/absolute",
                endpoint="inventory_absolute",
                json={"reason": reason, "items": [i.body() for i in chunk]},
                lane=lane,
                cap="inventory_adjustment",
            )
            ids.append(InventoryTransaction.model_validate(body).transaction_id)
        return ids

    # ------------------------------------------------------------------ customers

    async def customers_by_email(self, emails: Iterable[str]) -> list[Customer]:
        wanted = [e.strip().lower() for e in emails]
        if not wanted:
            return []
        return [
            Customer.model_validate(r)
            async for r in self._v3_pages("/customers", endpoint="customers_list", params={"email:in": _csv(wanted)})
        ]

    async def list_customers(self, **filters: Any) -> AsyncIterator[Customer]:
        async for r in self._v3_pages("/customers", endpoint="customers_list", params=filters):
            yield Customer.model_validate(r)

    async def get_customer_by_email(self, email: str) -> Customer | None:
        found = await self.customers_by_email([email])
        return found[0] if found else None

    async def customer_groups(self) -> list[CustomerGroup]:
        return [
            CustomerGroup.model_validate(r)
            async for r in self._v2_pages("/customer_groups", endpoint="customer_groups_list")
        ]

    # ------------------------------------------------------------------ price lists (V3)

    async def list_price_lists(self) -> list[PriceList]:
        return [PriceList.model_validate(r) async for r in self._v3_pages("/pricelists", endpoint="pricelists_list")]

    async def list_price_records(
        self, price_list_id: int, *, variant_ids: Iterable[int] | None = None, currency: str | None = None
    ) -> AsyncIterator[PriceRecord]:
        params: dict[str, Any] = {}
        if variant_ids is not None:
            params["variant_id:in"] = _csv(variant_ids)
        if currency is not None:
            params["currency"] = currency
        async for r in self._v3_pages(
            f"/pricelists/{price_list_id}/records", endpoint="pricelist_records_list", params=params
        ):
            yield PriceRecord.model_validate(r)

    async def upsert_price_records(self, price_list_id: int, records: Sequence[PriceRecordUpsert]) -> None:
        """Batch upsert (1,000 per request; at most 2 concurrent per store, enforced by the governor)."""
        for chunk in _chunks(records, PRICE_RECORD_BATCH):
            await self.request(
                "PUT",
                "v3",
                f"/pricelists/{price_list_id}/records",
                endpoint="pricelist_records_upsert",
                json=[r.body() for r in chunk],
                cap="pricelist_records_upsert",
            )

    async def list_price_list_assignments(self, *, price_list_id: int | None = None) -> list[PriceListAssignment]:
        params = {"price_list_id": price_list_id} if price_list_id is not None else None
        return [
            PriceListAssignment.model_validate(r)
            async for r in self._v3_pages("/pricelists/assignments", endpoint="pricelist_assignments", params=params)
        ]

    async def upsert_price_list_assignment(
        self, price_list_id: int, *, customer_group_id: int, channel_id: int | None = None
    ) -> PriceListAssignment:
        body: dict[str, Any] = {"customer_group_id": customer_group_id}
        if channel_id is not None:
            body["channel_id"] = channel_id
        data = await self._v3_data(
            "PUT",
            f"/pricelists/{price_list_id}/assignments",
            endpoint="pricelist_assignments_upsert",
            json=body,
            cap="pricelist_assignments_upsert",
        )
        return PriceListAssignment.model_validate(data)

    # ------------------------------------------------------------------ webhooks (V3)

    async def create_webhook(self, hook: WebhookCreate) -> Webhook:
        data = await self._v3_data("POST", "/hooks", endpoint="webhook_create", json=hook.body())
        return Webhook.model_validate(data)

    async def list_webhooks(self, **filters: Any) -> list[Webhook]:
        return [
            Webhook.model_validate(r) async for r in self._v3_pages("/hooks", endpoint="webhooks_list", params=filters)
        ]

    async def get_webhook(self, webhook_id: int) -> Webhook:
        return Webhook.model_validate(await self._v3_data("GET", f"/hooks/{webhook_id}", endpoint="webhook_get"))

    async def update_webhook(self, webhook_id: int, update: WebhookUpdate) -> Webhook:
        data = await self._v3_data("PUT", f"/hooks/{webhook_id}", endpoint="webhook_update", json=update.body())
        return Webhook.model_validate(data)

    async def delete_webhook(self, webhook_id: int) -> Webhook:
        data = await self._v3_data("DELETE", f"/hooks/{webhook_id}", endpoint="webhook_delete")
        return Webhook.model_validate(data)


def _metafield_filters(
    namespace: str | None, key: str | None, namespaces: Iterable[str] | None, keys: Iterable[str] | None
) -> dict[str, Any]:
    return _present({"namespace": namespace, "key": key,
                     "namespace:in": _csv(namespaces) if namespaces is not None else None,
                     "key:in": _csv(keys) if keys is not None else None})


def _present(params: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters that have a value."""
    return {name: value for name, value in params.items() if value is not None}


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return loads(response.content)
    except ValueError:
        return response.text[:500]
