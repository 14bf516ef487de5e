"""Money back: return authorisations, item receipts, credit memos, customer refunds, sales order line edits.

- **returnAuthorization from a sales order**: pre-populated with the order's goods lines that have something
  shipped and not yet returned (``quantityFulfilled − quantityReturned``), copying ``rate``, ``taxCode``,
  ``description``, ``location`` and ``custcol_*``; the order lines' ``quantityReturned`` rises. The tax
  engine runs on it as on a sales order (lines with a ``taxCode``: legacy ``tax1Amt``, SuiteTax computed
  details), so ``total`` = subtotal + tax. Status B Pending Receipt.
- **itemReceipt from a return authorisation**: every received line needs a location (its own or the
  header's, which defaults to the RA's): else 400 ``USER_ERROR`` "Please enter value(s) for: Location".
  Stock on hand rises at that location (``aggregateitemlocation`` shows it; NetSuite does not touch the
  item's ``lastmodifieddate``).
- **creditMemo** (from a return authorisation or an invoice, or created standalone): lines with an
  ``orderLine`` are merged over the pre-populated ones; lines without one are added as they are (shipping,
  goodwill, discount, tax-item lines). The tax engine runs as on sales orders. ``applied`` (refunds),
  ``amountRemaining`` = total − applied, ``status`` A Open / B Fully Applied. A standalone credit memo needs
  an ``entity`` (a customer).
- **customerRefund** (create, ``PUT eid:`` upsert, ``customerDeposit/{id}/!transform/customerRefund``):
  ``customer`` required, ``account`` (an active Bank / Other current asset account of the subsidiary)
  required, ``apply.items`` (credit memos of the customer) and ``deposit.items`` (customer deposits of the
  customer) ``{doc{id}, apply, amount}``; ``total`` = Σ amounts (a different given total is refused);
  ``status`` R. The amounts are taken from the credit memos' ``amountRemaining`` / the deposits'
  ``_unapplied`` when written and given back when it is deleted or rewritten.
- **sales order line edits** (PATCH / upsert by ``line``): ``quantity`` below ``quantityFulfilled`` is
  refused; a changed quantity recomputes ``amount`` (from ``rate``) and the line's tax unless they are given;
  ``isClosed`` lines are never pre-populated for fulfilments or bills and commit nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.netsuite.sandbox import cash, tax
from connectors.netsuite.sandbox.accounts import DEPOSIT_TYPES
from connectors.netsuite.sandbox.store import Record, Store, to_decimal

ZERO = Decimal(0)
FULFILLABLE = ("InvtPart", "NonInvtPart", "Kit", "Assembly")
#: Record types the tax engine runs on besides sales orders.
TAXED = ("returnAuthorization", "creditMemo")
DELETE_TYPES = ("creditMemo", "customerRefund")
CM_STATUS = {"A": "Open", "B": "Fully Applied"}
REFUND_STATUS = {"R": "Refunded", "V": "Voided"}
COPIED = ("rate", "location", "description", "price", "taxCode")


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        raw = value.get("id")
        return str(raw) if raw is not None else None
    return str(value) if value not in (None, "") else None


def closed(line: Record) -> bool:
    value = line.get("isClosed")
    return value is True or str(value).lower() in ("true", "t")


# -- transforms -------------------------------------------------------------------------------------------


def limit(source_type: str, target_type: str, line: Record, ordered: Decimal) -> Decimal | None:
    """How much of ``line`` the target may take in all (``None``: the line is not pre-populated)."""
    item_type = _id(line.get("itemType"))
    if source_type == "salesOrder" and closed(line) and target_type in ("itemFulfillment", "invoice", "cashSale"):
        return None
    if source_type == "salesOrder" and target_type == "returnAuthorization":
        if item_type not in FULFILLABLE:
            return None  # only shipped goods come back
        return to_decimal(line.get("quantityFulfilled")) or ZERO
    return ordered


def copy_fields(source_type: str, target_type: str, line: Record, new: Record) -> None:
    """Copy what the new line takes from its source line (beyond item and quantity)."""
    for key in COPIED:
        if line.get(key) is not None:
            new[key] = line[key]
    for key, value in line.items():
        if key.startswith("custcol") and value is not None:
            new[key] = value
    if target_type == "creditMemo" and line.get("amount") is not None:
        new["_sourceAmount"] = line["amount"]


def only_mentioned(source: Record, body: Record) -> Record:
    """A transform with ``?replace=item``: the pre-populated lines the body does not mention are dropped (the
    way to leave lines off records whose lines have no ``itemReceive``: returns, credit memos)."""
    wanted = list(((body.get("item") or {}).get("items") or []) if isinstance(body.get("item"), dict) else [])
    mentioned = {str(x.get("orderLine")) for x in wanted if isinstance(x, dict) and x.get("orderLine") is not None}
    for line in (source.get("item") or {}).get("items") or []:
        if str(line.get("line")) not in mentioned:
            wanted.append({"orderLine": line.get("line"), "itemReceive": False})
    return {**body, "item": {"items": wanted}}


def added_line(target_type: str, wanted: Record) -> bool:
    """True for a request line that is appended rather than matched to a source line (credit memos)."""
    return target_type == "creditMemo" and wanted.get("orderLine") is None


def finish_lines(target_type: str, merged: Record, kept: list[Record], added: list[Record]) -> None:
    """Location check of receipts; credit memos' appended lines and amounts."""
    if target_type == "itemReceipt":
        header = _id(merged.get("location"))
        for line in kept:
            if _id(line.get("location")) is None and header is None:
                raise cash.user_error("Please enter value(s) for: Location", "location")
    for line in kept:
        source_amount = to_decimal(line.pop("_sourceAmount", None))
        if target_type == "creditMemo" and line.get("rate") is None and source_amount is not None:
            line.setdefault("amount", source_amount)
    kept.extend(dict(line) for line in added)


