"""Orders V3 metafields: list, and batch create/update in 50s (a 422 can be a partial success)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Any, Literal

from ..errors import ValidationError
from ..governor import Lane
from ..models import Metafield, MetafieldBatchResult, OrderMetafieldCreate, OrderMetafieldUpdate
from .transport import V3_MAX_LIMIT, Transport, chunks, csv, present

METAFIELD_BATCH = 50


def _filters(
    namespace: str | None, key: str | None, namespaces: Iterable[str] | None, keys: Iterable[str] | None
) -> dict[str, Any]:
    return present({"namespace": namespace, "key": key,
                    "namespace:in": csv(namespaces) if namespaces is not None else None,
                    "key:in": csv(keys) if keys is not None else None})


class MetafieldsApi(Transport):
    """``/v3/orders/metafields`` and ``/v3/orders/{id}/metafields``."""

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
        params = _filters(namespace, key, namespaces, keys)
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
        params = _filters(namespace, key, None, None)
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
        for chunk in chunks(bodies, METAFIELD_BATCH):
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
