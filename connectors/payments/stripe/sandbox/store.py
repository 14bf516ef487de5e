"""The sandbox's money model: one in-memory store of charges, refunds, disputes, balance transactions,
payouts and events, in the JSON shapes of Stripe's ``fixtures3.json``.

Amounts are integers in minor units of each object's currency, as on Stripe's wire. A charge of
``amount`` in its (presentment) currency settles in the account's ``currency``: with ``exchange_rate``
the balance transaction is ``round(amount × rate)``; the fee is 2.9 % + 0.30 of the settled amount.
Lists are newest first by creation order (``created`` may be given for back-dated charges; ordering
stays by creation). Ids are a prefix, a random token of this store and a counter.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ...minor_units import exponent, to_minor

FEE_RATE = Decimal("0.029")
FEE_FIXED = Decimal("0.30")
DISPUTE_FEE = Decimal("15.00")
DAY = 86_400


class StripeApiError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "message", "code", "param"}}``."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(kind: str, object_id: str) -> StripeApiError:
    return StripeApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id")


def round_minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def major_to_minor(raw: Any, currency: str, name: str = "amount") -> int:
    """``"12.34"`` (major units, as the admin API takes them) → ``1234``."""
    try:
        amount = Decimal(str(raw))
        return to_minor(amount, currency)
    except (InvalidOperation, ValueError) as exc:
        raise StripeApiError(400, f"Invalid {name}: {raw!r} ({currency.upper()})", param=name) from exc


@dataclass
class Ordered:
    """Objects of one kind in creation order, with each id's position (for cursor paging)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.position[obj["id"]] = len(self.items)
        self.items.append(obj)
        return obj

    def get(self, object_id: str) -> dict[str, Any] | None:
        pos = self.position.get(object_id)
        return None if pos is None else self.items[pos]

    def __len__(self) -> int:
        return len(self.items)


def page(ordered: Ordered, kind: str, *, limit: int, starting_after: str | None, ending_before: str | None,
         keep: Callable[[dict[str, Any]], bool] | None = None) -> tuple[list[dict[str, Any]], bool]:
    """One newest-first page of ``ordered`` and whether more follow (Stripe's ``has_more``)."""
    items = ordered.items
    found: list[dict[str, Any]] = []
    if ending_before:
        pos = ordered.position.get(ending_before)
        if pos is None:
            raise missing(kind, ending_before)
        for i in range(pos + 1, len(items)):
            if keep is None or keep(items[i]):
                found.append(items[i])
                if len(found) > limit:
                    break
        more = len(found) > limit
        return list(reversed(found[:limit])), more
    start = len(items) - 1
    if starting_after:
        pos = ordered.position.get(starting_after)
        if pos is None:
            raise missing(kind, starting_after)
        start = pos - 1
    for i in range(start, -1, -1):
        if keep is None or keep(items[i]):
            found.append(items[i])
            if len(found) > limit:
                break
    return found[:limit], len(found) > limit


