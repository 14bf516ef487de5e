"""The ``o2c`` command line.

    o2c up | down        start / stop the local Kafka broker and embedded PostgreSQL
    o2c migrate          apply PostgreSQL migrations
    o2c worker           run the Faust worker (flows, sinks, web server)
    o2c run              up + migrate + worker; Ctrl-C stops all of it
    o2c schemas          regenerate the JSON Schema files of the public topics
    o2c exceptions ...   list, show, resolve and retry exceptions
    o2c payouts ...      list, show and reconcile gateway payouts
    o2c audit [CHECK ...] compare BigCommerce and NetSuite (orders, customers, items, stock, ...), report the drift
    o2c ops              the ops page (O2C_OPS_*); `o2c ops hash-password` hashes a password for its users
    o2c inventory resync compare BigCommerce stock with NetSuite's buffered aggregate, push the differences
    o2c prices resync    compare BigCommerce's price lists with NetSuite's prices, write the differences
    o2c sandbox bigcommerce|netsuite|stripe ... local API sandboxes
    o2c sandbox stripe-payouts ...              the demo's gateway: BigCommerce payments → Stripe payouts
    o2c sandbox bigcommerce-refunds ...         the demo's refund desk: a BigCommerce refund every N seconds
    o2c sandbox bigcommerce-load ...            the order generator
    o2c sandbox netsuite-warehouse ...          warehouse actions (fulfil, stock, receive a return)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from deploy.local.kafka import KafkaBroker, KafkaJars
from deploy.local.kafka.broker import KafkaStartError
from deploy.local.postgres import EmbeddedPostgres
from streams.platform.logs import setup as setup_logging
from streams.platform.settings import ConfigurationError, Settings, get_settings

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
        jars = local_kafka(settings).jars
        if not jars.present():
            print(f"kafka jars not in {jars.libs.resolve()} yet: fetching them with Maven (once; a minute or two, "
                  "~/.m2 keeps them)", flush=True)
            t0 = time.monotonic()
            jars.ensure()
            print(f"kafka jars fetched in {time.monotonic() - t0:.0f}s", flush=True)
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


def cmd_run(settings: Settings, *, demo: bool = False, demo_rate: float = 2.0) -> int:
    """Services, migrations, then the worker (and in demo mode the sandboxes, a load and a live summary).

    Every child runs in this process group; SIGINT/SIGTERM stop the children, then the services this
    call started. Returns the worker's exit code (0 after a requested stop).
    """
    started: list[str] = []
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    env = os.environ.copy()
    if demo:
        # The sandboxes start empty every time, so the demo's Kafka and PostgreSQL do too: state from an
        # earlier demo (links to records the new sandboxes never had) would only confuse it.
        settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve() / "demo"})
        local_kafka(settings).stop()
        local_postgres(settings).stop()
        shutil.rmtree(settings.data_dir / "kafka", ignore_errors=True)
        shutil.rmtree(settings.data_dir / "postgres", ignore_errors=True)
        shutil.rmtree(settings.data_dir / "faust", ignore_errors=True)
        # the jars are shared with the normal stack (fetched by `cmd_up` if they are not there yet)
        KafkaJars(settings.data_dir.parent / "kafka-libs").linked_at(settings.data_dir / "kafka-libs")
        env["O2C_DATA_DIR"] = str(settings.data_dir)
    try:
        started = cmd_up(settings)
        cmd_migrate(settings)
        if demo:
            from streams.platform import demo as demo_mode

            shutil.rmtree(demo_mode.paypal_folder(settings), ignore_errors=True)  # an earlier demo's files
            Path(demo_mode.paypal_folder(settings)).mkdir(parents=True, exist_ok=True)
            for command in demo_mode.sandbox_commands(settings):
                children.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, preexec_fn=_ignore_sigint))
            env.update({k: v for k, v in demo_mode.worker_env(settings).items() if k not in os.environ})
            print(f"sandboxes  BigCommerce http://127.0.0.1:{settings.demo_bigcommerce_port}  "
                  f"NetSuite http://127.0.0.1:{settings.demo_netsuite_port}  "
                  f"Stripe http://127.0.0.1:{settings.demo_stripe_port}", flush=True)
        if stopping:
            return 0
        print(f"worker     http://{settings.web_host}:{settings.web_port}  (/healthz /readyz /metrics); "
              f"webhooks http://{settings.webhook_host}:{settings.webhook_port}/webhooks/…; Ctrl-C stops everything",
              flush=True)
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env)
        children.append(worker)
        if demo:
            children.append(subprocess.Popen(demo_mode.load_command(settings, demo_rate), stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL, preexec_fn=_ignore_sigint))
            children.append(subprocess.Popen(demo_mode.gateway_command(settings), stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL, preexec_fn=_ignore_sigint))
            children.append(subprocess.Popen(demo_mode.refunds_command(settings), stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL, preexec_fn=_ignore_sigint))
            print(f"demo load  {demo_rate:g} orders/s into the BigCommerce sandbox; a summary every 5 s", flush=True)
            _supervise_with_summary(settings, worker, lambda: stopping)
        else:
            while worker.poll() is None and not stopping:
                time.sleep(0.5)
        return 0 if stopping else (worker.returncode or 0)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop_children(children)
        if started:
            cmd_down(settings, only=started)


def _supervise_with_summary(settings: Settings, worker: subprocess.Popen[bytes], stopping: Callable[[], bool]) -> None:
    from streams.platform.demo import print_summaries

    async def watch() -> None:
        printer = asyncio.create_task(print_summaries(settings))
        try:
            # polling a child process and a signal flag: there is no event to wait on
            while worker.poll() is None and not stopping():  # noqa: ASYNC110
                await asyncio.sleep(0.5)
        finally:
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await printer

    asyncio.run(watch())


def _ignore_sigint() -> None:
    """In a sandbox or the load (before exec): a terminal's Ctrl-C reaches o2c run and the worker only.

    o2c run then stops them in order (``_stop_children``), so the worker finishes the writes it has in
    flight while the sandboxes still answer, instead of retrying against a sandbox that is gone.
    Python keeps an ignored SIGINT ignored after exec; SIGTERM still stops them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_children(children: list[subprocess.Popen[bytes]], timeout: float = 60.0) -> None:
    """Stop the children one at a time, last started first (load, worker, sandboxes): SIGTERM, then
    SIGKILL for any still alive when the shared ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2c", description="BigCommerce <-> NetSuite order-to-cash daemon")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the local Kafka broker and PostgreSQL (reused when running)")
    sub.add_parser("down", help="stop the local Kafka broker and PostgreSQL")
    sub.add_parser("migrate", help="apply PostgreSQL migrations")
    sub.add_parser("worker", help="run the Faust worker")
    run = sub.add_parser("run", help="up + migrate + worker; Ctrl-C stops all of it")
    run.add_argument("--demo", action="store_true",
                     help="also run both sandboxes, a demo order load and print a live summary")
    run.add_argument("--demo-rate", type=float, default=2.0, help="demo orders per second")
    schemas = sub.add_parser("schemas", help="regenerate docs/schemas/*.json from the event models")
    schemas.add_argument("--dir", type=Path, default=None)
    from streams.platform import exceptions_cli

    exceptions_cli.add_parser(sub)
    inventory = sub.add_parser("inventory", help="inventory operations (`o2c inventory resync`)")
    inventory_sub = inventory.add_subparsers(dest="action", required=True)
    resync = inventory_sub.add_parser("resync", help="compare BigCommerce with NetSuite's buffered aggregate, "
                                      "push only the differences and print the drift found")
    resync.add_argument("--dry-run", action="store_true", help="report the drift without pushing anything")
    resync.add_argument("--limit", type=int, default=200, help="drifted SKUs listed in the report")
    prices = sub.add_parser("prices", help="B2B price operations (`o2c prices resync`)")
    prices_sub = prices.add_subparsers(dest="action", required=True)
    prices_resync = prices_sub.add_parser("resync", help="compare BigCommerce's price lists with NetSuite's prices, "
                                          "write only the differences and print the drift by list")
    prices_resync.add_argument("--dry-run", action="store_true", help="report the drift without writing anything")
    payouts = sub.add_parser("payouts", help="gateway payouts: list, show ID, reconcile ID")
    payouts_sub = payouts.add_subparsers(dest="action", required=True)
    payouts_list = payouts_sub.add_parser("list", help="the latest payouts with their journal entry and residual")
    payouts_list.add_argument("--limit", type=int, default=50)
    for name, text in (("show", "gross, refunds, disputes, fees, net, matches and the clearing residual"),
                       ("reconcile", "reconcile the payout again now and print the report")):
        one = payouts_sub.add_parser(name, help=text)
        one.add_argument("id", help="payout id (po_…), or gateway:id")
    from streams.audit.cli import add_parser as add_audit_parser

    add_audit_parser(sub)
    ops = sub.add_parser("ops", help="the ops page (`o2c ops`, `o2c ops hash-password`; docs/ops-page.md)")
    ops.add_argument("args", nargs=argparse.REMAINDER, help="serve (default) or hash-password")
    sandbox = sub.add_parser("sandbox", help="run a local API sandbox (`o2c sandbox <name> --help`)")
    sandbox.add_argument("name", choices=["bigcommerce", "netsuite", "stripe", "bigcommerce-load",
                                          "netsuite-warehouse", "stripe-payouts", "bigcommerce-refunds"])
    sandbox.add_argument("args", nargs=argparse.REMAINDER, help="options passed to the sandbox")
    return parser


def cmd_sandbox(name: str, args: list[str]) -> int:
    if name == "bigcommerce-refunds":
        from connectors.bigcommerce.sandbox.demo_refunds import main as refunds_main

        return refunds_main(args)
    if name == "stripe-payouts":
        from connectors.payments.stripe.sandbox.demo_payouts import main as payouts_main

        return payouts_main(args)
    if name == "stripe":
        from connectors.payments.stripe.sandbox.server import main as stripe_main

        return stripe_main(args)
    if name == "bigcommerce":
        from connectors.bigcommerce.sandbox.server import main as bigcommerce_main

        return bigcommerce_main(args)
    if name == "netsuite":
        from connectors.netsuite.sandbox.app import main as netsuite_main

        return netsuite_main(args)
    if name == "netsuite-warehouse":
        from connectors.netsuite.sandbox.warehouse import main as warehouse_main

        return warehouse_main(args)
    from connectors.bigcommerce.sandbox.load import main as load_main

    return load_main(args)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except (KafkaStartError, ConfigurationError) as exc:  # a plain sentence (what to do), not a traceback
        print(f"o2c: {exc}", file=sys.stderr, flush=True)
        return 1


def _main(argv: Sequence[str] | None = None) -> int:
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
        return cmd_run(settings, demo=args.demo, demo_rate=args.demo_rate)
    elif args.command == "schemas":
        from streams.contract.schemas import SCHEMA_DIR, write

        for path in write(args.dir or SCHEMA_DIR):
            print(path)
    elif args.command == "exceptions":
        from streams.platform.exceptions_cli import command as exceptions_command

        return asyncio.run(exceptions_command(settings.dsn, args))
    elif args.command == "inventory":
        from streams.inventory.cli import resync_command

        return asyncio.run(resync_command(settings, dry_run=args.dry_run, limit=args.limit))
    elif args.command == "prices":
        from streams.prices.cli import resync_command as prices_resync_command

        return asyncio.run(prices_resync_command(settings, dry_run=args.dry_run))
    elif args.command == "payouts":
        from streams.cash.cli import payouts_command

        return asyncio.run(payouts_command(settings, args.action, getattr(args, "id", None),
                                           getattr(args, "limit", 50)))
    elif args.command == "audit":
        from streams.audit.cli import audit_command

        return asyncio.run(audit_command(settings, args))
    elif args.command == "ops":
        from streams.ops.cli import main as ops_main

        return ops_main(args.args)
    elif args.command == "sandbox":
        return cmd_sandbox(args.name, args.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