# -- tax, credit memo amounts -------------------------------------------------------------------------------


def apply_tax(store: Store, engine: str, record_type: str, record: Record) -> None:
    """Run the account's tax engine on a return authorisation or credit memo (as on sales orders)."""
    if record_type in TAXED:
        tax.apply(store, engine, record)


def credit_amounts(store: Store, record: Record) -> None:
    """``applied``, ``amountRemaining`` and ``status`` of a credit memo; a standalone one needs a customer."""
    entity = _id(record.get("entity"))
    if entity is None:
        raise cash.user_error("Please enter value(s) for: Customer", "entity")
    if entity not in store.records["customer"]:
        raise cash.invalid_value(entity, "entity", "entity")
    total = to_decimal(record.get("total")) or ZERO
    applied = to_decimal(record.get("applied")) or ZERO
    record["applied"] = applied
    record["amountRemaining"] = total - applied
    letter = "B" if applied > 0 and total - applied <= 0 else "A"
    record["status"] = {"id": letter, "refName": CM_STATUS[letter]}


# -- customer refunds ---------------------------------------------------------------------------------------


class Refunds:
    """Customer refunds and what they took from credit memos and deposits."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._taken: dict[str, dict[tuple[str, str], Decimal]] = {}  # refund id -> (type, doc id) -> amount

    def prepare(self, record: Record) -> None:
        """Check a refund (create or rewrite) and derive its ``total`` and ``status``."""
        store = self.store
        customer_id = _id(record.get("customer"))
        if customer_id is None:
            raise cash.user_error("Please enter value(s) for: Customer", "customer")
        customer = store.records["customer"].get(customer_id)
        if customer is None:
            raise cash.invalid_value(customer_id, "customer", "customer")
        subsidiary = _id(record.get("subsidiary")) or _id(customer.get("subsidiary"))
        record["account"] = cash.account_ref(store, record.get("account"), "account", subsidiary=subsidiary,
                                             types=DEPOSIT_TYPES)
        if record.get("currency") is None and customer.get("currency") is not None:
            record["currency"] = customer["currency"]
        before = self._taken.get(str(record["id"]), {})
        total = ZERO
        for sublist, record_type in (("apply", "creditMemo"), ("deposit", "customerDeposit")):
            by_doc: dict[str, Record] = {}  # keyed by doc, as in NetSuite: a rewrite's line replaces the old one
            for index, line in enumerate((record.get(sublist) or {}).get("items") or []):
                if not isinstance(line, dict):
                    continue
                by_doc.pop(str(_id(line.get("doc"))), None)
                if cash._flag(line.get("apply")) is not False:
                    by_doc[str(_id(line.get("doc")))] = {**line, "_path": f"{sublist}.items[{index}]"}
            lines = [self._line(record_type, customer_id, line, line.pop("_path"), before) for line in by_doc.values()]
            total += sum((line["amount"] for line in lines), ZERO)
            record[sublist] = {"items": lines}
        if total <= 0:
            raise cash.user_error("You must select at least one credit memo or deposit to refund (apply.items or "
                                  "deposit.items with apply: true).", "apply")
        given = cash.money(record.get("total"), "total", "total")
        if given is not None and given != total and "lastModifiedDate" not in record:
            raise cash.user_error(f"The refund amount ({given}) must equal the total of the applied credits and "
                                  f"deposits ({total}).", "total")
        record["total"] = total
        letter = _id(record.get("status")) if _id(record.get("status")) in REFUND_STATUS else "R"
        record["status"] = {"id": letter, "refName": REFUND_STATUS[letter or "R"]}

    def _line(self, record_type: str, customer_id: str, line: Record, path: str,
              before: dict[tuple[str, str], Decimal]) -> Record:
        doc_id = _id(line.get("doc"))
        doc = self.store.records[record_type].get(doc_id or "")
        if doc is None:
            raise cash.invalid_value(doc_id, "doc", f"{path}.doc")
        name = doc.get("tranId")
        kind = "credit memo" if record_type == "creditMemo" else "customer deposit"
        if _id(doc.get("entity") or doc.get("customer")) != customer_id:
            raise cash.user_error(f"The {kind} {name} is not a {kind} of customer {customer_id}.", f"{path}.doc")
        mine = before.get((record_type, str(doc_id)), ZERO)
        if record_type == "creditMemo":
            remaining = (to_decimal(doc.get("amountRemaining")) or ZERO) + mine
        else:
            remaining = (to_decimal(doc.get("payment")) or ZERO) - (to_decimal(doc.get("_applied")) or ZERO) + mine
        amount = cash.money(line.get("amount"), "amount", f"{path}.amount")
        if amount is None:
            amount = remaining
        if amount <= 0:
            raise cash.user_error(f"The amount refunded from {kind} {name} ({amount}) must be greater than 0.",
                                  f"{path}.amount")
        if amount > remaining:
            raise cash.user_error(f"You cannot refund {amount} from {kind} {name}: only {remaining} is left to "
                                  "refund.", f"{path}.amount")
        return {"doc": {"id": str(doc_id), "refName": name}, "apply": True, "amount": amount,
                "refNum": name, "total": doc.get("total"),
                ("due" if record_type == "creditMemo" else "remaining"): remaining}

    def on_write(self, record: Record) -> None:
        """Move the difference between what the refund takes now and what it took before."""
        now: dict[tuple[str, str], Decimal] = {}
        for sublist, record_type in (("apply", "creditMemo"), ("deposit", "customerDeposit")):
            for line in (record.get(sublist) or {}).get("items") or []:
                key = (record_type, str(_id(line.get("doc"))))
                now[key] = now.get(key, ZERO) + (to_decimal(line.get("amount")) or ZERO)
        self._move(now, self._taken.get(str(record["id"]), {}))
        self._taken[str(record["id"])] = now

    def delete(self, record_id: str) -> None:
        self._move({}, self._taken.pop(record_id, {}))
        self.store.delete("customerRefund", record_id)

    def _move(self, now: dict[tuple[str, str], Decimal], before: dict[tuple[str, str], Decimal]) -> None:
        for key in set(now) | set(before):
            delta = now.get(key, ZERO) - before.get(key, ZERO)
            doc = self.store.records[key[0]].get(key[1])
            if not delta or doc is None:
                continue
            if key[0] == "creditMemo":
                doc["applied"] = (to_decimal(doc.get("applied")) or ZERO) + delta
                credit_amounts(self.store, doc)
            else:
                doc["_applied"] = (to_decimal(doc.get("_applied")) or ZERO) + delta
                doc["_unapplied"] = (to_decimal(doc.get("payment")) or ZERO) - doc["_applied"]
                cash.deposit_status(doc)
            self.store.touch(doc)


def refund_from_deposit(source_id: str, source: Record, body: Record) -> Record:
    """The body of ``customerDeposit/{id}/!transform/customerRefund``: the deposit's unapplied amount."""
    unapplied = (to_decimal(source.get("payment")) or ZERO) - (to_decimal(source.get("_applied")) or ZERO)
    if unapplied <= 0:
        raise cash.user_error(f"Customer deposit {source.get('tranId')} is fully applied: there is nothing left "
                              "to refund.")
    record = dict(body)
    amount = cash.money(record.get("total"), "total", "total")
    lines = (record.get("deposit") or {}).get("items") or [{"doc": {"id": source_id}, "apply": True,
                                                             "amount": unapplied if amount is None else amount}]
    record.update(customer=source.get("customer"), deposit={"items": lines}, currency=source.get("currency"),
                  createdFrom={"id": source_id})
    if source.get("subsidiary") is not None:
        record.setdefault("subsidiary", source["subsidiary"])
    return {k: v for k, v in record.items() if v is not None}


