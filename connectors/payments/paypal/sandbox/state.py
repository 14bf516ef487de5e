"""What the PayPal sandbox holds: clients, tokens, seeded transactions, queued faults, a request log."""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..stl_writer import SettlementTransaction


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency.upper(), "value": f"{amount:f}"}


def iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def transaction_detail(t: SettlementTransaction, *, status: str = "S") -> dict[str, Any]:
    """A ``transaction_details[]`` entry shaped like PayPal's, from the record the STL writer takes
    (so a test can give both sources the same day)."""
    started = t.initiated or datetime.now(UTC)
    info: dict[str, Any] = {
        "transaction_id": t.transaction_id,
        "transaction_event_code": t.event_code,
        "transaction_initiation_date": iso(started),
        "transaction_updated_date": iso(t.completed or started),
        "transaction_amount": money(t.gross, t.currency),
        "transaction_status": status,
        "protection_eligibility": "01",
    }
    if t.fee:
        info["fee_amount"] = money(-t.fee, t.currency)
    if t.reference_id:
        info["paypal_reference_id"] = t.reference_id
        info["paypal_reference_id_type"] = t.reference_type or "TXN"
    for key, value in (("invoice_id", t.invoice_id), ("custom_field", t.custom_field),
                       ("bank_reference_id", t.bank_reference)):
        if value:
            info[key] = value
    detail: dict[str, Any] = {"transaction_info": info}
    if t.consumer_id:
        detail["payer_info"] = {"email_address": t.consumer_id}
    return detail


@dataclass
class Fault:
    status: int
    retry_after: float | None = None


@dataclass
class SandboxState:
    """Everything one sandbox serves. Tests may change it directly or through ``/__sandbox/…``."""

    clients: dict[str, str] = field(default_factory=lambda: {"sandbox-client": "sandbox-secret"})
    account_number: str = "SANDBOXMERCHANT1"
    token_ttl: int = 32_400
    tokens: dict[str, float] = field(default_factory=dict)   # token → monotonic expiry
    transactions: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    searches: list[dict[str, str]] = field(default_factory=list)   # query of every search request
    token_requests: int = 0
    last_refreshed: datetime = field(default_factory=lambda: datetime.now(UTC))

    def issue_token(self) -> str:
        token = "A21AA" + secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        self.token_requests += 1
        return token

    def token_valid(self, token: str) -> bool:
        expiry = self.tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def expire_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def seed(self, records: Iterable[SettlementTransaction | dict[str, Any]]) -> int:
        """Add transactions (``SettlementTransaction`` or ready ``transaction_details[]`` dicts)."""
        added = [r if isinstance(r, dict) else transaction_detail(r) for r in records]
        self.transactions.extend(added)
        return len(added)

    def inject(self, *statuses: int, retry_after: float | None = None) -> None:
        """Answer the next search requests with these statuses (429, 500, 503…), one each."""
        self.faults.extend(Fault(s, retry_after) for s in statuses)
