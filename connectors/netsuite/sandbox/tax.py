"""The account's tax engine on sales orders: SuiteTax or legacy tax (``SandboxConfig.tax_engine``).

Tax codes are ``salesTaxItem`` records (``itemId``, ``rate`` in percent, or ``None`` for a code whose rate
depends on the address, such as US sales tax: any amount is accepted). A given amount must be within
``0.02 + 0.001 × |basis|`` of ``basis × rate / 100``, so a wrong code shows as a 400.

- **suitetax**: with ``taxDetailsOverride: true`` the body's ``taxDetails`` (``taxDetailsReference``,
  ``lineType`` Item/Shipping/Handling, ``lineName``, ``taxCode``, ``taxBasis``, ``taxRate``, ``taxAmount``)
  are checked and kept; an item line's ``taxDetailsReference`` must name one of them. Without override,
  lines with a ``taxCode`` get details computed here (q2(amount × rate / 100), reference ``line-<n>``).
  Legacy fields (``tax1Amt``, ``shippingTaxCode``, ``shippingTaxAmount``) are refused.
  ``taxTotal`` = Σ ``taxAmount``.
- **legacy**: lines carry ``taxCode`` and ``tax1Amt`` (computed when absent, checked when given); the header
  ``shippingTaxCode`` and ``shippingTaxAmount`` (checked against ``shippingCost``). ``taxDetails`` are
  refused. ``taxTotal`` = Σ ``tax1Amt`` + ``shippingTaxAmount``.

An order without any tax field (tax as an item line) is left as it is in both engines.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.netsuite.sandbox.store import Record, Store, StoreError, to_decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LINE_TYPES = ("Item", "Shipping", "Handling")
ENGINES = ("suitetax", "legacy")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        raw = value.get("id")
        return str(raw) if raw is not None else None
    return str(value) if value not in (None, "") else None


def _user_error(detail: str, path: str | None = None) -> StoreError:
    return StoreError(400, "USER_ERROR", f"Error while accessing a resource. {detail}", path)


def tax_code(store: Store, ref: Any, path: str) -> Record:
    code = store.records["salesTaxItem"].get(_id(ref) or "")
    if code is None:
        raise StoreError(400, "INVALID_CONTENT", "Error while accessing a resource. You have entered an Invalid "
                         f"Field Value {_id(ref)} for the following field: taxCode", path)
    return code


def _shown(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def check_amount(code: Record, basis: Decimal, amount: Decimal, what: str, path: str) -> None:
    """400 when ``amount`` is not ``basis`` taxed at the code's fixed rate (within the tolerance)."""
    rate = to_decimal(code.get("rate"))
    if rate is None:
        return
    if abs(amount - basis * rate / HUNDRED) > Decimal("0.02") + Decimal("0.001") * abs(basis):
        raise _user_error(f"Tax amount {amount} for {what} does not match tax code {code.get('itemId')} "
                          f"({_shown(rate)}%) on basis {basis}.", path)


def computed(code: Record, basis: Decimal) -> Decimal:
    rate = to_decimal(code.get("rate"))
    return q2(basis * rate / HUNDRED) if rate is not None else ZERO


def apply(store: Store, engine: str, record: Record) -> None:
    """Check and complete the tax of a sales order (after its line amounts are known); sets ``taxTotal``."""
    lines: list[Record] = (record.get("item") or {}).get("items") or []
    details: list[Record] = (record.get("taxDetails") or {}).get("items") or []
    if engine == "legacy":
        _legacy(store, record, lines, details)
    else:
        _suitetax(store, record, lines, details)


