"""``o2c ops``: run the ops page; ``o2c ops hash-password``: an argon2 hash for the users list."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from streams.ops.auth import UsersError, hash_password


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2c ops", description="The ops page (settings: O2C_OPS_*, "
                                     "docs/ops-page.md).")
    sub = parser.add_subparsers(dest="action")
    sub.add_parser("serve", help="run the page (the default)")
    sub.add_parser("hash-password", help="print an argon2id hash of a password read from stdin or a prompt")
    return parser


def read_password() -> str:
    """From the terminal without echo (asked twice), or the first line of stdin when it is piped."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("o2c ops: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def serve() -> int:
    from streams.ops.server import serve as run_server
    from streams.ops.settings import OpsSettings
    from streams.platform.logs import register_secrets
    from streams.platform.settings import get_settings

    try:
        settings = OpsSettings()  # session_secret comes from the environment (pydantic raises without it)
    except ValidationError as exc:
        problems = "; ".join(f"O2C_OPS_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"o2c ops: {problems}", file=sys.stderr)
        return 2
    platform = get_settings()
    register_secrets([settings.session_secret.get_secret_value(), *platform.secrets()])
    loop = asyncio.new_event_loop()
    main = loop.create_task(run_server(settings, platform.dsn))
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    try:
        loop.run_until_complete(main)
    except UsersError as exc:
        print(f"o2c ops: {exc}", file=sys.stderr)
        return 2
    except asyncio.CancelledError:
        pass
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.action == "hash-password":
        password = read_password()
        if not password:
            print("o2c ops: the password is empty", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    return serve()
