"""An event goes through a real topic, a real Faust agent and table, and out to a real topic."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import asyncpg
import httpx
import orjson

from deploy.local.kafka import KafkaBroker
from streams.contract import Heartbeat, HeartbeatEvent, HeartbeatSeenEvent, SyncExceptionEvent
from streams.contract.codec import decode, encode
from tests.support.kafka import produce, read
from tests.support.worker import WorkerProcess


def beat(origin: str, seq: int) -> tuple[bytes, bytes]:
    event = HeartbeatEvent.build(Heartbeat(origin=origin, seq=seq), key=origin, source="test")
    return origin.encode(), encode(event)


async def seen_counts(kafka: KafkaBroker, origin: str, count: int) -> list[int]:
    records = await read(kafka.bootstrap, HeartbeatSeenEvent.TOPIC, match=lambda r: r.key == origin.encode(),
                         count=count)
    return [decode(HeartbeatSeenEvent, r.value).payload.count for r in records]


async def test_event_flows_through_agent_table_and_out(
    kafka: KafkaBroker, make_worker: Callable[..., WorkerProcess]
) -> None:
    origin = f"test-{uuid.uuid4().hex[:8]}"
    make_worker()
    await produce(kafka.bootstrap, HeartbeatEvent.TOPIC, [beat(origin, i) for i in range(1, 4)])

    assert await seen_counts(kafka, origin, 3) == [1, 2, 3]


async def test_restarted_worker_recovers_table_from_changelog(
    kafka: KafkaBroker, make_worker: Callable[..., WorkerProcess]
) -> None:
    origin = f"test-{uuid.uuid4().hex[:8]}"
    first = make_worker()
    await produce(kafka.bootstrap, HeartbeatEvent.TOPIC, [beat(origin, 1), beat(origin, 2)])
    assert await seen_counts(kafka, origin, 2) == [1, 2]
    assert first.stop() == 0

    second = make_worker()  # same app id: memory store, so the count can only come back from the changelog
    await produce(kafka.bootstrap, HeartbeatEvent.TOPIC, [beat(origin, 3)])

    assert await seen_counts(kafka, origin, 3) == [1, 2, 3], second.log_tail()


async def test_malformed_event_is_quarantined_and_the_stream_goes_on(
    kafka: KafkaBroker, make_worker: Callable[..., WorkerProcess], worker_env: dict[str, str]
) -> None:
    origin = f"test-{uuid.uuid4().hex[:8]}"
    make_worker()
    bad = orjson.dumps({"event_id": "x", "type": "o2c.heartbeat", "payload": {"seq": "not a number"}})
    await produce(kafka.bootstrap, HeartbeatEvent.TOPIC, [(origin.encode(), bad), beat(origin, 1)])

    assert await seen_counts(kafka, origin, 1) == [1]
    published = await read(kafka.bootstrap, SyncExceptionEvent.TOPIC, match=lambda r: r.key == origin.encode(),
                           count=1)
    exception = decode(SyncExceptionEvent, published[0].value).payload
    assert exception.kind == "invalid_event"
    assert exception.owner == "engineering"
    assert "could not be read" in exception.message

    conn = await asyncpg.connect(worker_env["O2C_DATABASE_URL"])
    try:
        row = await conn.fetchrow("SELECT owner, status, payload::text AS payload FROM exceptions "
                                  "WHERE kind = 'invalid_event' AND bc_id = $1", origin)
    finally:
        await conn.close()
    assert row is not None
    assert (row["owner"], row["status"]) == ("engineering", "open")
    assert orjson.loads(row["payload"])["value"] == bad.decode()


async def test_health_readiness_and_metrics_answer(
    kafka: KafkaBroker, make_worker: Callable[..., WorkerProcess]
) -> None:
    worker = make_worker()
    origin = f"test-{uuid.uuid4().hex[:8]}"
    await produce(kafka.bootstrap, HeartbeatEvent.TOPIC, [beat(origin, 1)])
    assert await seen_counts(kafka, origin, 1) == [1]

    async with httpx.AsyncClient(base_url=worker.url) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "phase": "ready"})
    assert metrics.status_code == 200
    assert 'o2c_events_in_total{topic="o2c.heartbeat"}' in metrics.text
    assert "o2c_heartbeat_latency_seconds_count" in metrics.text
    lag_probes = [line for line in metrics.text.splitlines() if line.startswith("o2c_event_loop_lag_seconds_count")]
    assert lag_probes and float(lag_probes[0].split()[-1]) > 0, "the event-loop lag probe has not run"
