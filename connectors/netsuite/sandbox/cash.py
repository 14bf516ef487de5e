"""Money in: customer deposits, invoices billed from sales orders, deposit applications, journal entries.

- **customerDeposit** (create, ``PUT eid:`` upsert, PATCH): ``customer{id}`` (required), ``salesOrder{id}``
  (an order of that customer, not Cancelled ``C`` / Closed ``H`` when the deposit is created),
  ``payment`` (> 0), ``undepFunds`` (``false``/``true``, also ``"F"``/``"T"`` or ``{"id": "F"}``;
  defaults to ``false`` when an ``account`` is given, else ``true``), ``account{id}`` (required with
  ``undepFunds: false``: an active ``Bank`` or ``OthCurrAsset`` account; with ``undepFunds: true`` it is
  the Undeposited funds account 1030), ``currency{id}`` (defaults to the order's; must equal it),
  ``tranDate``, ``memo``, ``paymentOption``, ``externalId``. The sandbox keeps ``total`` = ``payment``
  and ``status``: A Not Deposited (undeposited funds), B Deposited (to an account), D Partially Applied,
  C Fully Applied. Sandbox-only read fields (NetSuite shows these on the apply sublist, not the record):
  ``_applied`` (sum of its deposit applications) and ``_unapplied``.
- **invoice / cashSale from a sales order** (:func:`bill`): a line's ``amount`` given in the request is
  kept (o2c bills discounts, tax lines, rounding in proportion); otherwise rate × quantity, or the
  order line's amount in proportion to the quantity when it has no rate; the bill that completes an
  order line's quantity takes what is left of its amount. The order's ``shippingCost`` and
  ``handlingCost`` go on the first bill (what is not billed yet), unless the request sets them. Tax follows
  the order's: legacy ``tax1Amt`` per line and ``shippingTaxAmount``, or SuiteTax ``taxDetails`` (same
  ``taxDetailsReference``), in proportion to the quantity (shipping: to the shipping cost) billed, the
  last bill taking the remainder; so the bills of a fully billed order add up to its total to the cent.
  Invoices carry ``amountPaid``, ``amountRemaining`` (= total − applications) and ``status`` A Open /
  B Paid In Full.
- **depositApplication** (only ``POST customerDeposit/{id}/!transform/depositApplication``; a plain POST or
  an upsert that would create one is refused, as in NetSuite; :func:`apply_deposit`):
  ``apply.items[]`` ``{doc: {id: <invoice>}, apply: true, amount}`` (amount defaults to what both sides
  allow), ``tranDate``, ``memo``, ``externalId``. Refused: nothing left on the deposit, an amount ≤ 0,
  more than the deposit's unapplied amount (over-applied), more than an invoice's ``amountRemaining``,
  an invoice of another customer or in another currency. Kept: ``deposit``, ``customer``, ``createdFrom``,
  ``applied``, ``unapplied``, ``total``.
- **journalEntry** (:func:`journal`): every ``line.items[].account`` an existing, active account of the
  entry's subsidiary; a line has a ``debit`` or a ``credit`` (not both), neither negative; debits equal
  credits. ``reversalDate`` is kept but no reversing entry is made.

Deleting a deposit application gives its amounts back; an invoice or a deposit with applications
cannot be deleted; deleting an invoice gives its billed quantities back to the sales order.

Not modelled: NetSuite's automatic application of a sales order's deposits when it is billed, bank
account currencies, customer payments.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from connectors.netsuite.sandbox.accounts import DEPOSIT_TYPES, UNDEPOSITED_FUNDS
from connectors.netsuite.sandbox.store import Record, Store, StoreError, to_decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
#: A fractional quantity this close to the order line's open quantity completes it.
QUANTITY_SLACK = Decimal("0.00001")
DEPOSIT_STATUS = {"A": "Not Deposited", "B": "Deposited", "C": "Fully Applied", "D": "Partially Applied"}
INVOICE_STATUS = {"A": "Open", "B": "Paid In Full"}
BILL_TYPES = ("invoice", "cashSale")
DELETE_TYPES = ("invoice", "customerDeposit", "depositApplication")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        raw = value.get("id")
        return str(raw) if raw is not None else None
    return str(value) if value not in (None, "") else None


def user_error(detail: str, path: str | None = None) -> StoreError:
    return StoreError(400, "USER_ERROR", f"Error while accessing a resource. {detail}", path)


def invalid_value(value: Any, field_name: str, path: str) -> StoreError:
    return StoreError(400, "INVALID_CONTENT", "Error while accessing a resource. You have entered an Invalid Field "
                      f"Value {value} for the following field: {field_name}", path)


def money(value: Any, field_name: str, path: str) -> Decimal | None:
    """A number field as Decimal (``None`` when absent); 400 ``INVALID_CONTENT`` when not a number."""
    if value is None:
        return None
    try:
        number = to_decimal(value)
    except (ValueError, InvalidOperation):
        raise invalid_value(value, field_name, path) from None
    if number is None or not number.is_finite():
        raise invalid_value(value, field_name, path)
    return number


def _flag(value: Any) -> bool | None:
    if isinstance(value, dict):
        value = value.get("id")
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("t", "true", "1", "yes")


def _is_new(record: Record) -> bool:
    """True while a record is being created (the store stamps ``lastModifiedDate`` after the defaults)."""
    return "lastModifiedDate" not in record


def account_ref(store: Store, ref: Any, path: str, *, subsidiary: str | None = None,
                types: frozenset[str] | None = None) -> Record:
    """The account ``ref`` names as a reference ``{id, refName}``; 400 unless it exists, is active, is of one
    of ``types`` (when given) and belongs to ``subsidiary`` (when given)."""
    account_id = _id(ref)
    if account_id is None:
        raise user_error("Please enter value(s) for: Account", path)
    account = store.records["account"].get(account_id)
    if account is None or account.get("isInactive") is True or (
        types is not None and _id(account.get("acctType")) not in types
    ):
        raise StoreError(400, "INVALID_CONTENT",
                         f"Error while accessing a resource. Invalid account reference key {account_id}.", path)
    own = _id(account.get("subsidiary"))
    if subsidiary is not None and own is not None and own != subsidiary:
        raise StoreError(400, "INVALID_CONTENT", "Error while accessing a resource. Invalid account reference key "
                         f"{account_id} for subsidiary {subsidiary}.", path)
    return {"id": account_id, "refName": store.display_name(account)}


# -- customer deposits ----------------------------------------------------------------------------------


def _order_currency(store: Store, order: Record) -> str:
    currency = _id(order.get("currency"))
    if currency is None:
        customer = store.records["customer"].get(_id(order.get("entity")) or "")
        currency = _id((customer or {}).get("currency"))
    return currency or "1"


def deposit(store: Store, record: Record) -> None:
    """Check a customer deposit and derive ``total``, ``status``, ``_applied`` and ``_unapplied``."""
    customer_id = _id(record.get("customer"))
    if customer_id is None:
        raise user_error("Please enter value(s) for: Customer", "customer")
    if customer_id not in store.records["customer"]:
        raise invalid_value(customer_id, "customer", "customer")
    payment = money(record.get("payment"), "payment", "payment")
    if payment is None:
        raise user_error("Please enter value(s) for: Payment Amount", "payment")
    if payment <= 0:
        raise user_error(f"The payment amount ({payment}) must be greater than 0.", "payment")
    record["payment"] = payment
    order_id = _id(record.get("salesOrder"))
    currency = _id(record.get("currency"))
    if order_id is not None:
        order = store.records["salesOrder"].get(order_id)
        if order is None:
            raise invalid_value(order_id, "salesOrder", "salesOrder")
        record["salesOrder"] = {"id": order_id, "refName": order.get("tranId")}
        if _id(order.get("entity")) != customer_id:
            raise user_error(f"Sales order {order.get('tranId')} is not an order of customer {customer_id}.",
                             "salesOrder")
        status = _id(order.get("status"))
        if _is_new(record) and status in ("C", "H"):
            state = "cancelled" if status == "C" else "closed"
            raise user_error(f"You cannot record a deposit for sales order {order.get('tranId')}: it is {state}.",
                             "salesOrder")
        order_currency = _order_currency(store, order)
        if currency is not None and currency != order_currency:
            raise user_error(f"The currency of the deposit ({currency}) must be the currency of sales order "
                             f"{order.get('tranId')} ({order_currency}).", "currency")
        if currency is None:
            record["currency"] = {"id": order_currency, "refName": _currency_name(store, order_currency)}
    elif currency is None:
        customer_currency = _id(store.records["customer"][customer_id].get("currency")) or "1"
        record["currency"] = {"id": customer_currency, "refName": _currency_name(store, customer_currency)}
    undeposited = _flag(record.get("undepFunds"))
    if undeposited is None:
        undeposited = record.get("account") is None
    record["undepFunds"] = undeposited
    subsidiary = _id(record.get("subsidiary"))
    if undeposited:
        if _id(record.get("account")) not in (None, UNDEPOSITED_FUNDS):
            raise user_error("With undepFunds true the deposit goes to Undeposited Funds: leave account empty or "
                             "set undepFunds to false.", "account")
        record["account"] = account_ref(store, UNDEPOSITED_FUNDS, "account")
    else:
        record["account"] = account_ref(store, record.get("account"), "account", subsidiary=subsidiary,
                                        types=DEPOSIT_TYPES)
    applied = to_decimal(record.get("_applied")) or ZERO
    if payment < applied:
        raise user_error(f"The payment amount ({payment}) cannot be less than the amount already applied "
                         f"({applied}).", "payment")
    record["total"] = payment
    record["_applied"] = applied
    record["_unapplied"] = payment - applied
    deposit_status(record)


def _currency_name(store: Store, currency_id: str) -> str | None:
    currency = store.records["currency"].get(currency_id)
    return None if currency is None else store.display_name(currency)


def deposit_status(record: Record) -> None:
    payment = to_decimal(record.get("payment")) or ZERO
    applied = to_decimal(record.get("_applied")) or ZERO
    if applied > 0 and applied >= payment:
        letter = "C"
    elif applied > 0:
        letter = "D"
    else:
        letter = "A" if record.get("undepFunds") is True else "B"
    record["status"] = {"id": letter, "refName": DEPOSIT_STATUS[letter]}


# -- invoices -------------------------------------------------------------------------------------------


def invoice_amounts(record: Record) -> None:
    """``amountPaid``, ``amountRemaining`` (= total − paid) and ``status`` A Open / B Paid In Full."""
    total = to_decimal(record.get("total")) or ZERO
    paid = to_decimal(record.get("amountPaid")) or ZERO
    record["amountPaid"] = paid
    record["amountRemaining"] = total - paid
    letter = "B" if total - paid <= 0 else "A"
    record["status"] = {"id": letter, "refName": INVOICE_STATUS[letter]}


class _Billed:
    """What earlier invoices and cash sales of one sales order billed: per order line and in total."""

    def __init__(self, earlier: list[Record]) -> None:
        self.amount: dict[str, Decimal] = {}
        self.tax1: dict[str, Decimal] = {}
        self.detail_tax: dict[str, Decimal] = {}  # taxDetailsReference -> taxAmount billed
        self.shipping = self.handling = self.shipping_tax = ZERO
        for bill_record in earlier:
            for line in (bill_record.get("item") or {}).get("items") or []:
                key = str(line.get("orderLine"))
                self.amount[key] = self.amount.get(key, ZERO) + (to_decimal(line.get("amount")) or ZERO)
                self.tax1[key] = self.tax1.get(key, ZERO) + (to_decimal(line.get("tax1Amt")) or ZERO)
            for detail in (bill_record.get("taxDetails") or {}).get("items") or []:
                ref = str(detail.get("taxDetailsReference"))
                self.detail_tax[ref] = self.detail_tax.get(ref, ZERO) + (to_decimal(detail.get("taxAmount")) or ZERO)
            self.shipping += to_decimal(bill_record.get("shippingCost")) or ZERO
            self.handling += to_decimal(bill_record.get("handlingCost")) or ZERO
            self.shipping_tax += to_decimal(bill_record.get("shippingTaxAmount")) or ZERO


def _share(whole: Decimal, part: Decimal, of: Decimal, prior: Decimal, last: bool) -> Decimal:
    """``whole`` × ``part`` / ``of`` to the cent, or what is left of ``whole`` after ``prior`` when ``last``."""
    if last:
        return whole - prior
    return q2(whole * part / of) if of else ZERO


def bill(order: Record, earlier: list[Record], lines: list[Record], body: Record, merged: Record) -> None:
    """Set the amounts, shipping, handling and tax of an invoice (or cash sale) from sales order ``order``.

    ``earlier``: the order's invoices and cash sales so far; ``lines``: the new bill's lines (quantities
    checked, request fields merged in); ``body``: the request; ``merged``: the new bill's body.
    """
    billed = _Billed(earlier)
    by_line = {str(x.get("line")): x for x in (order.get("item") or {}).get("items") or []}
    details: list[Record] = (order.get("taxDetails") or {}).get("items") or []
    by_reference: dict[str, list[Record]] = {}
    for detail in details:
        by_reference.setdefault(str(detail.get("taxDetailsReference")), []).append(detail)
    bill_details: list[Record] = []
    tax_total = ZERO
    taxed = bool(details) or any(x.get("tax1Amt") is not None for x in by_line.values()) or (
        order.get("shippingTaxAmount") is not None)
    for index, line in enumerate(lines):
        key = str(line.get("orderLine"))
        source = by_line[key]
        ordered = to_decimal(source.get("quantity")) or Decimal(1)
        done = to_decimal(source.get("quantityBilled")) or ZERO
        quantity = to_decimal(line.get("quantity")) or ZERO
        last = ordered - done - quantity <= QUANTITY_SLACK
        rate = to_decimal(source.get("rate"))
        whole = to_decimal(source.get("amount"))
        if whole is None:
            whole = q2((rate or ZERO) * ordered)
        prior = billed.amount.get(key, ZERO)
        path = f"item.items[{index}].amount"
        given = money(line.get("amount"), "amount", path)
        if given is not None:
            if abs(prior + given) > abs(whole):
                raise user_error(f"The amount {given} for line {key} is more than its unbilled amount "
                                 f"({whole - prior}).", path)
            amount = given
        elif last:
            amount = whole - prior
        elif rate is not None:
            amount = q2(rate * quantity)
        else:
            amount = _share(whole, quantity, ordered, prior, False)
        line["amount"] = amount
        for name in ("taxCode", "taxRate1", "taxDetailsReference", "isTaxable"):
            if source.get(name) is not None:
                line.setdefault(name, source[name])
        if source.get("tax1Amt") is not None:
            tax1 = _share(to_decimal(source["tax1Amt"]) or ZERO, quantity, ordered, billed.tax1.get(key, ZERO), last)
            line["tax1Amt"] = tax1
            tax_total += tax1
        reference = source.get("taxDetailsReference")
        for detail in by_reference.get(str(reference), []) if reference is not None else []:
            tax = _share(to_decimal(detail.get("taxAmount")) or ZERO, quantity, ordered,
                         billed.detail_tax.get(str(reference), ZERO), last)
            bill_details.append({**detail, "taxBasis": amount, "taxAmount": tax})
            tax_total += tax
    for name, prior_total in (("shippingCost", billed.shipping), ("handlingCost", billed.handling)):
        whole = to_decimal(order.get(name)) or ZERO
        if name in body:
            given = money(body.get(name), name, name)
            if given is not None and given < 0:
                raise user_error(f"The {name} ({given}) cannot be negative.", name)
            merged[name] = given
        elif whole - prior_total > 0:
            merged[name] = whole - prior_total
        else:
            merged.pop(name, None)
    shipping = to_decimal(merged.get("shippingCost")) or ZERO
    whole_shipping = to_decimal(order.get("shippingCost")) or ZERO
    shipping_last = billed.shipping + shipping >= whole_shipping
    if shipping > 0 and order.get("shippingTaxAmount") is not None:
        tax = _share(to_decimal(order["shippingTaxAmount"]) or ZERO, shipping, whole_shipping, billed.shipping_tax,
                     shipping_last)
        merged["shippingTaxCode"] = order.get("shippingTaxCode")
        merged["shippingTaxAmount"] = tax
        tax_total += tax
    if shipping > 0:
        for detail in details:
            if detail.get("lineType") != "Shipping":
                continue
            reference = str(detail.get("taxDetailsReference"))
            tax = _share(to_decimal(detail.get("taxAmount")) or ZERO, shipping, whole_shipping,
                         billed.detail_tax.get(reference, ZERO), shipping_last)
            bill_details.append({**detail, "taxBasis": shipping, "taxAmount": tax})
            tax_total += tax
    if bill_details:
        merged["taxDetailsOverride"] = True
        merged["taxDetails"] = {"items": bill_details}
    if taxed:
        merged["taxTotal"] = tax_total
    if order.get("exchangeRate") is not None:
        merged.setdefault("exchangeRate", order["exchangeRate"])


# -- deposit applications -------------------------------------------------------------------------------


def apply_deposit(store: Store, deposit_id: str, source: Record, body: Record) -> Record:
    """The body of a new deposit application of ``source`` (checked; nothing is changed yet)."""
    payment = to_decimal(source.get("payment")) or ZERO
    unapplied = payment - (to_decimal(source.get("_applied")) or ZERO)
    name = source.get("tranId")
    if unapplied <= 0:
        raise user_error(f"Customer deposit {name} is fully applied: there is nothing left to apply.")
    customer_id = _id(source.get("customer"))
    currency = _id(source.get("currency"))
    apply = body.get("apply")
    wanted = apply.get("items") if isinstance(apply, dict) else None
    lines: list[Record] = []
    total = ZERO
    taken: dict[str, Decimal] = {}
    for index, line in enumerate(wanted or []):
        path = f"apply.items[{index}]"
        if not isinstance(line, dict) or _flag(line.get("apply")) is False:
            continue
        doc_id = _id(line.get("doc"))
        invoice = store.records["invoice"].get(doc_id or "")
        if invoice is None:
            raise invalid_value(doc_id, "doc", f"{path}.doc")
        tran_id = invoice.get("tranId")
        if _id(invoice.get("entity")) != customer_id:
            raise user_error(f"Invoice {tran_id} is not an invoice of customer {customer_id}: a deposit can only be "
                             "applied to its customer's invoices.", f"{path}.doc")
        if currency is not None and _id(invoice.get("currency")) not in (None, currency):
            raise user_error(f"Invoice {tran_id} is not in the currency of customer deposit {name}.", f"{path}.doc")
        remaining = (to_decimal(invoice.get("amountRemaining")) or ZERO) - taken.get(str(doc_id), ZERO)
        amount = money(line.get("amount"), "amount", f"{path}.amount")
        if amount is None:
            amount = min(remaining, unapplied - total)
        if amount <= 0:
            raise user_error(f"The amount applied to invoice {tran_id} ({amount}) must be greater than 0.",
                             f"{path}.amount")
        if amount > remaining:
            raise user_error(f"You cannot apply {amount} to invoice {tran_id}: its amount remaining is {remaining}.",
                             f"{path}.amount")
        taken[str(doc_id)] = taken.get(str(doc_id), ZERO) + amount
        total += amount
        lines.append({"doc": {"id": str(doc_id), "refName": tran_id}, "apply": True, "amount": amount,
                      "type": "Invoice", "refNum": tran_id, "total": invoice.get("total"), "due": remaining})
    if not lines:
        raise user_error("You must apply the deposit to at least one invoice (apply.items with apply: true).",
                         "apply")
    if total > unapplied:
        raise user_error(f"Customer deposit {name} is over-applied: {total} applied, but only {unapplied} is left "
                         "to apply.", "apply")
    record: Record = {k: v for k, v in body.items() if k != "apply"}
    record.update(customer=source.get("customer"), deposit={"id": deposit_id, "refName": name},
                  createdFrom={"id": deposit_id}, currency=source.get("currency"), applied=total,
                  unapplied=unapplied - total, total=total, apply={"items": lines})
    if source.get("subsidiary") is not None:
        record["subsidiary"] = source["subsidiary"]
    return {k: v for k, v in record.items() if v is not None}


def after_application(store: Store, source: Record, created: Record) -> None:
    """Move the applied amounts onto the deposit and the invoices."""
    applied = to_decimal(created.get("applied")) or ZERO
    source["_applied"] = (to_decimal(source.get("_applied")) or ZERO) + applied
    source["_unapplied"] = (to_decimal(source.get("payment")) or ZERO) - source["_applied"]
    deposit_status(source)
    store.touch(source)
    for line in (created.get("apply") or {}).get("items") or []:
        invoice = store.records["invoice"][str(line["doc"]["id"])]
        invoice["amountPaid"] = (to_decimal(invoice.get("amountPaid")) or ZERO) + (to_decimal(line["amount"]) or ZERO)
        invoice_amounts(invoice)
        store.touch(invoice)


def prepare_application(record: Record) -> None:
    """Keep the application's own amounts as Decimal (its status is always Applied)."""
    for name in ("applied", "unapplied", "total"):
        if record.get(name) is not None:
            record[name] = to_decimal(record[name])