# -- deletes, sales order line edits ------------------------------------------------------------------------


def delete_credit(store: Store, record_id: str, advance: Any) -> None:
    """Delete a credit memo: refused while refunded; its quantities go back on its return authorisation."""
    record = store.records["creditMemo"][record_id]
    if (to_decimal(record.get("applied")) or ZERO) > 0:
        raise cash.user_error("This record cannot be deleted because it has dependent records: credit memo "
                              f"{record.get('tranId')} is refunded (delete its customer refunds first).")
    source_id = _id(record.get("createdFrom"))
    for source_type in ("returnAuthorization", "invoice"):
        source = store.records[source_type].get(source_id or "")
        if source is None:
            continue
        by_line = {str(x.get("line")): x for x in (source.get("item") or {}).get("items") or []}
        for line in (record.get("item") or {}).get("items") or []:
            src = by_line.get(str(line.get("orderLine")))
            if src is not None:
                done = (to_decimal(src.get("quantityRefunded")) or ZERO) - (to_decimal(line.get("quantity")) or ZERO)
                src["quantityRefunded"] = max(done, ZERO)
        advance(source_type, source)
        store.touch(source)
    store.delete("creditMemo", record_id)


def patch_order_lines(current: Record, body: Record) -> Record:
    """A sales order write's lines checked against the order: no quantity below what is fulfilled; a changed
    quantity drops the line's computed ``amount`` and ``tax1Amt`` (unless given) so they are computed again."""
    incoming = (body.get("item") or {}).get("items") if isinstance(body.get("item"), dict) else None
    if not isinstance(incoming, list):
        return body
    by_line = {str(x.get("line")): x for x in (current.get("item") or {}).get("items") or []}
    lines = []
    for index, wanted in enumerate(incoming):
        line = dict(wanted)
        existing = by_line.get(str(line.get("line"))) if line.get("line") is not None else None
        if existing is not None and line.get("quantity") is not None:
            quantity = cash.money(line["quantity"], "quantity", f"item.items[{index}].quantity") or ZERO
            fulfilled = to_decimal(existing.get("quantityFulfilled")) or ZERO
            if quantity < fulfilled:
                raise cash.user_error(f"You cannot reduce the quantity of line {line['line']} to {quantity}: "
                                      f"{fulfilled} has already been fulfilled.", f"item.items[{index}].quantity")
            if quantity != to_decimal(existing.get("quantity")):
                for name in ("amount", "tax1Amt"):
                    if name not in line and existing.get(name) is not None and (
                            name != "amount" or existing.get("rate") is not None):
                        line[name] = None
        lines.append(line)
    return {**body, "item": {**body["item"], "items": lines}}
