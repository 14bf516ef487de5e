"""Platform benchmark: broker cold start, then heartbeat events through a real agent and table.

    .venv/bin/python -m bench.pipeline [--events 20000]

Prints: Kafka cold start (format + start + admin/coordinator ready), warm restart, PostgreSQL start,
worker start to ready, events/s through the agent (produce → table → output topic read back),
end-to-end latency percentiles, and the jar cache size. Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from deploy.local.kafka import KafkaBroker, KafkaJars
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port
from state.migrate import migrate
from streams.contract import Heartbeat, HeartbeatEvent, HeartbeatSeenEvent
from streams.contract.codec import decode, encode
from tests.support.worker import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


async def _pipeline(bootstrap: str, events: int) -> tuple[float, list[float]]:
    origin = f"bench-{uuid.uuid4().hex[:6]}"
    consumer = AIOKafkaConsumer(HeartbeatSeenEvent.TOPIC, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="latest")
    await consumer.start()
    await consumer.getmany(timeout_ms=500)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, enable_idempotence=True)
    await producer.start()
    started = time.monotonic()
    for seq in range(1, events + 1):
        beat = HeartbeatEvent.build(Heartbeat(origin=origin, seq=seq), key=origin, source="bench")
        await producer.send(HeartbeatEvent.TOPIC, key=origin.encode(), value=encode(beat))
    await producer.flush()
    latencies: list[float] = []
    while len(latencies) < events and time.monotonic() - started < 600:
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            for record in records:
                if record.key == origin.encode():
                    latencies.append(decode(HeartbeatSeenEvent, record.value).payload.latency_ms)
    elapsed = time.monotonic() - started
    await producer.stop()
    await consumer.stop()
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    jars = KafkaJars(ROOT / ".local" / "kafka-libs")
    t0 = time.monotonic()
    jars.ensure()
    print(f"kafka jars           {_size_mb(jars.libs):.1f} MB ({len(list(jars.libs.glob('*.jar')))} jars), "
          f"ensure took {time.monotonic() - t0:.2f}s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        broker = KafkaBroker(root / "kafka", jars, port=free_port(), controller_port=free_port())
        pg = EmbeddedPostgres(root / "pg", port=free_port())
        try:
            t0 = time.monotonic()
            broker.start()
            print(f"kafka cold start     {time.monotonic() - t0:.2f}s (format + start + admin and coordinator ready)")
            broker.stop()
            t0 = time.monotonic()
            broker.start()
            print(f"kafka warm restart   {time.monotonic() - t0:.2f}s")
            t0 = time.monotonic()
            pg.start()
            print(f"postgres cold start  {time.monotonic() - t0:.2f}s (initdb + start)")

            async def prepare() -> None:
                conn = await asyncpg.connect(pg.dsn)
                await migrate(conn)
                await conn.close()

            asyncio.run(prepare())
            env = {"O2C_SANDBOX_MODE": "true", "O2C_APP_ID": f"bench-{uuid.uuid4().hex[:6]}",
                   "O2C_KAFKA_BOOTSTRAP": broker.bootstrap,
                   "O2C_DATABASE_URL": pg.dsn, "O2C_DATA_DIR": str(root / "data"), "O2C_TOPIC_PARTITIONS": "4",
                   "O2C_HEARTBEAT_INTERVAL": "0", "O2C_LOG_LEVEL": "warning"}
            t0 = time.monotonic()
            worker = WorkerProcess(env=env, log_path=root / "worker.log").start()
            print(f"worker ready         {time.monotonic() - t0:.2f}s")
            elapsed, latencies = asyncio.run(_pipeline(broker.bootstrap, args.events))
            worker.stop()
            q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
            print(f"pipeline             {len(latencies)}/{args.events} events in {elapsed:.2f}s = "
                  f"{len(latencies) / elapsed:.0f} events/s through agent + table")
            print(f"latency (ms)         p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}")
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    main()
