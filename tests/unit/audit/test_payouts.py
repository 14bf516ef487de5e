from decimal import Decimal

from streams.audit.payouts import Payout, compare


def p(result: str = "reconciled", residual: str | None = "0", je: str = "posted") -> Payout:
    return Payout("stripe", "po_1", Decimal("100.00"), "usd", "2026-01-31", result,
                  Decimal(residual) if residual is not None else None, je, "PAYOUT-JE-stripe-po_1", "77")


def test_a_reconciled_posted_payout_is_fine() -> None:
    assert compare([p()], {"PAYOUT-JE-stripe-po_1"}) == []


def test_a_payout_in_progress_is_not_drift() -> None:
    assert compare([p("pending", None, "none")], set()) == []


def test_a_mismatch_is_for_finance_with_its_residual() -> None:
    found = compare([p("mismatch", "12.34")], {"PAYOUT-JE-stripe-po_1"})
    assert [(f.kind, f.bc_id, f.owner) for f in found] == [("payout_unreconciled", "stripe:po_1", "finance")]
    assert "12.34" in found[0].message


def test_a_posted_journal_entry_netsuite_lacks() -> None:
    found = compare([p()], set())
    assert [(f.kind, f.ns_id) for f in found] == [("journal_entry_missing", "77")]
