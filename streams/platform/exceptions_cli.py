"""``o2c exceptions list|show|retry|resolve``: the operators' exceptions from the command line.

``list`` pages through every matching exception (keyset paging, no cap) as a table, CSV (with a header)
or JSON (one array, streamed page by page); ``retry`` and ``resolve`` go through the same actions as the
ops page (``streams.platform.exception_actions``), recorded in ``ops_actions`` as ``cli:<login>`` with
source ``cli``; a bulk retry (``--kind`` / ``--owner``) is rate-limited by ``O2C_RETRY_RATE`` (default
``5/s``); ``show`` prints the exception with its history of operator actions.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

import asyncpg
import orjson

from state import exceptions as store
from state import ops_actions
from state.db import create_pool
from streams.platform import exception_actions as actions

PAGE = 500
DEFAULT_RETRY_RATE = "5/s"
LIST_FIELDS = ("id", "status", "kind", "owner", "object_type", "bc_id", "ns_id", "severity", "occurrences",
               "retries", "created_at", "updated_at", "message", "last_retry_note")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``24h`` / ``7d`` / ``30m`` / ``2w`` before now, or an ISO date or timestamp (UTC when it has no zone)."""
    age = _AGE.match(text)
    if age:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[age.group(2)]: float(age.group(1))})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"--since wants an ISO date (2026-12-01), a timestamp or an age "
                                             f"such as 24h or 7d, not {text!r}") from None
        value = datetime(day.year, day.month, day.day)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_rate(text: str) -> float:
    """``5/s``, ``5`` or ``300/m`` → retries per second (positive)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"O2C_RETRY_RATE wants a positive rate such as 5/s or 300/m, not {text!r}")
    per = {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    return float(match.group(1)) / per


def statuses(choice: str | None) -> tuple[str, ...] | None:
    """``--status``: ``None`` (open + retrying), one status, or ``all``."""
    if choice is None:
        return None
    return store.STATUSES if choice == "all" else (choice,)


def actor() -> str:
    try:
        login = os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"cli:{login}"


def row(e: store.StoredException) -> dict[str, Any]:
    """One exception as ``list`` prints it (pure)."""
    values = {name: getattr(e, name) for name in LIST_FIELDS}
    for name in ("created_at", "updated_at"):
        values[name] = values[name].isoformat()
    return values


def table_line(e: store.StoredException) -> str:
    status = "" if e.status == "open" else f" [{e.status}]"
    return (f"#{e.id:<6} {e.kind:<24} {e.owner:<16} {e.object_type}:{e.bc_id or e.ns_id or '-'}  x{e.occurrences}"
            f"{status}  {e.message}")


async def matching(pool: asyncpg.Pool, filters: store.Filters,
                   limit: int | None) -> AsyncIterator[store.StoredException]:
    """Every exception matching ``filters`` by id, a page at a time; at most ``limit`` when given."""
    after_id, given = 0, 0
    while limit is None or given < limit:
        size = PAGE if limit is None else min(PAGE, limit - given)
        page = await store.search(pool, filters, after_id=after_id, limit=size)
        for e in page:
            yield e
        given += len(page)
        if len(page) < size:
            return
        after_id = page[-1].id


async def list_command(pool: asyncpg.Pool, args: argparse.Namespace, out: TextIO) -> int:
    filters = store.Filters(status=statuses(args.status), owner=args.owner, kind=args.kind, since=args.since)
    count = 0
    writer = csv.DictWriter(out, fieldnames=LIST_FIELDS) if args.format == "csv" else None
    if writer:
        writer.writeheader()
    if args.format == "json":
        out.write("[")
    async for e in matching(pool, filters, args.limit):
        if writer:
            writer.writerow(row(e))
        elif args.format == "json":
            out.write(("," if count else "") + "\n" + orjson.dumps(row(e)).decode())
        else:
            out.write(table_line(e) + "\n")
        count += 1
    if args.format == "json":
        out.write("\n]\n")
    elif args.format == "table":
        out.write(f"{count} exception{'s' if count != 1 else ''}\n")
    return 0


async def show_command(pool: asyncpg.Pool, exception_id: int, out: TextIO) -> int:
    found = await store.get(pool, exception_id)
    if found is None:
        out.write(f"There is no exception #{exception_id}.\n")
        return 1
    history = await ops_actions.recent(pool, object_type="exception", object_id=str(exception_id), limit=1000)
    shown = {**found.__dict__, "history": [
        {"at": a.at, "actor": a.actor, "role": a.role, "action": a.action, "note": a.note, "source": a.source}
        for a in reversed(history)]}
    out.write(orjson.dumps(shown, default=str, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


async def retry_command(pool: asyncpg.Pool, args: argparse.Namespace, out: TextIO) -> int:
    if args.id is not None:
        result = await actions.retry(pool, args.id, actor=actor(), role=None, source="cli")
        out.write(result.message + "\n")
        return 0 if result.ok else 1
    if not (args.kind or args.owner):
        out.write("Give an exception id, or --kind and/or --owner to retry all of those that are open.\n")
        return 2
    rate = parse_rate(os.environ.get("O2C_RETRY_RATE", DEFAULT_RETRY_RATE))
    bulk = await actions.retry_many(pool, store.Filters(status=("open",), owner=args.owner, kind=args.kind),
                                    actor=actor(), role=None, source="cli", per_second=rate)
    out.write(bulk.message + "\n")
    return 0


async def resolve_command(pool: asyncpg.Pool, args: argparse.Namespace, out: TextIO) -> int:
    result = await actions.resolve(pool, args.id, actor=actor(), note=args.note, role=None, source="cli")
    out.write(result.message + "\n")
    return 0 if result.ok else 1


async def command(dsn: str, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Run one ``o2c exceptions`` action; returns the exit code."""
    pool = await create_pool(dsn, max_size=2)
    try:
        if args.action == "list":
            return await list_command(pool, args, out)
        if args.action == "show":
            return await show_command(pool, args.id, out)
        if args.action == "retry":
            return await retry_command(pool, args, out)
        return await resolve_command(pool, args, out)
    finally:
        await pool.close()


def add_parser(sub: Any) -> None:
    """``o2c exceptions …`` on the main parser's subparsers."""
    exc = sub.add_parser("exceptions", help="list, show, resolve or retry exceptions")
    exc_sub = exc.add_subparsers(dest="action", required=True)
    lst = exc_sub.add_parser("list", help="every matching exception, oldest first (all pages)")
    lst.add_argument("--status", choices=[*store.STATUSES, "all"], default=None,
                     help="default: open and retrying")
    lst.add_argument("--owner", choices=store.OWNERS)
    lst.add_argument("--kind")
    lst.add_argument("--since", type=parse_since, help="raised since: an ISO date or timestamp, or e.g. 24h, 7d")
    lst.add_argument("--format", choices=["table", "csv", "json"], default="table",
                     help="csv has a header row; json is one array")
    lst.add_argument("--limit", type=int, default=None, help="at most this many (default: all)")
    show = exc_sub.add_parser("show", help="one exception with its history of operator actions")
    show.add_argument("id", type=int)
    res = exc_sub.add_parser("resolve", help="mark it resolved, saying what was done (--note)")
    res.add_argument("id", type=int)
    res.add_argument("--note", required=True, help="what was done about it (kept in the audit trail)")
    retry = exc_sub.add_parser("retry", help="ask o2c to read the object again from its source and retry it; "
                                             "--kind/--owner: every open one of those (O2C_RETRY_RATE per second)")
    retry.add_argument("id", type=int, nargs="?")
    retry.add_argument("--kind")
    retry.add_argument("--owner", choices=store.OWNERS)
