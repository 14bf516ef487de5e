"""Customers: the ``customer`` rows modified since a point in time, with their price level's name.

A customer is handed on when its email, price level or inactive flag differ from the last handed on
(``state.netsuite_source``): what B2B pricing needs (the customer's BigCommerce customer group), not
every edit of an address or a phone number.
"""

from __future__ import annotations

from connectors.netsuite.changes import CustomerChange
from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.source.rows import TS_FORMAT, Row, flag, parse_ts, read
from state.netsuite_source import CustomerFigures


async def read_customers(client: NetSuiteClient, since: str) -> list[Row]:
    """Customers modified at or after ``since``, oldest first, one row each (the latest read)."""
    rows = await read(
        client,
        "SELECT c.id, c.entityid, c.email, c.companyname, c.isinactive, c.pricelevel, pl.name pricelevelname, "
        f"TO_CHAR(c.lastmodifieddate, '{TS_FORMAT}') lmd FROM customer c "
        "LEFT JOIN pricelevel pl ON pl.id = c.pricelevel "
        f"WHERE c.lastmodifieddate >= TO_TIMESTAMP(?, '{TS_FORMAT}') ORDER BY c.lastmodifieddate, c.id",
        [since],
    )
    latest: dict[str, Row] = {}
    for row in rows:  # a customer edited while the pages were read can appear twice: keep the later row
        latest.pop(str(row["id"]), None)
        latest[str(row["id"])] = row
    return list(latest.values())


def _level(row: Row) -> str | None:
    level = row.get("pricelevel")
    return None if level in (None, "") else str(level)


def figures(row: Row) -> CustomerFigures:
    """What a customer row is compared on with the last one handed on."""
    return CustomerFigures(customer_id=str(row["id"]), email=str(row.get("email") or ""), price_level_id=_level(row),
                           is_inactive=flag(row.get("isinactive")))


def customer_change(row: Row, account: str, version: int) -> CustomerChange:
    """The change record of one row of :func:`read_customers`."""
    level = _level(row)
    return CustomerChange(
        account=account, customer_id=str(row["id"]), email=str(row.get("email") or ""),
        entity_id=str(row.get("entityid") or ""), company_name=str(row.get("companyname") or ""),
        is_inactive=flag(row.get("isinactive")), price_level_id=level,
        price_level_name=str(row.get("pricelevelname") or "") if level is not None else "",
        last_modified=parse_ts(row["lmd"]), modified=str(row["lmd"]), version=version,
    )
