"""Customers V3 (list, by email, batch update of their groups) and customer groups V2."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from ..governor import Lane
from ..models import Customer, CustomerGroup
from .transport import Transport, chunks, csv

#: Customers per ``PUT /v3/customers`` (BigCommerce's maximum; more is a 413).
CUSTOMER_BATCH = 10


class CustomersApi(Transport):
    """``/v3/customers`` and ``/v2/customer_groups``."""

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

    async def set_customer_groups(
        self, changes: Sequence[tuple[int, int]], *, lane: Lane = Lane.NORMAL
    ) -> list[Customer]:
        """Move customers to groups: ``(customer id, customer group id)`` pairs (group 0 = none), sent as
        ``PUT /v3/customers`` :data:`CUSTOMER_BATCH` at a time (at most 3 such requests at once per store).
        A customer or group that does not exist makes that request a ``ValidationError`` (422) and none of
        its customers is changed. Returns the customers as updated."""
        updated: list[Customer] = []
        for chunk in chunks(changes, CUSTOMER_BATCH):
            data = await self._v3_data(
                "PUT", "/customers", endpoint="customers_update", lane=lane, cap="customers_update",
                json=[{"id": customer_id, "customer_group_id": group_id} for customer_id, group_id in chunk],
            )
            updated.extend(Customer.model_validate(r) for r in data or [])
        return updated

    async def customer_groups(self) -> list[CustomerGroup]:
        return [
            CustomerGroup.model_validate(r)
            async for r in self._v2_pages("/customer_groups", endpoint="customer_groups_list")
        ]

    async def customer_group_by_name(self, name: str) -> CustomerGroup | None:
        """The group with exactly this name (the ``name`` filter), if any."""
        async for r in self._v2_pages("/customer_groups", endpoint="customer_groups_list", params={"name": name}):
            group = CustomerGroup.model_validate(r)
            if group.name == name:
                return group
        return None

    async def create_customer_group(self, name: str) -> CustomerGroup:
        """``POST /v2/customer_groups``. A name already taken raises ``AlreadyExistsError`` (409); a lost
        answer raises ``TransientNetworkError`` (not resent: look it up with :meth:`customer_group_by_name`)."""
        data = await self._json("POST", "v2", "/customer_groups", endpoint="customer_group_create",
                                json={"name": name})
        return CustomerGroup.model_validate(data)
