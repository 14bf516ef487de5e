"""Price Lists V3: lists, records (batch upsert, delete by SKU, list with bulk pricing tiers) and
customer-group assignments.

Limits (reference §2, spec): records batch upsert ≤ 1,000 items and **2 concurrent** per store (governor
cap ``pricelist_records_upsert``; a third gets 429 from BigCommerce); records GET 10 concurrent; deleting a
price list 1 concurrent; assignment upserts 25 concurrent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from connectors.http import NotFoundError

from ..errors import PriceRecordsRejected, ValidationError
from ..governor import Lane
from ..models import PriceList, PriceListAssignment, PriceRecord, PriceRecordUpsert
from .transport import V3_MAX_LIMIT, Transport, csv, present

#: Items per ``PUT /v3/pricelists/{id}/records`` (BigCommerce's maximum).
PRICE_RECORD_BATCH = 1000
#: Records per page when listing: the spec states no maximum for this endpoint; 250 is V3's usual one.
PRICE_RECORD_PAGE = V3_MAX_LIMIT
#: SKUs per ``sku:in`` filter (the spec sets no limit): at most this many and about
#: :data:`SKU_FILTER_CHARS` characters of SKUs, so a URL stays well under common 8 KB limits.
SKU_FILTER_BATCH = 100
SKU_FILTER_CHARS = 4000
#: The storefront channel an assignment applies to by default (a single-storefront store's only one).
DEFAULT_CHANNEL = 1


def sku_filters(skus: Iterable[str]) -> Iterator[list[str]]:
    """``skus`` in groups for ``sku:in`` (:data:`SKU_FILTER_BATCH` and :data:`SKU_FILTER_CHARS` each).
    A SKU containing a comma cannot be named in a comma-separated filter: ValueError."""
    group: list[str] = []
    chars = 0
    for sku in skus:
        if "," in sku:
            raise ValueError(f"SKU {sku!r} contains a comma and cannot be filtered with sku:in")
        if group and (len(group) >= SKU_FILTER_BATCH or chars + len(sku) + 1 > SKU_FILTER_CHARS):
            yield group
            group, chars = [], 0
        group.append(sku)
        chars += len(sku) + 1
    if group:
        yield group


class PriceListsApi(Transport):
    """``/v3/pricelists``, its records and ``/v3/pricelists/assignments``."""

    # ------------------------------------------------------------------ price lists

    async def list_price_lists(self, *, name: str | None = None) -> list[PriceList]:
        params = present({"name": name})
        return [
            PriceList.model_validate(r)
            async for r in self._v3_cursor_pages("/pricelists", endpoint="pricelists_list", params=params)
        ]

    async def get_price_list(self, price_list_id: int) -> PriceList | None:
        """The price list, or ``None`` if it does not exist (deleted by the merchant, say)."""
        try:
            data = await self._v3_data("GET", f"/pricelists/{price_list_id}", endpoint="pricelist_get")
        except NotFoundError:
            return None
        return PriceList.model_validate(data)

    async def price_list_by_name(self, name: str) -> PriceList | None:
        """The price list with exactly this name (names are unique in a store), if any."""
        return next((p for p in await self.list_price_lists(name=name) if p.name == name), None)

    async def create_price_list(self, name: str, *, active: bool = True) -> PriceList:
        """``POST /v3/pricelists``. A name already taken raises ``AlreadyExistsError`` (409); a lost
        answer raises ``TransientNetworkError`` (not resent: look it up with :meth:`price_list_by_name`)."""
        data = await self._v3_data(
            "POST", "/pricelists", endpoint="pricelist_create", json={"name": name, "active": active}
        )
        return PriceList.model_validate(data)

    async def update_price_list(self, price_list_id: int, *, name: str, active: bool = True) -> PriceList:
        data = await self._v3_data(
            "PUT", f"/pricelists/{price_list_id}", endpoint="pricelist_update", json={"name": name, "active": active}
        )
        return PriceList.model_validate(data)

    async def delete_price_list(self, price_list_id: int) -> None:
        """Delete the list with its records and assignments; one already gone is fine."""
        try:
            await self.request(
                "DELETE", "v3", f"/pricelists/{price_list_id}", endpoint="pricelist_delete", cap="pricelist_delete"
            )
        except NotFoundError:
            return

    # ------------------------------------------------------------------ records

    async def list_price_records(
        self,
        price_list_id: int,
        *,
        skus: Iterable[str] | None = None,
        variant_ids: Iterable[int] | None = None,
        currency: str | None = None,
        include_tiers: bool = True,
        lane: Lane = Lane.NORMAL,
    ) -> AsyncIterator[PriceRecord]:
        """Every record of the list (or of these SKUs / variants), with ``sku`` and, unless
        ``include_tiers=False``, ``bulk_pricing_tiers``; cursor-paged, :data:`PRICE_RECORD_PAGE` a page.
        A list that does not exist raises ``NotFoundError``."""
        base: dict[str, Any] = {"include": "bulk_pricing_tiers,sku" if include_tiers else "sku"}
        if currency is not None:
            base["currency"] = currency.lower()
        if variant_ids is not None:
            base["variant_id:in"] = csv(variant_ids)
        groups: Iterable[list[str] | None] = [None] if skus is None else sku_filters(skus)
        for group in groups:
            params = base if group is None else {**base, "sku:in": ",".join(group)}
            async for r in self._v3_cursor_pages(
                f"/pricelists/{price_list_id}/records", endpoint="pricelist_records_list", params=params,
                limit=PRICE_RECORD_PAGE, lane=lane, cap="pricelist_records_list",
            ):
                yield PriceRecord.model_validate(r)

    async def upsert_price_records(
        self, price_list_id: int, records: Sequence[PriceRecordUpsert], *, lane: Lane = Lane.NORMAL
    ) -> None:
        """One ``PUT /v3/pricelists/{id}/records`` of at most :data:`PRICE_RECORD_BATCH` records (the
        caller batches; more is a ValueError). Holds the governor's ``pricelist_records_upsert`` cap
        (2 per store). A refused batch raises :class:`~..errors.PriceRecordsRejected` (422, with the
        records BigCommerce named in ``item_errors``); a deleted list raises ``NotFoundError``."""
        if len(records) > PRICE_RECORD_BATCH:
            raise ValueError(f"{len(records)} price records in one request; at most {PRICE_RECORD_BATCH}")
        if not records:
            return
        try:
            await self.request(
                "PUT", "v3", f"/pricelists/{price_list_id}/records", endpoint="pricelist_records_upsert",
                json=[r.body() for r in records], lane=lane, cap="pricelist_records_upsert",
            )
        except ValidationError as err:
            if err.status == 422:
                raise PriceRecordsRejected.from_error(err) from err
            raise

    async def delete_price_records(
        self, price_list_id: int, *, skus: Sequence[str], currency: str | None = None, lane: Lane = Lane.NORMAL
    ) -> None:
        """Delete the records of these SKUs (every currency, or only ``currency``): one
        ``DELETE …/records?sku:in=…`` per :func:`sku_filters` group. No SKUs, no request (without a filter
        BigCommerce would delete every record of the list)."""
        for group in sku_filters(skus):
            params = present({"sku:in": ",".join(group), "currency": currency.lower() if currency else None})
            await self.request(
                "DELETE", "v3", f"/pricelists/{price_list_id}/records", endpoint="pricelist_records_delete",
                params=params, lane=lane,
            )

    # ------------------------------------------------------------------ assignments

    async def list_price_list_assignments(
        self, *, price_list_id: int | None = None, customer_group_id: int | None = None
    ) -> list[PriceListAssignment]:
        params = present({"price_list_id": price_list_id, "customer_group_id": customer_group_id})
        return [
            PriceListAssignment.model_validate(r)
            async for r in self._v3_cursor_pages("/pricelists/assignments", endpoint="pricelist_assignments",
                                                 params=params)
        ]

    async def upsert_price_list_assignment(
        self, price_list_id: int, *, customer_group_id: int, channel_id: int = DEFAULT_CHANNEL
    ) -> PriceListAssignment:
        """Assign the list to the group on the channel (replacing the group's list there, if any).
        A group or channel that does not exist raises ``NotFoundError``."""
        data = await self._v3_data(
            "PUT",
            f"/pricelists/{price_list_id}/assignments",
            endpoint="pricelist_assignments_upsert",
            json={"customer_group_id": customer_group_id, "channel_id": channel_id},
            cap="pricelist_assignments_upsert",
        )
        return PriceListAssignment.model_validate(data)

    async def delete_price_list_assignments(
        self, *, price_list_id: int | None = None, customer_group_id: int | None = None, channel_id: int | None = None
    ) -> None:
        """Delete the assignments matching every filter given (at least one: ValueError otherwise)."""
        params = present({"price_list_id": price_list_id, "customer_group_id": customer_group_id,
                          "channel_id": channel_id})
        if not params:
            raise ValueError("deleting price list assignments needs at least one filter")
        await self.request("DELETE", "v3", "/pricelists/assignments", endpoint="pricelist_assignments_delete",
                           params=params)
