"""One lock per BigCommerce order shared by every flow that writes an order's money documents (deposits,
invoices, refunds), so two flows in one worker never spend the same deposit at once."""

from __future__ import annotations

from connectors.locks import KeyedLock

#: Key: (store hash, BigCommerce order id).
ORDER_LOCKS = KeyedLock()
