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
| does not add up to what was charged (beyond tolerance) | ``Hold``            |
| otherwise                                              | ``Send`` (upsert)   |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from streams.contract import BcOrderSnapshot
from streams.orders.mapping import MappingConfig, SalesOrderDraft, TotalMismatch, build_sales_order, skus_needed


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


@dataclass(frozen=True)
class Hold:
    mismatch: TotalMismatch
    outcome = "held"


@dataclass(frozen=True)
class Send:
    draft: SalesOrderDraft
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
    draft = build_sales_order(order, rules.mapping)
    if isinstance(draft, TotalMismatch):
        return Hold(draft)
    return Send(draft)
