"""Customers V3, customer groups V2 and Price Lists V3 (records, assignments)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from ..models import Customer, CustomerGroup, PriceList, PriceListAssignment, PriceRecord, PriceRecordUpsert
from .transport import Transport, chunks, csv

PRICE_RECORD_BATCH = 1000


class CustomersApi(Transport):
    """``/v3/customers``, ``/v2/customer_groups`` and ``/v3/pricelists``."""

    async def customers_by_email(self, emails: Iterable[str]) -> list[Customer]:
        wanted = [e.strip().lower() for e in emails]
        if not wanted:
            return []
        return [
            Customer.model_validate(r)
            async for r in self._v3_pages("/customers", endpoint="customers_list", params={"email:in": csv(wanted)})
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

    async def list_price_lists(self) -> list[PriceList]:
        return [PriceList.model_validate(r) async for r in self._v3_pages("/pricelists", endpoint="pricelists_list")]

    async def list_price_records(
        self, price_list_id: int, *, variant_ids: Iterable[int] | None = None, currency: str | None = None
    ) -> AsyncIterator[PriceRecord]:
        params: dict[str, Any] = {}
        if variant_ids is not None:
            params["variant_id:in"] = csv(variant_ids)
        if currency is not None:
            params["currency"] = currency
        async for r in self._v3_pages(
            f"/pricelists/{price_list_id}/records", endpoint="pricelist_records_list", params=params
        ):
            yield PriceRecord.model_validate(r)

    async def upsert_price_records(self, price_list_id: int, records: Sequence[PriceRecordUpsert]) -> None:
        """Batch upsert (1,000 per request; at most 2 concurrent per store, enforced by the governor)."""
        for chunk in chunks(records, PRICE_RECORD_BATCH):
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
