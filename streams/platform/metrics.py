"""Prometheus series of the stream layer (connectors define their own next to their clients)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_IN = Counter("o2c_events_in_total", "Events consumed by o2c agents.", ["topic"])
EVENTS_OUT = Counter("o2c_events_out_total", "Events published by o2c.", ["topic"])
EVENTS_QUARANTINED = Counter(
    "o2c_events_quarantined_total", "Events that failed validation and were quarantined.", ["topic"]
)
EXCEPTIONS_OPEN = Gauge("o2c_exceptions_open", "Open exceptions by kind and owning team.", ["kind", "owner"])
PIPELINE_LATENCY = Histogram(
    "o2c_heartbeat_latency_seconds",
    "Heartbeat sent → processed by the agent (the pipeline's own latency).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LOOP_LAG = Histogram(
    "o2c_event_loop_lag_seconds",
    "How late the worker's event loop runs a callback that is due (a busy loop delays every response).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
EVENT_OUTCOMES = Counter(
    "o2c_event_outcomes_total",
    "Events consumed by o2c agents, by outcome: handled, invalid (set aside) or failed (set aside). Together "
    "with the events waiting on a transient failure they add up to o2c_events_in_total.",
    ["topic", "outcome"],
)
AGENT_RETRIES = Counter(
    "o2c_agent_retries_total", "Attempts of an event repeated after a transient failure (nothing acked).", ["agent"]
)
AGENTS_WAITING = Gauge(
    "o2c_agent_events_waiting", "Events an agent is holding unacked while it waits out a transient failure.",
    ["agent"],
)
TASK_FAILURES = Counter(
    "o2c_task_failures_total", "Timers and background tasks that raised (logged; the worker carried on).", ["task"]
)
