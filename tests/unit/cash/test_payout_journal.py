"""The payout journal entry: balanced, the bank line equal to the payout, every kind on its account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from streams.cash.payout_journal import Unbalanced, journal_entry
from tests.unit.cash.conftest import STRIPE

D = Decimal


def entry(amount: str, gross: dict[str, str], fees: dict[tuple[str, str], str]) -> dict[str, D]:
    net = sum((D(v) for v in gross.values()), D(0)) - sum((D(v) for v in fees.values()), D(0))
    je = journal_entry(gateway="stripe", payout_id="po_1", amount=D(amount), currency="GBP",
                       arrival_date=date(2026, 12, 1), gross={k: D(v) for k, v in gross.items()},
                       fees={k: D(v) for k, v in fees.items()}, lines_net=net, accounts=STRIPE)
    assert je.debits == je.credits
    assert je.external_id == "PAYOUT-JE-stripe-po_1"
    by_account: dict[str, D] = {}
    for line in je.lines:
        by_account[line.account] = by_account.get(line.account, D(0)) + line.amount
    return by_account


def test_charges_less_fees_reach_the_bank() -> None:
    lines = entry("97.10", {"charge": "100.00"}, {("charge", "stripe_fee"): "2.90"})
    assert lines == {"1000": D("97.10"), "5010": D("2.90"), "1010": D("-100.00")}


def test_refunds_and_a_lost_dispute_with_its_fee() -> None:
    lines = entry("32.10", {"charge": "100.00", "refund": "-20.00", "dispute": "-30.00"},
                  {("charge", "stripe_fee"): "2.90", ("dispute", "stripe_fee"): "15.00"})
    assert lines == {"1000": D("32.10"), "5010": D("2.90"), "5013": D("15.00"), "4010": D("20.00"),
                     "5012": D("30.00"), "1010": D("-100.00")}


def test_a_won_dispute_credits_chargebacks_back() -> None:
    lines = entry("45.00", {"dispute_reversal": "30.00"}, {("dispute_reversal", "stripe_fee"): "-15.00"})
    assert lines == {"1000": D("45.00"), "5012": D("-30.00"), "5013": D("-15.00")}


def test_a_negative_payout_credits_the_bank() -> None:
    lines = entry("-50.00", {"refund": "-50.00"}, {})
    assert lines == {"1000": D("-50.00"), "4010": D("50.00")}


def test_reserves_adjustments_and_unclassified_lines_have_their_own_accounts() -> None:
    lines = entry("70.00", {"charge": "100.00", "reserve": "-20.00", "adjustment": "-4.00", "other": "-6.00"}, {})
    assert lines == {"1000": D("70.00"), "1010": D("-100.00"), "1020": D("20.00"), "5014": D("10.00")}


def test_lines_that_do_not_add_up_post_nothing() -> None:
    with pytest.raises(Unbalanced, match=r"difference of 1\.00"):
        journal_entry(gateway="stripe", payout_id="po_2", amount=D("98.10"), currency="USD",
                      arrival_date=date(2026, 12, 1), gross={"charge": D("100")},
                      fees={("charge", "stripe_fee"): D("2.90")}, lines_net=D("97.10"), accounts=STRIPE)


def test_a_reversal_swaps_every_line() -> None:
    je = journal_entry(gateway="stripe", payout_id="po_3", amount=D("97.10"), currency="USD",
                       arrival_date=date(2026, 12, 1), gross={"charge": D("100")},
                       fees={("charge", "stripe_fee"): D("2.90")}, lines_net=D("97.10"), accounts=STRIPE)
    back = je.reversed("PAYOUT-JE-stripe-po_3-REVERSAL", date(2026, 12, 3), "failed")
    assert [x.amount for x in back.lines] == [-x.amount for x in je.lines]
    assert back.lines[0].body() == {"account": {"id": "1000"}, "credit": D("97.10"),
                                    "memo": "Reversal: Payout to bank: stripe payout po_3"}


def test_with_refunds_to_clearing_refund_lines_debit_clearing_and_disputes_stay() -> None:
    net = D("100.00") - D("20.00") - D("30.00") - D("2.90")
    je = journal_entry(gateway="stripe", payout_id="po_4", amount=net, currency="GBP", arrival_date=date(2026, 12, 1),
                       gross={"charge": D("100.00"), "refund": D("-20.00"), "dispute": D("-30.00")},
                       fees={("charge", "stripe_fee"): D("2.90")}, lines_net=net, accounts=STRIPE,
                       refunds_to_clearing=True)
    assert je.debits == je.credits
    by_memo = {(x.account, x.memo): x.amount for x in je.lines}
    assert by_memo == {("1000", "Payout to bank: stripe payout po_4"): D("47.10"),
                       ("5010", "Fees (stripe fee): stripe payout po_4"): D("2.90"),
                       ("1010", "Charges paid out: stripe payout po_4"): D("-100.00"),
                       ("1010", "Refunds paid back: stripe payout po_4"): D("20.00"),
                       ("5012", "Disputes: stripe payout po_4"): D("30.00")}
    assert all(x.account != "4010" for x in je.lines), "nothing on the refunds account"


def test_a_refund_only_payout_to_clearing_credits_the_bank() -> None:
    je = journal_entry(gateway="stripe", payout_id="po_5", amount=D("-50.00"), currency="GBP",
                       arrival_date=date(2026, 12, 1), gross={"refund": D("-50.00")}, fees={}, lines_net=D("-50.00"),
                       accounts=STRIPE, refunds_to_clearing=True)
    assert [(x.account, x.amount) for x in je.lines] == [("1000", D("-50.00")), ("1010", D("50.00"))]
