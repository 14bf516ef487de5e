"""The PayPal Settlement Report (STL): the daily SFTP CSV of every balance-affecting record → payouts.

File layout (PayPal "Settlement Report" specification; magento2 ``Model/Report/Settlement.php`` reads it
the same way): the first column of each row names its type — ``RH`` report header (generation time,
reporting window, account id, version), ``FH`` file header, ``SH`` section header (period, account id),
``CH`` column names of the body rows, ``SB`` one record, ``SF``/``SC`` section footer/record count,
``RF``/``RC`` report footer/record count, ``FF`` file footer. Body columns are found by their ``CH``
names, never by position (they moved between versions). Amounts are unsigned minor units with a
separate ``DR``/``CR`` column for the gross and for the fee. New files are UTF-8, old ones UTF-16.

Footers: ``SC``/``RC`` carry the record count and are checked. ``SF``/``RF`` rows of the shape
``currency, gross credits, gross debits, fee credits, fee debits`` (what :mod:`.stl_writer` writes;
[INFERENCE] of the spec's section totals) are checked too; other footer shapes are ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..minor_units import to_decimal
from .windows import Movement, PayoutWithLines, build_payouts

#: ``STL-yyyymmdd.sequenceNumber.version.format``
FILE_NAME = re.compile(r"^STL-(\d{8})\.(\d+)\.(\d+)\.([A-Za-z]+)$")

#: Body columns o2c reads (normalised CH names) and whether a file without them can be read at all.
TRANSACTION_ID = "transactionid"
EVENT_CODE = "transactioneventcode"
DEBIT_CREDIT = "transactiondebitorcredit"
GROSS = "grosstransactionamount"
CURRENCY = "grosstransactioncurrency"
FEE_DEBIT_CREDIT = "feedebitorcredit"
FEE = "feeamount"
FEE_CURRENCY = "feecurrency"
REQUIRED = (TRANSACTION_ID, EVENT_CODE, DEBIT_CREDIT, GROSS, CURRENCY)
LABELS = {TRANSACTION_ID: "Transaction ID", EVENT_CODE: "Transaction Event Code",
          DEBIT_CREDIT: "Transaction Debit or Credit", GROSS: "Gross Transaction Amount",
          CURRENCY: "Gross Transaction Currency"}

_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z")


@dataclass(frozen=True)
class SettlementFile:
    """One STL file read: its payouts (withdrawal windows), what is still waiting, what went wrong."""

    file_name: str
    report_date: date | None
    account_id: str
    payouts: tuple[PayoutWithLines, ...]
    problems: tuple[str, ...]
    #: Records after the last withdrawal of their currency: pass them as ``carried`` to the next file.
    unsettled: tuple[Movement, ...] = ()
    movements: tuple[Movement, ...] = ()
    generated: datetime | None = None
    version: str = ""


def normalise(name: str) -> str:
    """A CH column name as a key: case, spaces and punctuation do not matter, so the v9 names
    ("Transaction  Debit or Credit") and the old UTF-16 files' ("TransactionDebitOrCredit") are the same."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def decode(data: bytes) -> str:
    """UTF-16 (with a BOM, or without one but recognisably so), UTF-8 (BOM optional)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if len(data) >= 2 and data[1] == 0 and data[0] != 0:
        return data.decode("utf-16-le")
    if len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return data.decode("utf-16-be")
    return data.decode("utf-8")


def parse_datetime(text: str) -> datetime:
    """``2026/12/02 10:00:00 -0800`` (the STL form) or ISO 8601 with an offset."""
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return parsed


def _minor(text: str, what: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise ValueError(f"{what} {text!r} is not a whole number of minor units")
    return int(value)


def _direction(text: str, what: str) -> str:
    value = text.strip().upper()
    if value not in ("CR", "DR"):
        raise ValueError(f"{what} is {text!r}, not CR or DR")
    return value


@dataclass
class _Reader:
    file_name: str
    problems: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    account_id: str = ""
    generated: datetime | None = None
    version: str = ""
    section_count: int = 0
    report_count: int = 0
    section_totals: dict[str, list[int]] = field(default_factory=dict)
    report_totals: dict[str, list[int]] = field(default_factory=dict)

    def cell(self, row: Sequence[str], name: str) -> str:
        index = self.columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def header(self, row: Sequence[str], line: int) -> None:
        self.columns = {normalise(name): i for i, name in enumerate(row) if i > 0}
        missing = [LABELS[name] for name in REQUIRED if name not in self.columns]
        if missing:
            self.problems.append(f"{self.file_name} line {line}: the column header (CH) has no "
                                 + ", ".join(repr(m) for m in missing) + "; the records under it cannot be read")
            self.columns = {}

    def body(self, row: Sequence[str], line: int) -> None:
        self.section_count += 1
        self.report_count += 1
        if not self.columns:
            self.problems.append(f"{self.file_name} line {line}: a record (SB) with no usable column header "
                                 "(CH) before it was skipped")
            return
        try:
            movement = self.movement(row, line)
        except ValueError as error:
            self.problems.append(f"{self.file_name} line {line}: record skipped: {error}")
            return
        self.movements.append(movement)
        for totals in (self.section_totals, self.report_totals):
            bucket = totals.setdefault(movement.currency, [0, 0, 0, 0])
            gross_minor = _minor(self.cell(row, GROSS), "gross amount")
            fee_minor = _minor(self.cell(row, FEE) or "0", "fee amount")
            bucket[0 if movement.gross >= 0 else 1] += gross_minor
            bucket[2 if movement.fee < 0 else 3] += fee_minor

    def movement(self, row: Sequence[str], line: int) -> Movement:
        transaction_id = self.cell(row, TRANSACTION_ID)
        if not transaction_id:
            raise ValueError("it has no Transaction ID")
        code = self.cell(row, EVENT_CODE).upper()
        if not code:
            raise ValueError(f"{transaction_id} has no Transaction Event Code")
        currency = self.cell(row, CURRENCY).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValueError(f"{transaction_id}: gross currency {currency!r} is not an ISO 4217 code")
        sign = -1 if _direction(self.cell(row, DEBIT_CREDIT), "Transaction Debit or Credit") == "DR" else 1
        gross = to_decimal(sign * _minor(self.cell(row, GROSS), "gross amount"), currency)
        fee_minor = _minor(self.cell(row, FEE) or "0", "fee amount")
        fee = Decimal(0)
        if fee_minor:
            fee_currency = (self.cell(row, FEE_CURRENCY) or currency).upper()
            if fee_currency != currency:
                raise ValueError(f"{transaction_id}: the fee is in {fee_currency} but the gross in {currency}")
            fee_sign = 1 if _direction(self.cell(row, FEE_DEBIT_CREDIT), "Fee Debit or Credit") == "DR" else -1
            fee = to_decimal(fee_sign * fee_minor, currency)
        dates: list[datetime | None] = []
        for name, label in (("transactioninitiationdate", "Transaction Initiation Date"),
                            ("transactioncompletiondate", "Transaction Completion Date")):
            raw = self.cell(row, name)
            try:
                dates.append(parse_datetime(raw) if raw else None)
            except ValueError as error:
                raise ValueError(f"{transaction_id}: {label} {raw!r} cannot be read ({error})") from None
        return Movement(
            transaction_id=transaction_id, event_code=code, gross=gross, fee=fee, currency=currency,
            initiated=dates[0], completed=dates[1],
            reference_id=self.cell(row, "paypalreferenceid") or None,
            reference_type=self.cell(row, "paypalreferenceidtype").upper() or None,
            invoice_id=self.cell(row, "invoiceid") or None,
            custom_field=self.cell(row, "customfield") or None,
            bank_reference=self.cell(row, "bankreferenceid") or None,
            where=f"{self.file_name} line {line}",
        )

    def count(self, row: Sequence[str], line: int, counted: int, what: str) -> None:
        if len(row) > 1 and row[1].strip().isdigit() and int(row[1]) != counted:
            self.problems.append(f"{self.file_name} line {line}: the {what} says {int(row[1])} records but "
                                 f"{counted} were found")

    def totals(self, row: Sequence[str], line: int, found: dict[str, list[int]], what: str) -> None:
        cells = [c.strip() for c in row[1:]]
        if len(cells) < 5 or len(cells[0]) != 3 or not all(c.isdigit() for c in cells[1:5]):
            return
        stated = [int(c) for c in cells[1:5]]
        actual = found.get(cells[0].upper(), [0, 0, 0, 0])
        if stated != actual:
            self.problems.append(
                f"{self.file_name} line {line}: the {what} totals for {cells[0].upper()} (gross credits, gross "
                f"debits, fee credits, fee debits in minor units) are {stated} but the records add up to {actual}")


def parse_settlement(data: bytes, *, file_name: str, carried: Iterable[Movement] = (),
                     start_known: bool | Collection[str] = False) -> SettlementFile:
    """Read one STL file into payouts (one per withdrawal) and plain-English problems. Pure.

    ``carried``/``start_known``: see :func:`~connectors.payments.paypal.windows.build_payouts` (a day's
    first withdrawal may pay out records of the previous day's file).
    """
    reader = _Reader(file_name)
    try:
        text = decode(data)
    except UnicodeDecodeError as error:
        return SettlementFile(file_name, _file_date(file_name), "", (), (
            f"{file_name} is neither UTF-8 nor UTF-16 text ({error}); nothing was read",))
    for line, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        kind = row[0].strip().strip("\ufeff").upper()
        if kind == "RH":
            _report_header(reader, row, line)
        elif kind == "SH":
            reader.section_count, reader.section_totals = 0, {}
            if len(row) > 3 and row[3].strip():  # the section's account (magento2 reads it here too)
                reader.account_id = row[3].strip()
        elif kind == "CH":
            reader.header(row, line)
        elif kind == "SB":
            reader.body(row, line)
        elif kind == "SC":
            reader.count(row, line, reader.section_count, "section record count (SC)")
        elif kind == "RC":
            reader.count(row, line, reader.report_count, "report record count (RC)")
        elif kind == "SF":
            reader.totals(row, line, reader.section_totals, "section footer (SF)")
        elif kind == "RF":
            reader.totals(row, line, reader.report_totals, "report footer (RF)")
        elif kind not in ("FH", "FF"):
            reader.problems.append(f"{file_name} line {line}: unknown row type {row[0]!r} ignored")
    if reader.generated is None and not reader.movements:
        reader.problems.append(f"{file_name} has no report header (RH) and no records: is it a settlement report?")
    windows = build_payouts(reader.movements, carried=carried, start_known=start_known)
    return SettlementFile(
        file_name=file_name,
        report_date=_file_date(file_name) or (reader.generated.date() if reader.generated else None),
        account_id=reader.account_id,
        payouts=tuple(windows.payouts),
        problems=(*reader.problems, *windows.problems),
        unsettled=tuple(windows.unsettled),
        movements=tuple(reader.movements),
        generated=reader.generated,
        version=reader.version,
    )


def parse_settlements(files: Iterable[tuple[str, bytes]], *, carried: Iterable[Movement] = (),
                      start_known: bool | Collection[str] = False) -> list[SettlementFile]:
    """Several STL files in report order, each one's unsettled records carried into the next."""
    results: list[SettlementFile] = []
    pending: tuple[Movement, ...] = tuple(carried)
    known: bool | Collection[str] = start_known
    for name, data in files:
        parsed = parse_settlement(data, file_name=name, carried=pending, start_known=known)
        results.append(parsed)
        # a currency paid out in this file starts the next one at a known boundary
        before = set() if isinstance(known, bool) else set(known)
        known = True if known is True else before | {p.currency for p, _ in parsed.payouts}
        pending = parsed.unsettled
    return results


def _report_header(reader: _Reader, row: Sequence[str], line: int) -> None:
    cells = [c.strip() for c in row]
    if len(cells) > 1 and cells[1]:
        try:
            reader.generated = parse_datetime(cells[1])
        except ValueError:
            reader.problems.append(f"{reader.file_name} line {line}: report date {cells[1]!r} cannot be read")
    if len(cells) > 3 and not reader.account_id:
        reader.account_id = cells[3]
    if len(cells) > 4:
        reader.version = cells[4]


def _file_date(file_name: str) -> date | None:
    match = FILE_NAME.match(file_name.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None
