"""The migration runner on a fresh and on an up-to-date database (real PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from state.migrate import MigrationError, discover, migrate, pending


async def test_fresh_database_gets_every_migration(fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        assert [m.version for m in await pending(conn)] == [m.version for m in discover()]
        applied = await migrate(conn)
        assert [m.version for m in applied] == [m.version for m in discover()]
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"schema_migrations", "sync_ledger", "exceptions", "cursors"} <= tables
        assert await pending(conn) == []
    finally:
        await conn.close()


async def test_up_to_date_database_is_left_alone(migrated_db: str) -> None:
    conn = await asyncpg.connect(migrated_db)
    try:
        before = await conn.fetch("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        assert await migrate(conn) == []
        after = await conn.fetch("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        assert before == after
    finally:
        await conn.close()


async def test_edited_migration_is_refused(fresh_db: str, tmp_path: Path) -> None:
    (tmp_path / "001_first.sql").write_text("CREATE TABLE t1 (id int);")
    conn = await asyncpg.connect(fresh_db)
    try:
        await migrate(conn, tmp_path)
        (tmp_path / "001_first.sql").write_text("CREATE TABLE t1 (id bigint);")
        with pytest.raises(MigrationError, match="edited after it was applied"):
            await migrate(conn, tmp_path)
    finally:
        await conn.close()


async def test_failing_migration_rolls_back_alone(fresh_db: str, tmp_path: Path) -> None:
    (tmp_path / "001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    conn = await asyncpg.connect(fresh_db)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await migrate(conn, tmp_path)
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        assert versions == [1]
        assert await conn.fetchval("SELECT to_regclass('half')") is None
    finally:
        await conn.close()


def test_gaps_in_numbering_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        discover(tmp_path)
