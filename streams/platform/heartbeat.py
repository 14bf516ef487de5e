"""The heartbeat flow: proof that events travel topic → agent → table → topic, end to end.

A timer publishes a heartbeat every ``O2C_HEARTBEAT_INTERVAL`` seconds; the agent counts heartbeats
per origin in a changelog-backed table (so the count survives restarts) and publishes what it saw.
Until the business flows exist, this is what ``make run`` shows flowing.
"""

from __future__ import annotations

import logging
import os
import socket

from streams.contract import Heartbeat, HeartbeatEvent, HeartbeatSeen, HeartbeatSeenEvent, event_id, utcnow
from streams.contract.codec import encode
from streams.platform import supervised
from streams.platform.app import app, settings, topic
from streams.platform.guarded import Decoder, guarded_agent
from streams.platform.metrics import EVENTS_OUT, PIPELINE_LATENCY

log = logging.getLogger(__name__)

heartbeats = topic(HeartbeatEvent.TOPIC)
processed = topic(HeartbeatSeenEvent.TOPIC)
counts = app.Table("heartbeat-counts", default=int, partitions=settings.topic_partitions,
                   key_type=bytes, value_type=int)

ORIGIN = settings.app_id
_SOURCE = f"o2c:{socket.gethostname()}:{os.getpid()}"


@guarded_agent(app, heartbeats, Decoder.model(HeartbeatEvent), name="count_heartbeats")
async def count_heartbeats(beat: HeartbeatEvent) -> None:
    key = beat.key.encode()
    counts[key] += 1
    latency = max((utcnow() - beat.occurred_at).total_seconds(), 0.0)
    PIPELINE_LATENCY.observe(latency)
    seen = HeartbeatSeenEvent.build(
        HeartbeatSeen(origin=beat.payload.origin, seq=beat.payload.seq, count=counts[key],
                      latency_ms=round(latency * 1000, 2)),
        key=beat.key, source=_SOURCE, event_id=event_id("heartbeat.processed", beat.event_id),
    )
    await processed.send(key=key, value=encode(seen))
    EVENTS_OUT.labels(HeartbeatSeenEvent.TOPIC).inc()
    log.info(
        f"heartbeat #{beat.payload.seq} from {beat.payload.origin} flowed through agent and table: "
        f"count={counts[key]} latency={latency * 1000:.1f}ms",
        extra={"origin": beat.payload.origin, "seq": beat.payload.seq, "count": counts[key]},
    )


_seq = 0


async def send_heartbeat() -> None:
    global _seq
    _seq += 1
    beat = HeartbeatEvent.build(Heartbeat(origin=ORIGIN, seq=_seq), key=ORIGIN, source=_SOURCE)
    await heartbeats.send(key=ORIGIN.encode(), value=encode(beat))
    EVENTS_OUT.labels(HeartbeatEvent.TOPIC).inc()


if settings.heartbeat_interval > 0:
    supervised.timer(app, settings.heartbeat_interval, name="send_heartbeat")(send_heartbeat)
