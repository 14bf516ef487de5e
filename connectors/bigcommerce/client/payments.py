"""Orders V3 payment actions: capture, refund quotes, refunds and transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from ..formats import format_iso
from ..governor import Lane
from ..models import Refund, RefundItem, RefundPayment, RefundQuote, Transaction
from .transport import Transport


class PaymentsApi(Transport):
    """``/v3/orders/{id}/payment_actions`` and ``/v3/orders/{id}/transactions``."""

    async def capture_payment(self, order_id: int) -> None:
        """``POST /v3/orders/{id}/payment_actions/capture`` (201): capture an authorized payment. BigCommerce
        answers at once with ``payment_status`` ``capture pending`` and captures asynchronously (a ``capture``
        transaction then appears). An order whose payment is not ``authorized`` answers 422 (raised as the
        client's error for it). Not retried once sent: a second capture of the same order is a 422."""
        await self._json("POST", "v3", f"/orders/{order_id}/payment_actions/capture", endpoint="payment_capture",
                         json={})

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

    async def list_all_refunds(self, *, created_min: datetime | None = None,
                               lane: Lane = Lane.NORMAL) -> AsyncIterator[Refund]:
        """Every refund of the store (``GET /v3/orders/payment_actions/refunds``), created at or after
        ``created_min`` when given, page by page."""
        params = {"created:min": format_iso(created_min)} if created_min is not None else None
        async for row in self._v3_pages("/orders/payment_actions/refunds", endpoint="refunds_list_all",
                                        params=params, lane=lane):
            yield Refund.model_validate(row)

    async def list_transactions(self, order_id: int) -> list[Transaction]:
        data = await self._v3_data("GET", f"/orders/{order_id}/transactions", endpoint="transactions_list")
        return [Transaction.model_validate(r) for r in data or []]
