"""Write realistic PayPal Settlement Report (STL) files, for tests and the demo.

The layout is the one :mod:`.stl` reads (RH, FH, SH, CH, SB…, SF, SC, RF, RC, FF) with the v9 body
columns. Amounts go out as unsigned minor units with ``CR``/``DR`` columns; dates as
``yyyy/mm/dd hh:mm:ss ±hhmm``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Literal

from ..minor_units import to_minor

#: Body columns of a v9 settlement report, in PayPal's order.
COLUMNS = (
    "Transaction ID", "Invoice ID", "PayPal Reference ID", "PayPal Reference ID Type", "Transaction Event Code",
    "Transaction Initiation Date", "Transaction Completion Date", "Transaction  Debit or Credit",
    "Gross Transaction Amount", "Gross Transaction Currency", "Fee Debit or Credit", "Fee Amount", "Fee Currency",
    "Custom Field", "Consumer ID", "Payment Tracking ID", "Store ID", "Bank Reference ID",
    "Credit Transactional Fee", "Credit Promotional Fee", "Credit Term",
)
#: The same columns as old (UTF-16) files name them: no spaces ("TransactionDebitOrCredit").
LEGACY_COLUMNS = tuple(name.title().replace(" ", "").replace("Id", "ID").replace("Paypal", "PayPal")
                       for name in COLUMNS)


@dataclass(frozen=True)
class SettlementTransaction:
    """One record to write. ``gross`` signed (credit positive); ``fee`` positive when charged."""

    transaction_id: str
    event_code: str
    gross: Decimal
    fee: Decimal = Decimal(0)
    currency: str = "USD"
    reference_id: str = ""
    reference_type: str = ""
    invoice_id: str = ""
    custom_field: str = ""
    initiated: datetime | None = None
    completed: datetime | None = None
    consumer_id: str = ""
    bank_reference: str = ""


def stl_file_name(report_date: date, *, sequence: int = 1, version: int = 9) -> str:
    """``STL-20261202.01.009.CSV``."""
    return f"STL-{report_date:%Y%m%d}.{sequence:02d}.{version:03d}.CSV"


def format_datetime(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.strftime("%Y/%m/%d %H:%M:%S %z")


def write_settlement(
    transactions: Iterable[SettlementTransaction],
    *,
    report_date: date,
    account_id: str,
    generated: datetime | None = None,
    version: int = 9,
    encoding: Literal["utf-8", "utf-16"] = "utf-8",
    legacy_names: bool = False,
) -> bytes:
    """One day's settlement report for ``account_id`` holding ``transactions`` in the order given.

    ``encoding="utf-16", legacy_names=True`` writes a file the way PayPal's old reports were.
    """
    rows = list(transactions)
    day_start = datetime.combine(report_date, time(0, 0), tzinfo=UTC)
    made = generated or datetime.combine(report_date, time(23, 59, 59), tzinfo=UTC)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(["RH", format_datetime(made), "A", account_id, f"{version:03d}"])
    writer.writerow(["FH", "01"])
    writer.writerow(["SH", format_datetime(day_start),
                     format_datetime(day_start.replace(hour=23, minute=59, second=59)), account_id, ""])
    writer.writerow(["CH", *(LEGACY_COLUMNS if legacy_names else COLUMNS)])
    totals: dict[str, list[int]] = {}
    for t in rows:
        currency = t.currency.upper()
        gross = to_minor(abs(t.gross), currency)
        fee = to_minor(abs(t.fee), currency)
        bucket = totals.setdefault(currency, [0, 0, 0, 0])
        bucket[1 if t.gross < 0 else 0] += gross
        bucket[2 if t.fee < 0 else 3] += fee
        started = t.initiated or day_start
        writer.writerow([
            "SB", t.transaction_id, t.invoice_id, t.reference_id,
            t.reference_type or ("TXN" if t.reference_id else ""), t.event_code,
            format_datetime(started), format_datetime(t.completed or started),
            "DR" if t.gross < 0 else "CR", str(gross), currency,
            ("CR" if t.fee < 0 else "DR") if fee else "", str(fee), currency,
            t.custom_field, t.consumer_id, "", "", t.bank_reference, "", "", "",
        ])
    footers = [[currency, *(str(v) for v in values)] for currency, values in sorted(totals.items())]
    for footer in footers:
        writer.writerow(["SF", *footer])
    writer.writerow(["SC", str(len(rows))])
    for footer in footers:
        writer.writerow(["RF", *footer])
    writer.writerow(["RC", str(len(rows))])
    writer.writerow(["FF", str(len(rows) + 6 + 2 * len(footers) + 1)])
    text = out.getvalue()
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("utf-8")
