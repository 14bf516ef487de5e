"""The ``o2c`` command line.

    o2c up | down        start / stop the local Kafka broker and embedded PostgreSQL
    o2c migrate          apply PostgreSQL migrations
    o2c worker           run the Faust worker (flows, sinks, web server)
    o2c run              up + migrate + worker; Ctrl-C stops all of it
    o2c schemas          regenerate the JSON Schema files of the public topics
    o2c exceptions ...   list, show and resolve exceptions
    o2c sandbox bigcommerce|netsuite|bigcommerce-load ...   local API sandboxes and the order generator
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from deploy.local.kafka import KafkaBroker, KafkaJars
from deploy.local.postgres import EmbeddedPostgres
from streams.logs import setup as setup_logging
from streams.settings import Settings, get_settings

log = logging.getLogger("o2c.cli")


def local_kafka(settings: Settings) -> KafkaBroker:
    data = settings.data_dir.resolve()
    return KafkaBroker(data / "kafka", KafkaJars(data / "kafka-libs"), port=settings.kafka_port,
                       controller_port=settings.kafka_controller_port, host=settings.kafka_host,
                       heap=settings.kafka_heap)


def local_postgres(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_dir.resolve() / "postgres", port=settings.pg_port)


def cmd_up(settings: Settings) -> list[str]:
    """Start what is local; return the names of the services this call started."""
    started = []
    if settings.local_kafka:
        t0 = time.monotonic()
        if local_kafka(settings).start():
            started.append("kafka")
        print(f"kafka      {settings.bootstrap}  ready in {time.monotonic() - t0:.1f}s", flush=True)
    else:
        print(f"kafka      {settings.bootstrap}  (external)", flush=True)
    if settings.local_postgres:
        t0 = time.monotonic()
        if local_postgres(settings).start():
            started.append("postgres")
        print(f"postgres   127.0.0.1:{settings.pg_port}/o2c  ready in {time.monotonic() - t0:.1f}s", flush=True)
    else:
        print("postgres   O2C_DATABASE_URL  (external)", flush=True)
    return started


def cmd_down(settings: Settings, only: Sequence[str] = ("kafka", "postgres")) -> None:
    if settings.local_kafka and "kafka" in only:
        local_kafka(settings).stop()
        print("kafka      stopped", flush=True)
    if settings.local_postgres and "postgres" in only:
        local_postgres(settings).stop()
        print("postgres   stopped", flush=True)


async def _migrate(dsn: str) -> list[str]:
    import asyncpg

    from state.migrate import migrate

    conn = await asyncpg.connect(dsn)
    try:
        return [f"{m.version:03d}_{m.name}" for m in await migrate(conn)]
    finally:
        await conn.close()


def cmd_migrate(settings: Settings) -> None:
    applied = asyncio.run(_migrate(settings.dsn))
    print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}", flush=True)


def cmd_worker() -> None:
    from streams.worker import run

    run()


def cmd_run(settings: Settings) -> int:
    """Services, migrations and a worker child process; SIGINT/SIGTERM stop the worker, then the services."""
    started: list[str] = []
    worker: subprocess.Popen[bytes] | None = None
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        started = cmd_up(settings)
        cmd_migrate(settings)
        if stopping:
            return 0
        print(f"worker     http://{settings.web_host}:{settings.web_port}  (/healthz /readyz /metrics); "
              "Ctrl-C stops everything", flush=True)
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=os.environ.copy())
        while worker.poll() is None:
            try:
                worker.wait(timeout=60 if stopping else None)
            except subprocess.TimeoutExpired:
                worker.kill()
        return 0 if stopping else (worker.returncode or 0)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        if started:
            cmd_down(settings, only=started)


async def _exceptions(settings: Settings, args: argparse.Namespace) -> None:
    import asyncpg

    from state import exceptions as store

    conn = await asyncpg.connect(settings.dsn)
    try:
        from state.db import _init_connection

        await _init_connection(conn)
        if args.action == "list":
            for e in await store.list_open(conn, owner=args.owner, kind=args.kind):
                print(f"#{e.id:<6} {e.kind:<18} {e.owner:<16} {e.object_type}:{e.bc_id or e.ns_id or '-'}  "
                      f"x{e.occurrences}  {e.message}")
        elif args.action == "show":
            found = await store.get(conn, args.id)
            if found is None:
                raise SystemExit(f"no exception #{args.id}")
            print(orjson.dumps(found.__dict__, default=str, option=orjson.OPT_INDENT_2).decode())
        elif args.action == "resolve":
            ok = await store.resolve(conn, args.id, by=os.environ.get("USER", "operator"), note=args.note)
            print("resolved" if ok else f"exception #{args.id} is not open")
    finally:
        await conn.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2c", description="BigCommerce <-> NetSuite order-to-cash daemon")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the local Kafka broker and PostgreSQL (reused when running)")
    sub.add_parser("down", help="stop the local Kafka broker and PostgreSQL")
    sub.add_parser("migrate", help="apply PostgreSQL migrations")
    sub.add_parser("worker", help="run the Faust worker")
    sub.add_parser("run", help="up + migrate + worker; Ctrl-C stops all of it")
    schemas = sub.add_parser("schemas", help="regenerate docs/schemas/*.json from the event models")
    schemas.add_argument("--dir", type=Path, default=None)
    exc = sub.add_parser("exceptions", help="list, show or resolve exceptions")
    exc_sub = exc.add_subparsers(dest="action", required=True)
    lst = exc_sub.add_parser("list")
    lst.add_argument("--owner")
    lst.add_argument("--kind")
    show = exc_sub.add_parser("show")
    show.add_argument("id", type=int)
    res = exc_sub.add_parser("resolve")
    res.add_argument("id", type=int)
    res.add_argument("--note")
    sandbox = sub.add_parser("sandbox", help="run a local API sandbox (`o2c sandbox <name> --help`)")
    sandbox.add_argument("name", choices=["bigcommerce", "netsuite", "bigcommerce-load"])
    sandbox.add_argument("args", nargs=argparse.REMAINDER, help="options passed to the sandbox")
    return parser


def cmd_sandbox(name: str, args: list[str]) -> int:
    if name == "bigcommerce":
        from connectors.bigcommerce.sandbox.server import main as bigcommerce_main

        return bigcommerce_main(args)
    if name == "netsuite":
        from connectors.netsuite.sandbox.app import main as netsuite_main

        return netsuite_main(args)
    from connectors.bigcommerce.sandbox.load import main as load_main

    return load_main(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    if args.command != "worker":
        setup_logging(settings.log_level, "console")
    if args.command == "up":
        cmd_up(settings)
    elif args.command == "down":
        cmd_down(settings)
    elif args.command == "migrate":
        cmd_migrate(settings)
    elif args.command == "worker":
        cmd_worker()
    elif args.command == "run":
        return cmd_run(settings)
    elif args.command == "schemas":
        from streams.schemas import SCHEMA_DIR, write

        for path in write(args.dir or SCHEMA_DIR):
            print(path)
    elif args.command == "exceptions":
        asyncio.run(_exceptions(settings, args))
    elif args.command == "sandbox":
        return cmd_sandbox(args.name, args.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
