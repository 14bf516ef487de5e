"""B2B prices stores (migration 013): price lists per level, the records as they should be and as written,
customers' groups, and resync reports.

A record is *dirty* while ``version <> sent_version``: every change of what it should be takes a new
version, the writer leases a batch, writes it and records the version it wrote, so a change made
meanwhile stays dirty. Coalescing is free: ten changes of one record before the writer comes by are
one row, written once with the latest value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from state.db import Executor

_DIRTY = "sent_version IS DISTINCT FROM version AND status = 'ok'"


@dataclass(frozen=True)
class RecordRow:
    """What a record of a level should be (``price`` None: no record); ``problem``: it cannot be written."""

    level_key: str
    currency: str
    price: Decimal | None
    tiers: list[dict[str, Any]]
    problem: str | None = None


@dataclass(frozen=True)
class Leased:
    """A dirty record the writer holds for one write."""

    level_key: str
    sku: str
    currency: str
    price: Decimal | None
    tiers: list[dict[str, Any]]
    version: int


@dataclass(frozen=True)
class BcRecord:
    """A record as BigCommerce holds it, its tiers in the same JSON form as ``RecordRow.tiers``."""

    sku: str
    currency: str
    price: Decimal
    tiers: list[dict[str, Any]]


# ------------------------------------------------------------------ price lists


async def save_list(conn: Executor, store_hash: str, level_key: str, price_list_id: int, name: str) -> None:
    await conn.execute(
        """INSERT INTO price_lists (store_hash, level_key, price_list_id, name) VALUES ($1, $2, $3, $4)
           ON CONFLICT (store_hash, level_key) DO UPDATE SET price_list_id = EXCLUDED.price_list_id,
               name = EXCLUDED.name, updated_at = now()""",
        store_hash, level_key, price_list_id, name,
    )


async def load_lists(conn: Executor, store_hash: str) -> dict[str, tuple[int, str]]:
    rows = await conn.fetch("SELECT level_key, price_list_id, name FROM price_lists WHERE store_hash = $1",
                            store_hash)
    return {r["level_key"]: (int(r["price_list_id"]), r["name"]) for r in rows}


# ------------------------------------------------------------------ records as they should be


async def store_wanted(conn: Executor, store_hash: str, sku: str, rows: Sequence[RecordRow],
                       source_modified: datetime) -> int | None:
    """Store an item's records as they should be; returns how many now need writing, None when this version
    of the item is older than the one stored (``source_modified``): it changes nothing. A record that cannot be
    written keeps what was last wanted and is set aside (status ``invalid``); a new record that should
    not exist is stored as already written (nothing to delete).
    """
    result = await conn.fetchrow(
        """WITH incoming AS (
               SELECT u.level_key, u.currency, u.price, u.tiers::jsonb AS tiers, u.status,
                      nextval('price_record_versions') AS v
               FROM unnest($3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[])
                    AS u(level_key, currency, price, tiers, status)),
           changed AS (
               INSERT INTO price_records AS p (store_hash, level_key, sku, currency, price, tiers, status,
                                               source_modified, version, sent_version)
               SELECT $1, i.level_key, $2, i.currency, i.price, i.tiers, i.status, $8, i.v,
                      CASE WHEN i.price IS NULL THEN i.v END
               FROM incoming i
               ON CONFLICT (store_hash, level_key, sku, currency) DO UPDATE SET
                   price = CASE WHEN EXCLUDED.status = 'invalid' THEN p.price ELSE EXCLUDED.price END,
                   tiers = CASE WHEN EXCLUDED.status = 'invalid' THEN p.tiers ELSE EXCLUDED.tiers END,
                   status = EXCLUDED.status,
                   source_modified = EXCLUDED.source_modified,
                   version = CASE WHEN EXCLUDED.status = 'ok' AND (p.status <> 'ok'
                                       OR (p.price, p.tiers) IS DISTINCT FROM (EXCLUDED.price, EXCLUDED.tiers))
                                  THEN EXCLUDED.version ELSE p.version END,
                   updated_at = now()
               WHERE EXCLUDED.source_modified >= p.source_modified
               RETURNING p.version, p.sent_version, p.status)
           SELECT count(*) AS stored,
                  count(*) FILTER (WHERE sent_version IS DISTINCT FROM version AND status = 'ok') AS dirty
           FROM changed""",
        store_hash, sku, [r.level_key for r in rows], [r.currency for r in rows], [r.price for r in rows],
        [orjson.dumps(r.tiers).decode() for r in rows], ["invalid" if r.problem else "ok" for r in rows],
        source_modified,
    )
    assert result is not None
    if rows and not result["stored"]:
        return None
    return int(result["dirty"])


async def dirty_count(conn: Executor, store_hash: str) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM price_records WHERE store_hash = $1 AND {_DIRTY}",
                                   store_hash) or 0)


async def lease_dirty(conn: Executor, store_hash: str, *, limit: int, owner: str = "", lease_seconds: float = 120.0,
                      paused: Sequence[str] = (), settle_seconds: float = 0.0,
                      max_wait_seconds: float = 0.0) -> list[Leased]:
    """Lease up to ``limit`` dirty records of one level, all upserts or all deletions, oldest change first.

    While the level's records keep changing (its newest change is younger than ``settle_seconds``) only a
    full batch is leased, until the oldest change has waited ``max_wait_seconds``: a burst goes out in
    batches of ``limit``, a lone change after ``settle_seconds``. Leased rows are skipped by other writers
    (also in other processes) until written or the lease ends.
    """
    free = f"store_hash = $1 AND {_DIRTY} AND (lease_until IS NULL OR lease_until < now()) " \
           "AND NOT (level_key = ANY($2::text[]))"
    first = await conn.fetchrow(
        f"""SELECT level_key, price IS NULL AS deleting, updated_at < now() - make_interval(secs => $3) AS overdue
            FROM price_records WHERE {free} ORDER BY version LIMIT 1""",
        store_hash, list(paused), max_wait_seconds,
    )
    if first is None:
        return []
    if not first["overdue"]:
        ready = await conn.fetchrow(
            f"""SELECT (SELECT count(*) FROM (SELECT 1 FROM price_records WHERE {free} AND level_key = $3
                                              AND (price IS NULL) = $4 LIMIT $5) AS batch) AS ready,
                       (SELECT updated_at < now() - make_interval(secs => $6) FROM price_records
                        WHERE {free} AND level_key = $3 ORDER BY version DESC LIMIT 1) AS quiet""",
            store_hash, list(paused), first["level_key"], first["deleting"], limit, settle_seconds)
        if ready is not None and ready["ready"] < limit and not ready["quiet"]:
            return []  # changes are still arriving: wait for a full batch (or quiet, or the longest wait)
    rows = await conn.fetch(
        f"""WITH picked AS (
                SELECT store_hash, level_key, sku, currency FROM price_records
                WHERE {free} AND level_key = $3 AND (price IS NULL) = $4
                ORDER BY version LIMIT $5 FOR UPDATE SKIP LOCKED)
            UPDATE price_records p SET lease_until = now() + make_interval(secs => $6), lease_owner = $7
            FROM picked WHERE (p.store_hash, p.level_key, p.sku, p.currency)
                            = (picked.store_hash, picked.level_key, picked.sku, picked.currency)
            RETURNING p.level_key, p.sku, p.currency, p.price, p.tiers, p.version""",
        store_hash, list(paused), first["level_key"], first["deleting"], limit, lease_seconds, owner,
    )
    return [Leased(r["level_key"], r["sku"], r["currency"], r["price"], list(r["tiers"]), int(r["version"]))
            for r in rows]


async def release_others(conn: Executor, store_hash: str, owner: str) -> int:
    """Leases of other writers given back (a writer that starts as the only one: theirs died with them)."""
    result: str = await conn.execute(
        """UPDATE price_records SET lease_until = NULL, lease_owner = NULL
           WHERE store_hash = $1 AND lease_until IS NOT NULL AND lease_owner IS DISTINCT FROM $2""",
        store_hash, owner,
    )
    return int(result.split()[-1])


async def mark_written(conn: Executor, store_hash: str, records: Sequence[Leased]) -> None:
    """These records are in BigCommerce as leased: their version is the one written."""
    await conn.execute(
        """UPDATE price_records p SET sent_version = u.version, lease_until = NULL, updated_at = now()
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(level_key, sku, currency, version)
           WHERE (p.store_hash, p.level_key, p.sku, p.currency) = ($1, u.level_key, u.sku, u.currency)""",
        store_hash, [r.level_key for r in records], [r.sku for r in records], [r.currency for r in records],
        [r.version for r in records],
    )


async def release(conn: Executor, store_hash: str, records: Sequence[Leased]) -> None:
    """Give leased records back unwritten (a write that failed for now)."""
    await conn.execute(
        """UPDATE price_records p SET lease_until = NULL
           FROM unnest($2::text[], $3::text[], $4::text[]) AS u(level_key, sku, currency)
           WHERE (p.store_hash, p.level_key, p.sku, p.currency) = ($1, u.level_key, u.sku, u.currency)""",
        store_hash, [r.level_key for r in records], [r.sku for r in records], [r.currency for r in records],
    )


async def mark_rejected(conn: Executor, store_hash: str, record: Leased) -> None:
    """BigCommerce refused this record: not written again until NetSuite changes it or an operator retries."""
    await conn.execute(
        """UPDATE price_records SET status = 'rejected', lease_until = NULL, updated_at = now()
           WHERE (store_hash, level_key, sku, currency) = ($1, $2, $3, $4) AND version = $5""",
        store_hash, record.level_key, record.sku, record.currency, record.version,
    )


async def retry_rejected(conn: Executor, store_hash: str, level_key: str, sku: str, currency: str) -> bool:
    """An operator's retry: a rejected record is written again."""
    result: str = await conn.execute(
        """UPDATE price_records SET status = 'ok', sent_version = NULL, updated_at = now()
           WHERE (store_hash, level_key, sku, currency) = ($1, $2, $3, $4) AND status = 'rejected'""",
        store_hash, level_key, sku, currency,
    )
    return result.endswith(" 1")