# -- journal entries ------------------------------------------------------------------------------------


def journal(store: Store, record: Record) -> None:
    """Check a journal entry's lines (accounts, debit xor credit, not negative) and that it balances."""
    subsidiary = _id(record.get("subsidiary"))
    debits = credits = ZERO
    for index, line in enumerate((record.get("line") or {}).get("items") or []):
        path = f"line.items[{index}]"
        line["account"] = account_ref(store, line.get("account"), f"{path}.account", subsidiary=subsidiary)
        debit = money(line.get("debit"), "debit", f"{path}.debit")
        credit = money(line.get("credit"), "credit", f"{path}.credit")
        if debit is None and credit is None:
            raise user_error("Please enter value(s) for: Debit or Credit", path)
        if debit and credit:
            raise user_error("A journal line takes a debit or a credit amount, not both.", path)
        for name, value in (("debit", debit), ("credit", credit)):
            if value is not None and value < 0:
                raise user_error(f"The {name} amount ({value}) cannot be negative.", f"{path}.{name}")
            if value is not None:
                line[name] = value
        debits += debit or ZERO
        credits += credit or ZERO
    if debits != credits:
        raise user_error("The total debits must equal the total credits.")


# -- deletes --------------------------------------------------------------------------------------------


def delete(store: Store, record_type: str, record_id: str, advance: Callable[[Record], None]) -> None:
    """Delete a money record as NetSuite would: a deposit application gives its amounts back to the deposit
    and the invoices; an invoice or deposit with applications is refused; an invoice's billed quantities go
    back on its sales order (``advance(order)`` then updates the order's status)."""
    record = store.records[record_type][record_id]
    name = record.get("tranId")
    if record_type == "depositApplication":
        source = store.records["customerDeposit"].get(_id(record.get("deposit")) or "")
        if source is not None:
            applied = to_decimal(record.get("applied")) or ZERO
            source["_applied"] = max((to_decimal(source.get("_applied")) or ZERO) - applied, ZERO)
            source["_unapplied"] = (to_decimal(source.get("payment")) or ZERO) - source["_applied"]
            deposit_status(source)
            store.touch(source)
        for line in (record.get("apply") or {}).get("items") or []:
            invoice = store.records["invoice"].get(_id(line.get("doc")) or "")
            if invoice is not None:
                paid = (to_decimal(invoice.get("amountPaid")) or ZERO) - (to_decimal(line.get("amount")) or ZERO)
                invoice["amountPaid"] = max(paid, ZERO)
                invoice_amounts(invoice)
                store.touch(invoice)
    elif record_type == "customerDeposit" and (to_decimal(record.get("_applied")) or ZERO) > 0:
        raise user_error(f"This record cannot be deleted because it has dependent records: customer deposit "
                         f"{name} is applied (delete its deposit applications first).")
    elif record_type == "invoice":
        if (to_decimal(record.get("amountPaid")) or ZERO) > 0:
            raise user_error(f"This record cannot be deleted because it has dependent records: invoice {name} "
                             "has payments or deposits applied.")
        order = store.records["salesOrder"].get(_id(record.get("createdFrom")) or "")
        if order is not None:
            by_line = {str(x.get("line")): x for x in (order.get("item") or {}).get("items") or []}
            for line in (record.get("item") or {}).get("items") or []:
                source = by_line.get(str(line.get("orderLine")))
                if source is not None:
                    billed = (to_decimal(source.get("quantityBilled")) or ZERO) - (to_decimal(line.get("quantity"))
                                                                                   or ZERO)
                    source["quantityBilled"] = max(billed, ZERO)
            advance(order)
            store.touch(order)
    store.delete(record_type, record_id)
