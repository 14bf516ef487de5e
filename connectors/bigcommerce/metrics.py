"""Prometheus series of the BigCommerce connector (default registry, prefix ``o2c_bigcommerce_``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

QUOTA_LEFT = Gauge(
    "o2c_bigcommerce_quota_left",
    "Requests left in the current quota window, as last reported by BigCommerce",
    ["store"],
)
QUOTA_SIZE = Gauge("o2c_bigcommerce_quota_size", "Requests allowed per quota window", ["store"])
REQUESTS = Counter(
    "o2c_bigcommerce_requests",
    "BigCommerce API responses by endpoint and HTTP status (status 'error' = no response)",
    ["store", "endpoint", "status"],
)
RATE_LIMITED = Counter("o2c_bigcommerce_rate_limited", "429 responses received", ["store", "endpoint"])
LATENCY = Histogram(
    "o2c_bigcommerce_request_seconds",
    "BigCommerce API request latency",
    ["store", "endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PACING_WAIT = Histogram(
    "o2c_bigcommerce_governor_wait_seconds",
    "Time a request waited in the rate-limit governor",
    ["store", "lane"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WAITING = Gauge("o2c_bigcommerce_governor_waiting", "Requests queued in the governor", ["store"])

# --- change source (source/)
WEBHOOKS = Counter(
    "o2c_bigcommerce_webhooks",
    "Webhook deliveries by outcome: accepted, unauthorized, invalid, foreign, ignored, queue_full, duplicate",
    ["store", "outcome"],
)
WEBHOOK_QUEUE = Gauge("o2c_bigcommerce_webhook_queue", "Webhook deliveries waiting for the hydrator", ["store"])
SOURCE_EVENTS = Counter(
    "o2c_bigcommerce_source_events",
    "Events published by the change source, by kind (order, refund) and path (webhook, poll)",
    ["store", "kind", "path"],
)
SOURCE_FAILURES = Counter(
    "o2c_bigcommerce_source_failures", "Hydrations or polls that failed (retried later)", ["store", "stage"]
)
ORDERS_UNREADABLE = Counter(
    "o2c_bigcommerce_orders_unreadable",
    "Order versions given up after O2C_BC_MAX_HYDRATION_FAILURES failed hydrations (order_unreadable exceptions)",
    ["store"],
)
ORDER_ROWS_UNREADABLE = Counter(
    "o2c_bigcommerce_order_rows_unreadable",
    "Orders list rows that failed validation (the rest of the page is read); identified=false: not even "
    "the order id could be read, so the row was left out",
    ["store", "endpoint", "identified"],
)
POLL_LAST_SUCCESS = Gauge(
    "o2c_bigcommerce_poll_last_success_timestamp_seconds",
    "When the catch-up poller last completed a pass (Unix time)",
    ["store"],
)
HOOKS_REPAIRED = Counter(
    "o2c_bigcommerce_hooks_repaired", "Hooks created, re-activated or corrected by o2c", ["store", "action"]
)