async def rewrite_level(conn: Executor, store_hash: str, level_key: str) -> int:
    """Every record of a level is written again (its price list was re-created empty); how many."""
    result: str = await conn.execute(
        """UPDATE price_records SET sent_version = NULL, lease_until = NULL, updated_at = now()
           WHERE store_hash = $1 AND level_key = $2 AND status = 'ok' AND price IS NOT NULL""",
        store_hash, level_key,
    )
    return int(result.split()[-1])


# ------------------------------------------------------------------ resync


async def compare_page(conn: Executor, store_hash: str, level_key: str, records: Sequence[BcRecord],
                       audit_at: datetime, *, fix: bool) -> tuple[int, int]:
    """Compare one page of a price list's records with what they should be: (differ, extra).

    Seen records are stamped ``audited_at``; with ``fix`` a record that differs is made dirty, and one
    that should not exist becomes a dirty deletion.
    """
    row = await conn.fetchrow(
        """WITH bc AS (
               SELECT * FROM unnest($3::text[], $4::text[], $5::numeric[], $6::text[])
                   AS u(sku, currency, price, tiers)),
           joined AS (
               SELECT bc.sku, bc.currency, p.sku IS NOT NULL AS known,
                      p.status = 'ok' AND p.price IS NOT NULL
                          AND (p.price, p.tiers) IS DISTINCT FROM (bc.price, bc.tiers::jsonb) AS differs,
                      p.sku IS NULL OR (p.status = 'ok' AND p.price IS NULL) AS extra
               FROM bc LEFT JOIN price_records p
                 ON (p.store_hash, p.level_key, p.sku, p.currency) = ($1, $2, bc.sku, bc.currency)),
           stamped AS (
               UPDATE price_records p SET audited_at = $7,
                   sent_version = CASE WHEN $8 AND (j.differs OR j.extra) THEN NULL ELSE p.sent_version END
               FROM joined j WHERE j.known
                 AND (p.store_hash, p.level_key, p.sku, p.currency) = ($1, $2, j.sku, j.currency)
               RETURNING 1),
           added AS (
               INSERT INTO price_records (store_hash, level_key, sku, currency, price, status, source_modified,
                                          audited_at)
               SELECT $1, $2, j.sku, j.currency, NULL, 'ok', '-infinity', $7 FROM joined j WHERE $8 AND NOT j.known
               ON CONFLICT DO NOTHING
               RETURNING 1)
           SELECT count(*) FILTER (WHERE differs) AS differ, count(*) FILTER (WHERE extra) AS extra,
                  (SELECT count(*) FROM stamped) + (SELECT count(*) FROM added) AS touched
           FROM joined""",
        store_hash, level_key, [r.sku for r in records], [r.currency for r in records],
        [r.price for r in records], [orjson.dumps(r.tiers).decode() for r in records], audit_at, fix,
    )
    assert row is not None
    return int(row["differ"]), int(row["extra"])


