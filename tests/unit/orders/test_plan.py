"""The planner's decisions, case by case (``streams.orders.plan``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from streams.orders.mapping import MappingConfig, content_hash
from streams.orders.plan import (
    Build,
    CancelUnsynced,
    Close,
    Hold,
    Ignore,
    Park,
    PlanRules,
    Send,
    Stale,
    Unchanged,
    build,
    triage,
)
from tests.support.orders import snapshot

RULES = PlanRules(to_fulfil_statuses=frozenset({11}), cancelled_statuses=frozenset({5}),
                  mapping=MappingConfig(discount_item="D", tax_item="T", handling_item="H", rounding_item="R",
                                        tolerance=Decimal("0.01"), custom_line_skus=frozenset({"GIFT-WRAP"})))


@dataclass
class FakeLink:
    status: str
    content_hash: str


def test_a_version_older_than_the_one_handled_is_stale() -> None:
    order = snapshot()
    assert isinstance(triage(order, FakeLink("synced", "x"), newer_handled=True, content_hash="y", rules=RULES),
                      Stale)


def test_a_cancellation_closes_a_synced_order_and_is_only_reported_otherwise() -> None:
    order = snapshot(status_id=5)
    assert isinstance(triage(order, FakeLink("synced", "x"), newer_handled=False, content_hash="x", rules=RULES),
                      Close)
    assert isinstance(triage(order, None, newer_handled=False, content_hash="x", rules=RULES), CancelUnsynced)
    assert isinstance(triage(order, FakeLink("held", "x"), newer_handled=False, content_hash="x", rules=RULES),
                      CancelUnsynced)


def test_a_status_that_is_not_to_fulfil_is_ignored() -> None:
    assert isinstance(triage(snapshot(status_id=1), None, newer_handled=False, content_hash="x", rules=RULES),
                      Ignore)


def test_same_content_as_synced_or_held_is_unchanged_and_anything_else_is_built() -> None:
    order = snapshot()
    chash = content_hash(order)
    for status in ("synced", "held"):
        assert isinstance(triage(order, FakeLink(status, chash), newer_handled=False, content_hash=chash,
                                 rules=RULES), Unchanged)
    first = triage(order, FakeLink("synced", "older"), newer_handled=False, content_hash=chash, rules=RULES)
    assert isinstance(first, Build) and first.content_hash == chash


def test_missing_skus_park_the_order_with_a_plain_reason() -> None:
    order = snapshot(lines=[("A", Decimal("10"), 1, Decimal(0)), ("B", Decimal("5"), 2, Decimal(0))])
    decision = build(order, {"A"}, RULES)
    assert isinstance(decision, Park) and decision.missing == ("B",)
    assert decision.detail == "SKU not in NetSuite: B"


def test_an_order_whose_skus_are_known_is_sent_to_the_cent() -> None:
    order = snapshot(lines=[("A", Decimal("10"), 1, Decimal(0))])
    decision = build(order, {"A"}, RULES)
    assert isinstance(decision, Send)
    assert decision.draft.total == order.total_inc_tax


def test_a_total_that_does_not_add_up_is_held() -> None:
    order = snapshot(lines=[("A", Decimal("10"), 1, Decimal(0))])
    broken = order.model_copy(update={"total_inc_tax": order.total_inc_tax + Decimal("5")})
    decision = build(broken, {"A"}, RULES)
    assert isinstance(decision, Hold) and decision.mismatch.drift == Decimal("5")


def test_custom_lines_need_no_netsuite_item_and_book_on_the_custom_item() -> None:
    order = snapshot(lines=[("A", Decimal("10"), 1, Decimal(0)), ("GIFT-WRAP", Decimal("3"), 1, Decimal(0))])
    no_product = order.lines[0].model_copy(update={"product_id": 0, "sku": "", "name": "Engraving"})
    order = order.model_copy(update={"lines": (no_product, order.lines[1])})
    decision = build(order, set(), RULES)
    assert isinstance(decision, Send)
    custom = [line for line in decision.draft.lines if line.kind == "custom"]
    assert [(c.item_ref, c.description) for c in custom] == [("O2C-CUSTOM", "Engraving"),
                                                             ("O2C-CUSTOM", "Item GIFT-WRAP")]
    assert decision.draft.total == order.total_inc_tax