class StripeStore:
    """Everything the sandbox knows; ``on_event`` is called with each new event (the webhook dispatcher)."""

    def __init__(self, *, account_currency: str = "usd", api_version: str = "2024-06-20",
                 seed: int | None = None) -> None:
        self.currency = account_currency.lower()
        self.api_version = api_version
        rng = random.Random(seed)
        self._token = "".join(rng.choices(string.ascii_letters + string.digits, k=8))
        self._counter = 0
        self.charges = Ordered()
        self.refunds = Ordered()
        self.disputes = Ordered()
        self.balance_transactions = Ordered()
        self.payouts = Ordered()
        self.events = Ordered()
        self.by_payment_intent: dict[str, str] = {}
        #: admin POSTs already answered, by ``Idempotency-Key`` (replayed as Stripe does)
        self.idempotent: dict[str, dict[str, Any]] = {}
        #: balance transactions not yet paid out, per settlement currency, in creation order
        self.unpaid: dict[str, list[str]] = {}
        #: the balance transactions of each automatic payout (its own one included), in creation order
        self.payout_lines: dict[str, Ordered] = {}
        self.on_event: Callable[[dict[str, Any]], None] | None = None

    # ------------------------------------------------------------------ ids and time

    def new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_{self._token}{self._counter:014d}"

    @staticmethod
    def now() -> int:
        return int(time.time())

    # ------------------------------------------------------------------ balance transactions

    def _balance_transaction(self, *, amount: int, fee: int, currency: str, type_: str, category: str,
                             source: str, description: str | None, created: int,
                             fee_details: list[dict[str, Any]] | None = None,
                             exchange_rate: float | None = None) -> dict[str, Any]:
        bt_id = self.new_id("txn")
        bt: dict[str, Any] = {
            "amount": amount,
            "available_on": created,
            "created": created,
            "currency": currency,
            "description": description,
            "exchange_rate": exchange_rate,
            "fee": fee,
            "fee_details": fee_details or [],
            "id": bt_id,
            "net": amount - fee,
            "object": "balance_transaction",
            "reporting_category": category,
            "source": source,
            "status": "available",
            "type": type_,
            "balance_type": "payments",
        }
        self.balance_transactions.add(bt)
        if type_ != "payout":
            self.unpaid.setdefault(currency, []).append(bt_id)
        return bt

    @staticmethod
    def _fee_detail(amount: int, currency: str, description: str) -> dict[str, Any]:
        return {"amount": amount, "application": None, "currency": currency, "description": description,
                "type": "stripe_fee"}

    # ------------------------------------------------------------------ charges

    def create_charge(self, body: dict[str, Any]) -> dict[str, Any]:
        """A succeeded, captured charge and its balance transaction (type ``charge``)."""
        if not isinstance(body, dict) or "amount" not in body:
            raise StripeApiError(400, "Missing required param: amount.", param="amount")
        settle = str(body.get("currency") or self.currency).lower()
        presentment = str(body.get("presentment_currency") or settle).lower()
        amount = major_to_minor(body["amount"], presentment)
        if amount <= 0:
            raise StripeApiError(400, "Invalid amount: a charge must be positive.", param="amount")
        rate_raw = body.get("exchange_rate")
        rate = None
        settled = amount
        if presentment != settle:
            if rate_raw is None:
                raise StripeApiError(400, "exchange_rate is required when presentment_currency differs",
                                     param="exchange_rate")
            rate = Decimal(str(rate_raw))
            settled = round_minor(Decimal(amount).scaleb(exponent(settle) - exponent(presentment)) * rate)
        pi = str(body.get("payment_intent") or self.new_id("pi"))
        if pi in self.by_payment_intent:
            raise StripeApiError(400, f"A charge for payment intent {pi} already exists "
                                      f"({self.by_payment_intent[pi]}).", code="charge_already_exists",
                                 param="payment_intent")
        created = int(body.get("created") or self.now())
        fee = round_minor(Decimal(settled) * FEE_RATE + FEE_FIXED.scaleb(exponent(settle)))
        charge_id = self.new_id("ch")
        description = body.get("description")
        bt = self._balance_transaction(
            amount=settled, fee=fee, currency=settle, type_="charge", category="charge", source=charge_id,
            description=description, created=created,
            fee_details=[self._fee_detail(fee, settle, "Stripe processing fees")],
            exchange_rate=float(rate) if rate is not None else None)
        charge = charge_object(charge_id, amount=amount, currency=presentment, created=created, payment_intent=pi,
                               balance_transaction=bt["id"], description=description,
                               metadata=dict(body.get("metadata") or {}))
        self.charges.add(charge)
        self.by_payment_intent[pi] = charge_id
        return charge

    def charge(self, charge_id: str) -> dict[str, Any]:
        found = self.charges.get(charge_id)
        if found is None:
            raise missing("charge", charge_id)
        return found

    def _settled(self, charge: dict[str, Any], amount: int) -> int:
        """``amount`` of the charge's currency in the settlement currency (its charge BT's rate)."""
        bt = self.balance_transactions.get(charge["balance_transaction"])
        assert bt is not None
        if bt["exchange_rate"] is None:
            return amount
        shift = exponent(bt["currency"]) - exponent(charge["currency"])
        return round_minor(Decimal(amount).scaleb(shift) * Decimal(str(bt["exchange_rate"])))

    # ------------------------------------------------------------------ refunds

    def create_refund(self, body: dict[str, Any]) -> dict[str, Any]:
        """A refund of ``charge`` (or of ``payment_intent``'s charge), all that is left unless ``amount``."""
        if not body.get("charge") and body.get("payment_intent"):
            pi = str(body["payment_intent"])
            if pi not in self.by_payment_intent:
                raise missing("payment_intent", pi)
            body = {**body, "charge": self.by_payment_intent[pi]}
        charge = self.charge(str(body.get("charge") or ""))
        left = charge["amount"] - charge["amount_refunded"]
        amount = major_to_minor(body["amount"], charge["currency"]) if body.get("amount") is not None else left
        if amount <= 0 or amount > left:
            raise StripeApiError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                                      f"({left})", param="amount")
        refund_id = self.new_id("re")
        created = int(body.get("created") or self.now())
        charge_bt = self.balance_transactions.get(charge["balance_transaction"])
        assert charge_bt is not None
        settled = self._settled(charge, amount)
        bt = self._balance_transaction(
            amount=-settled, fee=0, currency=charge_bt["currency"], type_="refund", category="refund",
            source=refund_id, description=f"REFUND FOR CHARGE ({charge['description'] or charge['id']})",
            created=created, exchange_rate=charge_bt["exchange_rate"])
        refund = {
            "amount": amount,
            "balance_transaction": bt["id"],
            "charge": charge["id"],
            "created": created,
            "currency": charge["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "id": refund_id,
            "metadata": dict(body.get("metadata") or {}),
            "object": "refund",
            "payment_intent": charge["payment_intent"],
            "reason": body.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
            "customer": None,
            "customer_account": None,
            "payment_method": charge["payment_method"],
        }
        self.refunds.add(refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        return refund

    # ------------------------------------------------------------------ disputes

    def create_dispute(self, body: dict[str, Any]) -> dict[str, Any]:
        charge = self.charge(str(body.get("charge") or ""))
        if charge["disputed"]:
            raise StripeApiError(400, f"Charge {charge['id']} is already disputed.", param="charge")
        amount = major_to_minor(body["amount"], charge["currency"]) if body.get("amount") is not None \
            else charge["amount"] - charge["amount_refunded"]
        if amount <= 0 or amount > charge["amount"]:
            raise StripeApiError(400, f"Invalid dispute amount ({amount}).", param="amount")
        charge_bt = self.balance_transactions.get(charge["balance_transaction"])
        assert charge_bt is not None
        currency = charge_bt["currency"]
        fee = to_minor(DISPUTE_FEE, currency)
        dispute_id = self.new_id("dp")
        created = int(body.get("created") or self.now())
        settled = self._settled(charge, amount)
        bt = self._balance_transaction(
            amount=-settled, fee=fee, currency=currency, type_="adjustment", category="dispute", source=dispute_id,
            description=f"Chargeback withdrawal for {charge['id']}", created=created,
            fee_details=[self._fee_detail(fee, currency, "Dispute fee")], exchange_rate=charge_bt["exchange_rate"])
        dispute = dispute_object(dispute_id, charge, amount=amount, created=created, bt=bt,
                                 reason=str(body.get("reason") or "fraudulent"))
        self.disputes.add(dispute)
        charge["disputed"] = True
        return dispute

    def dispute(self, dispute_id: str) -> dict[str, Any]:
        found = self.disputes.get(dispute_id)
        if found is None:
            raise missing("dispute", dispute_id)
        return found

    def close_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        """``won``: the money and the dispute fee come back (a ``dispute_reversal`` BT); ``lost``: nothing."""
        dispute = self.dispute(dispute_id)
        if status not in ("won", "lost"):
            raise StripeApiError(400, "status must be 'won' or 'lost'", param="status")
        if dispute["status"] in ("won", "lost"):
            raise StripeApiError(400, f"Dispute {dispute_id} is already closed ({dispute['status']}).")
        dispute["status"] = status
        dispute["is_charge_refundable"] = False
        if status == "won":
            withdrawal = dispute["balance_transactions"][0]
            fee = withdrawal["fee"]
            bt = self._balance_transaction(
                amount=-withdrawal["amount"], fee=-fee, currency=withdrawal["currency"], type_="adjustment",
                category="dispute_reversal", source=dispute_id,
                description=f"Chargeback reversal for {dispute['charge']}", created=self.now(),
                fee_details=[self._fee_detail(-fee, withdrawal["currency"], "Dispute fee refund")],
                exchange_rate=withdrawal["exchange_rate"])
            dispute["balance_transactions"].append(bt)
        return dispute

    # ------------------------------------------------------------------ payouts

    def create_payout(self, body: dict[str, Any]) -> dict[str, Any]:
        """Pay out every not-yet-paid-out balance transaction of ``currency`` (Σ net, maybe negative)."""
        currency = str(body.get("currency") or self.currency).lower()
        pending = self.unpaid.get(currency) or []
        if not pending:
            raise StripeApiError(400, f"You have no {currency.upper()} balance to pay out.",
                                 code="balance_insufficient")
        automatic = bool(body.get("automatic", True))
        method = str(body.get("method") or "standard")
        if method not in ("standard", "instant"):
            raise StripeApiError(400, f"Invalid method: {method}", param="method")
        lines = [self.balance_transactions.items[self.balance_transactions.position[i]] for i in pending]
        amount = sum(bt["net"] for bt in lines)
        self.unpaid[currency] = []
        created = self.now()
        payout_id = self.new_id("po")
        own = self._balance_transaction(
            amount=-amount, fee=0, currency=currency, type_="payout", category="payout", source=payout_id,
            description="STRIPE PAYOUT", created=created)
        itemised = automatic and method == "standard"
        payout = payout_object(payout_id, amount=amount, currency=currency, created=created,
                               arrival_date=int(body.get("arrival_date") or (created // DAY + 2) * DAY),
                               automatic=automatic, method=method, balance_transaction=own["id"],
                               reconciliation_status="completed" if itemised else "not_applicable")
        self.payouts.add(payout)
        if itemised:
            members = Ordered()
            for bt in [*lines, own]:
                members.add(bt)
            self.payout_lines[payout_id] = members
        self.emit("payout.paid", payout)
        if itemised:
            self.emit("payout.reconciliation_completed", payout)
        return payout

    def payout(self, payout_id: str) -> dict[str, Any]:
        found = self.payouts.get(payout_id)
        if found is None:
            raise missing("payout", payout_id)
        return found

    def fail_payout(self, payout_id: str, failure_code: str, failure_message: str | None = None) -> dict[str, Any]:
        """The bank refused the payout: its money returns to the balance (a ``payout_failure`` BT)."""
        payout = self.payout(payout_id)
        if payout["status"] == "failed":
            raise StripeApiError(400, f"Payout {payout_id} has already failed.")
        bt = self._balance_transaction(
            amount=payout["amount"], fee=0, currency=payout["currency"], type_="payout_failure",
            category="payout_reversal", source=payout_id, description=f"Payout failure ({failure_code})",
            created=self.now())
        payout["status"] = "failed"
        payout["failure_code"] = failure_code
        payout["failure_message"] = failure_message or "The bank account could not be credited."
        payout["failure_balance_transaction"] = bt["id"]
        self.emit("payout.failed", payout)
        return payout

    # ------------------------------------------------------------------ events

    def emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "api_version": self.api_version,
            "created": self.now(),
            "data": {"object": dict(obj)},
            "id": self.new_id("evt"),
            "livemode": False,
            "object": "event",
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self.events.add(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    def iter_objects(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for kind, ordered in (("charge", self.charges), ("refund", self.refunds), ("dispute", self.disputes),
                              ("balance_transaction", self.balance_transactions), ("payout", self.payouts),
                              ("event", self.events)):
            for obj in ordered.items:
                yield kind, obj


def charge_object(charge_id: str, *, amount: int, currency: str, created: int, payment_intent: str,
                  balance_transaction: str, description: str | None, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": balance_transaction,
        "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": None, "name": None, "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "O2C SANDBOX",
        "captured": True,
        "created": created,
        "currency": currency,
        "customer": None,
        "description": description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "id": charge_id,
        "livemode": False,
        "metadata": metadata,
        "object": "charge",
        "on_behalf_of": None,
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": "approved_by_network", "reason": None, "seller_message": "Payment complete.",
                    "type": "authorized"},
        "paid": True,
        "payment_intent": payment_intent,
        "payment_method": "pm_card_visa",
        "payment_method_details": {"card": {"brand": "visa", "country": "US", "exp_month": 8, "exp_year": 2030,
                                            "funding": "credit", "last4": "4242", "network": "visa"},
                                   "type": "card"},
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": {"data": [], "has_more": False, "object": "list", "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
        "source": None,
    }


def dispute_object(dispute_id: str, charge: dict[str, Any], *, amount: int, created: int, bt: dict[str, Any],
                   reason: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "balance_transactions": [bt],
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "evidence": {},
        "evidence_details": {"due_by": created + 21 * DAY, "has_evidence": False, "past_due": False,
                             "submission_count": 0, "enhanced_eligibility": {}},
        "id": dispute_id,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "object": "dispute",
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {"card": {"brand": "visa", "case_type": "chargeback", "network_reason_code": "10.4",
                                            "network": "visa"}, "type": "card"},
        "reason": reason,
        "status": "needs_response",
        "enhanced_eligibility_types": [],
    }


def payout_object(payout_id: str, *, amount: int, currency: str, created: int, arrival_date: int, automatic: bool,
                  method: str, balance_transaction: str, reconciliation_status: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": arrival_date,
        "automatic": automatic,
        "balance_transaction": balance_transaction,
        "created": created,
        "currency": currency,
        "description": "STRIPE PAYOUT",
        "destination": "ba_sandbox",
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "id": payout_id,
        "livemode": False,
        "metadata": {},
        "method": method,
        "object": "payout",
        "original_payout": None,
        "reconciliation_status": reconciliation_status,
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": "paid",
        "type": "bank_account",
        "trace_id": {"status": "supported", "value": f"TRACE{payout_id[-10:].upper()}"},
        "payout_method": None,
    }