def _suitetax(store: Store, record: Record, lines: list[Record], details: list[Record]) -> None:
    for index, line in enumerate(lines):
        if line.get("tax1Amt") is not None:
            raise _user_error("The field tax1Amt is not available with SuiteTax; use taxDetails.",
                              f"item.items[{index}].tax1Amt")
    for name in ("shippingTaxCode", "shippingTaxAmount"):
        if record.get(name) is not None:
            raise _user_error(f"The field {name} is not available with SuiteTax; use taxDetails.", name)
    if record.get("taxDetailsOverride") is True:
        total = ZERO
        references: set[str] = set()
        for index, detail in enumerate(details):
            path = f"taxDetails.items[{index}]"
            reference = _id(detail.get("taxDetailsReference"))
            if reference is None:
                raise _user_error("Please enter a value for taxDetailsReference.", f"{path}.taxDetailsReference")
            if detail.get("lineType", "Item") not in LINE_TYPES:
                raise _user_error(f"Invalid lineType {detail.get('lineType')!r} (Item, Shipping or Handling).",
                                  f"{path}.lineType")
            code = tax_code(store, detail.get("taxCode"), f"{path}.taxCode")
            basis = to_decimal(detail.get("taxBasis")) or ZERO
            amount = to_decimal(detail.get("taxAmount"))
            what = f"line {detail.get('lineName') or reference}"
            rate = to_decimal(code.get("rate"))
            given_rate = to_decimal(detail.get("taxRate"))
            if given_rate is not None and rate is not None and given_rate != rate:
                raise _user_error(f"Tax rate {given_rate} for {what} is not the rate of tax code "
                                  f"{code.get('itemId')} ({_shown(rate)}%).", f"{path}.taxRate")
            if amount is None:
                amount = computed(code, basis)
            check_amount(code, basis, amount, what, f"{path}.taxAmount")
            kind = "VAT" if str(code.get("itemId", "")).startswith("VAT") else "Sales Tax"
            detail.update(taxBasis=basis, taxAmount=amount, taxType=detail.get("taxType") or kind)
            if rate is not None and given_rate is None:
                detail["taxRate"] = rate
            references.add(reference)
            total += amount
        for index, line in enumerate(lines):
            reference = _id(line.get("taxDetailsReference"))
            if reference is not None and reference not in references:
                raise _user_error(f"No tax detail has the taxDetailsReference {reference} of line {line.get('line')}.",
                                  f"item.items[{index}].taxDetailsReference")
        record["taxTotal"] = total
        return
    coded = [line for line in lines if line.get("taxCode")]
    if not coded:
        return
    generated: list[Record] = []
    for index, line in enumerate(lines):
        if not line.get("taxCode"):
            continue
        code = tax_code(store, line["taxCode"], f"item.items[{index}].taxCode")
        basis = to_decimal(line.get("amount")) or ZERO
        reference = f"line-{line.get('line')}"
        line["taxDetailsReference"] = reference
        generated.append({"taxDetailsReference": reference, "lineType": "Item",
                          "lineName": str(line.get("description") or (line.get("item") or {}).get("refName") or ""),
                          "taxCode": {"id": code["id"], "refName": code.get("itemId")}, "taxBasis": basis,
                          "taxRate": to_decimal(code.get("rate")), "taxAmount": computed(code, basis)})
    record["taxDetails"] = {"items": generated}
    record["taxTotal"] = sum((d["taxAmount"] for d in generated), ZERO)


def _legacy(store: Store, record: Record, lines: list[Record], details: list[Record]) -> None:
    if details or record.get("taxDetailsOverride") is not None:
        raise _user_error("SuiteTax is not enabled in this account: taxDetails and taxDetailsOverride are not "
                          "available.", "taxDetails")
    coded = any(line.get("taxCode") for line in lines)
    if not coded and record.get("shippingTaxCode") is None:
        return
    total = ZERO
    for index, line in enumerate(lines):
        if not line.get("taxCode"):
            continue
        path = f"item.items[{index}]"
        code = tax_code(store, line["taxCode"], f"{path}.taxCode")
        basis = to_decimal(line.get("amount")) or ZERO
        amount = to_decimal(line.get("tax1Amt"))
        if amount is None:
            amount = computed(code, basis)
        check_amount(code, basis, amount, f"line {line.get('line')}", f"{path}.tax1Amt")
        line["tax1Amt"] = amount
        if code.get("rate") is not None:
            line["taxRate1"] = to_decimal(code["rate"])
        total += amount
    if record.get("shippingTaxCode") is not None:
        code = tax_code(store, record["shippingTaxCode"], "shippingTaxCode")
        basis = to_decimal(record.get("shippingCost")) or ZERO
        amount = to_decimal(record.get("shippingTaxAmount"))
        if amount is None:
            amount = computed(code, basis)
        check_amount(code, basis, amount, "shipping", "shippingTaxAmount")
        record["shippingTaxCode"] = {"id": code["id"], "refName": code.get("itemId")}
        record["shippingTaxAmount"] = amount
        total += amount
    elif record.get("shippingTaxAmount") is not None:
        raise _user_error("Please enter a value for shippingTaxCode.", "shippingTaxCode")
    record["taxTotal"] = total