async def finish_audit(conn: Executor, store_hash: str, level_key: str, audit_at: datetime, *,
                       fix: bool) -> int:
    """Records believed written that the comparison did not find in BigCommerce; made dirty with ``fix``."""
    missing = """store_hash = $1 AND level_key = $2 AND status = 'ok' AND price IS NOT NULL
                  AND sent_version = version AND audited_at IS DISTINCT FROM $3"""
    if not fix:
        return int(await conn.fetchval(f"SELECT count(*) FROM price_records WHERE {missing}",
                                       store_hash, level_key, audit_at) or 0)
    result: str = await conn.execute(
        f"UPDATE price_records SET sent_version = NULL, updated_at = now() WHERE {missing}",
        store_hash, level_key, audit_at,
    )
    return int(result.split()[-1])


async def save_resync(conn: Executor, store_hash: str, *, trigger: str, dry_run: bool, checked: int,
                      drift: dict[str, dict[str, int]], unmatched_customers: int, started_at: datetime) -> int:
    return int(await conn.fetchval(
        """INSERT INTO price_resyncs (store_hash, trigger, dry_run, checked, drift, unmatched_customers, started_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        store_hash, trigger, dry_run, checked, drift, unmatched_customers, started_at,
    ))


# ------------------------------------------------------------------ customers


async def save_customer(conn: Executor, store_hash: str, *, ns_customer_id: str, email: str,
                        level_key: str | None, group_id: int | None, bc_customer_id: int | None, status: str,
                        source_modified: datetime) -> bool:
    """Record where a NetSuite customer was placed; False when a newer version was recorded already."""
    result: str = await conn.execute(
        """INSERT INTO price_customers AS c (store_hash, ns_customer_id, email, level_key, group_id, bc_customer_id,
                                             status, source_modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (store_hash, ns_customer_id) DO UPDATE SET email = EXCLUDED.email,
               level_key = EXCLUDED.level_key, group_id = EXCLUDED.group_id,
               bc_customer_id = EXCLUDED.bc_customer_id, status = EXCLUDED.status,
               source_modified = EXCLUDED.source_modified, updated_at = now()
           WHERE EXCLUDED.source_modified >= c.source_modified""",
        store_hash, ns_customer_id, email, level_key, group_id, bc_customer_id, status, source_modified,
    )
    return result.endswith(" 1")


async def customer_emails(conn: Executor, store_hash: str) -> set[str]:
    """Every NetSuite customer's email o2c has seen (lower case)."""
    rows = await conn.fetch("SELECT DISTINCT lower(email) AS email FROM price_customers "
                            "WHERE store_hash = $1 AND email <> ''", store_hash)
    return {r["email"] for r in rows}
