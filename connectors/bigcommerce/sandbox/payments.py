"""``POST /v3/orders/{id}/payment_actions/capture`` (spec ``captureOrderPayment``: 201, empty object).

Only an order whose ``payment_status`` is ``authorized`` can be captured (else 422, V3 error). The order
is ``capture pending`` when the 201 is answered and ``captured`` ``SandboxConfig.capture_delay_ms`` later
(at once when 0), when a ``capture`` transaction of the order's total appears in
``GET /v3/orders/{id}/transactions`` and ``store/order/updated`` fires.

Orders are created ``authorized`` with the sandbox-only POST field ``_sandbox_payment_status``
(``payment_status`` itself is read-only on BigCommerce); they then carry an ``authorization``
transaction instead of the ``purchase`` a paid order gets.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .state import ApiError, now

if TYPE_CHECKING:
    from .state import Store


def capture(store: Store, order_id: int) -> None:
    """Start capturing the order's authorized payment (422 unless it is ``authorized``)."""
    order = store.get_order(order_id)
    status = order["payment_status"]
    if status != "authorized":
        raise ApiError(422, f"The payment of order {order_id} cannot be captured: its payment_status is "
                            f"'{status or 'none'}', not 'authorized'.")
    order["payment_status"] = "capture pending"
    order["date_modified"] = now()

    def settle() -> None:
        if order["payment_status"] != "capture pending":
            return
        order["payment_status"] = "captured"
        order["date_modified"] = now()
        authorization = next((t["id"] for t in store.transactions[order_id] if t["event"] == "authorization"), None)
        store.add_transaction(order, "capture", order["total_inc_tax"], reference=authorization)
        store.emit("store/order/updated", {"type": "order", "id": order_id})

    delay = store.config.capture_delay_ms / 1000.0
    if delay <= 0:
        settle()
        return
    try:
        asyncio.get_running_loop().call_later(delay, settle)
    except RuntimeError:
        settle()
