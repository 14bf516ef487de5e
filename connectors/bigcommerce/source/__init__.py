"""The BigCommerce change source: webhooks in, full order reads and refunds out (DESIGN §2, §5).

Parts, none of which knows about Faust or the event contract (``streams/ingest/bigcommerce.py`` wires
them, with a :class:`Sink` that publishes):

- :mod:`.receiver` — checks the secret header, parses the thin payload, queues it, answers at once;
- :mod:`.hydrator` — order id → :class:`OrderRead` (order, products, shipping addresses, coupons,
  transactions, version) to the sink, and new refunds as :class:`RefundRead`;
- :mod:`.poller` — the catch-up poller on ``date_modified``, watermark in ``cursors``;
- :mod:`.failures` — failed hydrations counted per order and version; given up after a limit;
- :mod:`.hooks` — one active hook per scope with the secret header;
- :mod:`.service` — :class:`BigCommerceSource`, all of the above for one store.
"""

from .failures import HydrationFailed, count_failure, given_up, one_line
from .hooks import HookManager
from .hydrator import DeliveryFailed, Hydrator
from .poller import CatchUpPoller, PollResult
from .receiver import REFUND_SCOPE, WebhookAnswer, WebhookJob, WebhookReceiver, job_from_payload, make_receiver
from .service import BigCommerceSource
from .sink import OrderRead, OrderRejected, RefundRead, Sink, UnreadableOrder

__all__ = [
    "REFUND_SCOPE",
    "BigCommerceSource",
    "CatchUpPoller",
    "DeliveryFailed",
    "HookManager",
    "HydrationFailed",
    "Hydrator",
    "OrderRead",
    "OrderRejected",
    "PollResult",
    "RefundRead",
    "Sink",
    "UnreadableOrder",
    "WebhookAnswer",
    "WebhookJob",
    "WebhookReceiver",
    "count_failure",
    "given_up",
    "job_from_payload",
    "make_receiver",
    "one_line",
]
