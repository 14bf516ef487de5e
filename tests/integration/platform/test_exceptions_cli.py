"""``o2c exceptions`` against a real PostgreSQL: paging past 100, filters, CSV/JSON, bulk retry, history."""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import asyncpg
import orjson
import pytest

from state import exceptions as store
from state.db import create_pool
from streams.platform import exceptions_cli


@pytest.fixture
async def pool(migrated_db: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db)
    yield pool
    await pool.close()


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="o2c")
    exceptions_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["exceptions", *argv])


async def run(dsn: str, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await exceptions_cli.command(dsn, parse(*argv), out)
    return code, out.getvalue()


async def seed(pool: asyncpg.Pool, n: int, kind: str = "invalid_event",
               owner: store.Owner = "engineering") -> list[int]:
    return [await store.record(pool, store.NewException(kind=kind, object_type="order", owner=owner,
                                                        message=f"{kind}, number {i}", bc_id=f"{kind}-{i}"))
            for i in range(n)]


async def test_list_pages_through_everything_with_filters_and_formats(pool: asyncpg.Pool, migrated_db: str) -> None:
    ids = await seed(pool, 130)
    others = await seed(pool, 3, kind="missing_sku", owner="operations")
    await store.resolve(pool, others[0], by="ann", note="done")

    code, table = await run(migrated_db, "list")
    assert code == 0 and table.strip().endswith("132 exceptions")
    assert len(table.splitlines()) == 133

    _, text = await run(migrated_db, "list", "--kind", "invalid_event", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == ids and rows[0]["status"] == "open" and rows[0]["owner"] == "engineering"

    _, text = await run(migrated_db, "list", "--owner", "operations", "--status", "all", "--format", "json")
    listed = orjson.loads(text)
    assert [x["id"] for x in listed] == others and listed[0]["status"] == "resolved"
    _, text = await run(migrated_db, "list", "--status", "resolved", "--format", "json")
    assert [x["id"] for x in orjson.loads(text)] == [others[0]]
    _, text = await run(migrated_db, "list", "--limit", "101", "--format", "json")
    assert len(orjson.loads(text)) == 101
    _, text = await run(migrated_db, "list", "--since", "1h", "--format", "json")
    assert len(orjson.loads(text)) == 132
    _, text = await run(migrated_db, "list", "--since", "2999-01-01", "--format", "json")
    assert orjson.loads(text) == []


async def test_bulk_retry_is_rate_limited_and_counted(pool: asyncpg.Pool, migrated_db: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    retryable = await seed(pool, 6)
    await seed(pool, 2, kind="missing_sku")  # engineering-owned here, refused: o2c does not retry them
    monkeypatch.setenv("O2C_RETRY_RATE", "20/s")
    started = time.monotonic()
    code, text = await run(migrated_db, "retry", "--owner", "engineering")
    assert code == 0 and time.monotonic() - started >= 0.25  # 6 at 20/s: at least 5 gaps of 0.05 s
    assert text.strip() == ("6 retry requested, 2 refused (o2c does not retry their kind: fix the cause, then "
                            "resolve them), 0 skipped (not open)")
    assert {(await store.get(pool, i)).status for i in retryable} == {"retrying"}  # type: ignore[union-attr]
    code, text = await run(migrated_db, "retry", "--kind", "invalid_event")
    assert text.startswith("0 retry requested")  # already retrying: not open, so not matched
    assert (await run(migrated_db, "retry"))[0] == 2


async def test_retry_resolve_and_show_history(pool: asyncpg.Pool, migrated_db: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "bea")
    [held] = await seed(pool, 1, kind="missing_sku", owner="operations")
    code, text = await run(migrated_db, "retry", str(held))
    assert code == 1 and "fix the cause, then resolve it" in text
    with pytest.raises(SystemExit):
        parse("resolve", str(held))  # --note is required
    code, text = await run(migrated_db, "resolve", str(held), "--note", "item created in NetSuite")
    assert code == 0 and "resolved" in text
    [event] = await seed(pool, 1, kind="processing_failed")
    assert (await run(migrated_db, "retry", str(event)))[0] == 0
    assert await store.retry_outcome(pool, event, resolved=False, note="failed again: same defect")

    _, text = await run(migrated_db, "show", str(event))
    shown = orjson.loads(text)
    assert (shown["status"], shown["retries"], shown["last_retry_note"]) == ("open", 1, "failed again: same defect")
    assert [(h["action"], h["actor"], h["source"]) for h in shown["history"]] == [("retry", "cli:bea", "cli")]
    _, text = await run(migrated_db, "show", str(held))
    history = orjson.loads(text)["history"]
    assert [(h["action"], h["note"]) for h in history] == [("resolve", "item created in NetSuite")]
    assert (await run(migrated_db, "show", "999999"))[0] == 1


def test_the_o2c_command_is_wired(migrated_db: str) -> None:
    env = {**os.environ, "O2C_DATABASE_URL": migrated_db}
    done = subprocess.run([sys.executable, "-m", "streams.cli", "exceptions", "list", "--format", "json"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout) == []
