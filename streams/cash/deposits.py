"""The deposit rule: which NetSuite customer deposits a BigCommerce order's payments become. Pure.

- Each captured gateway payment (a ``purchase`` or ``capture`` transaction that succeeded) is one
  deposit for the amount the gateway took, into that gateway's clearing account, carrying the
  gateway's transaction id (the payout join key): ``BC-DEP-<store>-<order>-<n>``, n = 1, 2… in
  BigCommerce transaction order. An authorisation is not money yet: it becomes a deposit once captured.
- Store credit and gift certificates never reach a payout: each is its own deposit
  (``…-SC``, ``…-GC``) into its configured account, or nothing when no account is configured.
- A payment through a gateway with no accounts configured is a ``gateway_unmapped`` problem for
  finance: the deposit is held, never booked to a guessed account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from streams.cash.settings import CashSettings
from streams.contract import BcOrderSnapshot

CAPTURE_EVENTS = frozenset({"purchase", "capture"})
GOOD_STATUSES = frozenset({"ok", "success", "successful", "approved", ""})
ZERO = Decimal(0)


@dataclass(frozen=True)
class PlannedDeposit:
    n: str
    external_id: str
    kind: Literal["gateway", "store_credit", "gift_certificate"]
    amount: Decimal
    currency: str
    account_id: str | None
    gateway: str = ""
    bc_gateway: str = ""
    gateway_transaction_id: str | None = None
    bc_transaction_id: int | None = None
    memo: str = ""

    @property
    def held(self) -> bool:
        return self.account_id is None


@dataclass(frozen=True)
class DepositPlan:
    deposits: tuple[PlannedDeposit, ...]
    #: Gateways (BigCommerce names) paid through with no accounts configured.
    unmapped: tuple[str, ...] = ()


def external_id(store_hash: str, order_id: int, n: str) -> str:
    return f"BC-DEP-{store_hash}-{order_id}-{n}"


def plan_deposits(order: BcOrderSnapshot, settings: CashSettings) -> DepositPlan:
    """The deposits ``order``'s payments become (a deleted or unpaid order has none)."""
    if order.is_deleted:
        return DepositPlan(())
    deposits: list[PlannedDeposit] = []
    unmapped: list[str] = []
    captures = sorted((t for t in order.transactions
                       if t.event.lower() in CAPTURE_EVENTS and t.status.lower() in GOOD_STATUSES and t.amount > 0),
                      key=lambda t: t.id)
    for n, txn in enumerate(captures, start=1):
        key = settings.gateway_key(txn.gateway)
        accounts = settings.accounts.get(key)
        if accounts is None and txn.gateway not in unmapped:
            unmapped.append(txn.gateway)
        deposits.append(PlannedDeposit(
            n=str(n), external_id=external_id(order.store_hash, order.order_id, str(n)), kind="gateway",
            amount=txn.amount, currency=(txn.currency or order.currency_code).upper(),
            account_id=accounts.clearing if accounts else None, gateway=key, bc_gateway=txn.gateway,
            gateway_transaction_id=txn.gateway_transaction_id, bc_transaction_id=txn.id,
            memo=f"BigCommerce order #{order.order_id}: {txn.gateway} {txn.gateway_transaction_id or txn.id}"))
    for code, kind, amount, account, what in (
            ("SC", "store_credit", order.store_credit_amount, settings.store_credit_account, "store credit"),
            ("GC", "gift_certificate", order.gift_certificate_amount, settings.gift_certificate_account,
             "gift certificates")):
        if amount > 0 and account is not None:
            deposits.append(PlannedDeposit(
                n=code, external_id=external_id(order.store_hash, order.order_id, code), kind=kind,  # type: ignore[arg-type]
                amount=amount, currency=order.currency_code.upper(), account_id=account,
                memo=f"BigCommerce order #{order.order_id}: {what}"))
    return DepositPlan(tuple(deposits), tuple(unmapped))


def unmapped_message(order_id: int, gateways: tuple[str, ...], known: list[str]) -> str:
    names = ", ".join(repr(g) for g in gateways)
    return (f"Order {order_id} was paid through {names}, which has no NetSuite accounts in O2C_CASH_ACCOUNTS, so "
            "its customer deposit is held (never booked to a guessed account). Add the gateway's clearing, bank and "
            f"fee accounts (configured today: {', '.join(known) or 'none'}) or map it in O2C_CASH_GATEWAYS, "
            "then retry.")
