"""What to do with one version of a BigCommerce order: the planner's decisions, as pure functions.

``triage`` looks at the order and what o2c already did with it (its link); ``build`` turns an order
that must be written into a command, a wait for missing items, or a hold for finance. The planner
(``streams.orders.planner``) reads the link and the SKU map, calls these, and carries out the answer.

| the order version …                                    | decision            |
|--------------------------------------------------------|---------------------|
| is older than the version already handled              | ``Stale``           |
| is cancelled, its sales order was written              | ``Close``           |
| is cancelled before it reached NetSuite                | ``CancelUnsynced``  |
| has a status that is not "to fulfil"                   | ``Ignore``          |
| has the same content as the one synced or held         | ``Unchanged``       |
| needs SKUs NetSuite does not have                      | ``Park``            |
| is in a currency with no NetSuite currency configured  | ``Hold`` (finance)  |
| ships to several addresses, NetSuite has no MSR        | ``Hold`` (ops)      |
| has tax no configured tax code fits (tax modes)        | ``Hold`` (finance)  |
| does not add up to what was charged (beyond tolerance) | ``Hold`` (finance)  |
| otherwise                                              | ``Send`` (upsert)   |

A ``Send`` carries the mapped currency and the shipping plan; a ship method with no mapping does not hold the
order (the default is used) but is reported (``unmapped``) for operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from streams.contract import BcOrderSnapshot
from streams.orders.currency import Currency, CurrencyConfig, CurrencyUnmapped, order_currency
from streams.orders.mapping import MappingConfig, SalesOrderDraft, TotalMismatch, build_sales_order, skus_needed
from streams.orders.shipping import MultiAddressUnsupported, Shipping, ShippingConfig, plan_shipping
from streams.orders.tax import TaxCodeUnmapped, TaxConfig, build_taxed_sales_order


class Link(Protocol):
    """What the planner knows of an order's earlier handling (``state.orders.OrderLink``)."""

    @property
    def status(self) -> str: ...
    @property
    def content_hash(self) -> str: ...


@dataclass(frozen=True)
class PlanRules:
    to_fulfil_statuses: frozenset[int]
    cancelled_statuses: frozenset[int]
    mapping: MappingConfig
    tax: TaxConfig = field(default_factory=TaxConfig)
    currency: CurrencyConfig = field(default_factory=lambda: CurrencyConfig({"USD": "1"}))
    shipping: ShippingConfig = field(default_factory=lambda: ShippingConfig({}))


@dataclass(frozen=True)
class Stale:
    outcome = "stale"


@dataclass(frozen=True)
class Close:
    outcome = "close"


@dataclass(frozen=True)
class CancelUnsynced:
    outcome = "cancelled-unsynced"


@dataclass(frozen=True)
class Ignore:
    outcome = "ignored-status"


@dataclass(frozen=True)
class Unchanged:
    outcome = "unchanged"


@dataclass(frozen=True)
class Build:
    """The order must be (re)written: look up its SKUs, then ``build``."""

    content_hash: str
    outcome = "build"


@dataclass(frozen=True)
class Park:
    missing: tuple[str, ...]
    outcome = "parked"

    @property
    def detail(self) -> str:
        return f"SKU not in NetSuite: {', '.join(self.missing)}"


Problem = TotalMismatch | CurrencyUnmapped | TaxCodeUnmapped | MultiAddressUnsupported

#: exception kind and owner of each reason to hold an order
HOLD_KINDS: dict[type, tuple[str, str]] = {
    TotalMismatch: ("total_mismatch", "finance"), CurrencyUnmapped: ("currency_unmapped", "finance"),
    TaxCodeUnmapped: ("tax_code_unmapped", "finance"), MultiAddressUnsupported: ("multi_address_unsupported",
                                                                                 "operations"),
}


@dataclass(frozen=True)
class Hold:
    problem: Problem
    outcome = "held"

    @property
    def kind(self) -> str:
        return HOLD_KINDS[type(self.problem)][0]

    @property
    def owner(self) -> str:
        return HOLD_KINDS[type(self.problem)][1]

    @property
    def mismatch(self) -> TotalMismatch:
        assert isinstance(self.problem, TotalMismatch)
        return self.problem


@dataclass(frozen=True)
class Send:
    draft: SalesOrderDraft
    currency: Currency | None = None
    shipping: Shipping | None = None
    outcome = "command"


Triage = Stale | Close | CancelUnsynced | Ignore | Unchanged | Build
Built = Park | Hold | Send


def triage(order: BcOrderSnapshot, link: Link | None, *, newer_handled: bool, content_hash: str,
           rules: PlanRules) -> Triage:
    """The first decision, from the order's status and its link. ``newer_handled``: a later version was."""
    if newer_handled:
        return Stale()
    if order.status_id in rules.cancelled_statuses:
        return Close() if link is not None and link.status == "synced" else CancelUnsynced()
    if order.status_id not in rules.to_fulfil_statuses:
        return Ignore()
    if link is not None and link.content_hash == content_hash and link.status in ("synced", "held"):
        return Unchanged()
    return Build(content_hash)


def build(order: BcOrderSnapshot, known_skus: set[str], rules: PlanRules) -> Built:
    """Wait for missing items, hold a total that does not add up, or send the sales order."""
    missing = tuple(sorted(skus_needed(order, rules.mapping) - known_skus))
    if missing:
        return Park(missing)
    currency = order_currency(order, rules.currency)
    if isinstance(currency, CurrencyUnmapped):
        return Hold(currency)
    shipping = plan_shipping(order, rules.shipping)
    if isinstance(shipping, MultiAddressUnsupported):
        return Hold(shipping)
    draft = (build_sales_order(order, rules.mapping) if rules.tax.mode == "line"
             else build_taxed_sales_order(order, rules.mapping, rules.tax))
    if not isinstance(draft, SalesOrderDraft):
        return Hold(draft)
    return Send(draft, currency, shipping)
