"""``o2c audit [CHECK ...] [--since 7d|2026-01-31] [--format text|csv|json] [--output FILE]``: run the audit now.

Reads both systems through the same clients and governors as the worker, stores the run (``audit_runs``,
trigger ``cli``) and prints its findings with the counts per check and the run id. Exit code 0 even with
findings; 1 when a check could not run; 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import getpass
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.config import NetSuiteSettings
from state import ops_actions
from state.db import create_pool
from streams.audit.checks import Context
from streams.audit.export import to_csv, to_json, to_text
from streams.audit.runner import run_audit, selected
from streams.audit.settings import CHECKS, AuditSettings
from streams.inventory.settings import InventorySettings
from streams.orders.settings import OrderSettings
from streams.platform.settings import Settings
from streams.prices.settings import PricesSettings

_AGO = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")


def parse_since(text: str | None, *, now: datetime | None = None, default_days: float = 7.0) -> datetime:
    """``7d`` / ``12h`` / ``30m`` ago, an ISO date (midnight UTC) or an ISO datetime (UTC when naive)."""
    now = now or datetime.now(UTC)
    if not text:
        return now - timedelta(days=default_days)
    match = _AGO.match(text.strip())
    if match:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        return now - timedelta(**{unit: float(match.group(1))})
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        value = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(f"--since {text!r}: give e.g. 7d, 12h, 2026-01-31 or 2026-01-31T08:00:00") from error
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def add_parser(sub: Any) -> None:
    """Register ``o2c audit`` on the ``o2c`` command's subparsers."""
    audit = sub.add_parser("audit", help="compare BigCommerce and NetSuite and report the drift (o2c audit --help)",
                           description="Read both systems through their APIs and report what differs, with who "
                           "owns each finding and what to do. No check named: all of them.")
    audit.add_argument("checks", nargs="*", metavar="CHECK", help=f"any of: {', '.join(CHECKS)}")
    audit.add_argument("--since", help="orders, shipments, refunds and payouts since: 7d, 12h, 2026-01-31 "
                       "(default: O2C_AUDIT_LOOKBACK days)")
    audit.add_argument("--format", choices=("text", "csv", "json"), default="text")
    audit.add_argument("--output", type=Path, help="write the findings there instead of printing them")


async def audit_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        checks = selected(args.checks)
        since = parse_since(args.since, default_days=AuditSettings().lookback)
    except ValueError as error:
        print(f"o2c audit: {error}")
        return 2
    bc_settings, ns_settings = BigCommerceSettings(), NetSuiteSettings()
    pool = await create_pool(settings.dsn)
    try:
        async with BigCommerceClient(bc_settings) as bc, NetSuiteClient(ns_settings) as ns:
            ctx = Context(bc, ns, pool, bc_settings.store_hash, since, ns_settings, OrderSettings(),
                          InventorySettings(), PricesSettings())
            result = await run_audit(ctx, checks, trigger="cli")
        await ops_actions.record(pool, actor=f"cli:{getpass.getuser()}", action="audit_run", object_type="audit_run",
                                 object_id=str(result.run_id), source="cli",
                                 detail={"checks": checks, "findings": len(result.findings)})
    finally:
        await pool.close()
    if args.format == "csv":
        body = to_csv(result.findings)
    elif args.format == "json":
        body = to_json(result.findings, run_id=result.run_id, since=since.isoformat(), counts=result.counts(),
                       errors=result.errors)
    else:
        body = to_text(result.findings, result.counts(), run_id=result.run_id, errors=result.errors)
    if args.output:
        args.output.write_text(body if body.endswith("\n") else body + "\n")
        print(f"audit run {result.run_id}: {len(result.findings)} finding(s) written to {args.output}"
              + "".join(f"\n  {check}: FAILED ({text})" for check, text in result.errors.items()))
    else:
        print(body)
    return 1 if result.failed else 0
