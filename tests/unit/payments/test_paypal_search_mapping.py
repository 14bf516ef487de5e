"""Transaction Search records → movements, ranges, error mapping (pure parts of paypal.transaction_search)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import httpx
import pytest

from connectors.http import NotFoundError, PermanentError, RateLimitedError, RetryableError
from connectors.payments.paypal.transaction_search import _error, rfc3339, split_range, to_movement
from connectors.payments.paypal.windows import Movement, build_payouts


def detail(**info: object) -> dict[str, object]:
    base: dict[str, object] = {"transaction_id": "7REFUND", "transaction_event_code": "T1107",
                               "transaction_amount": {"currency_code": "usd", "value": "-20.00"},
                               "fee_amount": {"currency_code": "USD", "value": "0.58"},
                               "transaction_initiation_date": "2026-12-02T12:00:00+0000",
                               "transaction_updated_date": "2026-12-05T12:00:00+0000",
                               "paypal_reference_id": "5SALE", "paypal_reference_id_type": "TXN",
                               "transaction_status": "S"}
    return {"transaction_info": base | info}


def test_a_refund_record() -> None:
    m = to_movement(detail())
    assert (m.gross, m.fee, m.net, m.currency, m.reference_id, m.direction) == (
        D("-20.00"), D("-0.58"), D("-19.42"), "USD", "5SALE", "DR")
    assert m.initiated == datetime(2026, 12, 2, 12, tzinfo=UTC) and m.completed is None


def test_a_withdrawal_keeps_its_updated_date_as_arrival() -> None:
    m = to_movement(detail(transaction_event_code="T0400", fee_amount=None))
    assert m.fee == 0 and m.completed == datetime(2026, 12, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(("info", "message"), [
    ({"transaction_amount": None}, "not a money object"),
    ({"transaction_amount": {"currency_code": "USD", "value": "ten"}}, "is not a number"),
    ({"fee_amount": {"currency_code": "EUR", "value": "1.00"}}, "the fee is in EUR"),
    ({"transaction_id": ""}, "without transaction_info.transaction_id"),
])
def test_unreadable_records_say_why(info: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_movement(detail(**info))


def test_ranges() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert split_range(start, start + timedelta(days=31)) == [(start, start + timedelta(days=31))]
    assert len(split_range(start, start + timedelta(days=63))) == 3
    assert rfc3339(datetime(2026, 1, 1, 1, 2, 3)) == "2026-01-01T01:02:03Z"
    assert rfc3339(datetime(2026, 1, 1, 1, 0, tzinfo=UTC) + timedelta(microseconds=5)) == "2026-01-01T01:00:00Z"


def response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers, request=httpx.Request("GET", "https://x/"))


def test_errors_map_to_the_connector_tree() -> None:
    limited = _error(response(429, {"name": "RATE_LIMIT_REACHED", "message": "Too many requests.",
                                    "debug_id": "abc"}, {"Retry-After": "2"}), "transaction search")
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 2.0
    assert str(limited) == "PayPal transaction search failed: Too many requests. [debug_id abc] (HTTP 429, " \
                           "RATE_LIMIT_REACHED)"
    assert isinstance(_error(response(502, "bad gateway"), "x"), RetryableError)
    assert isinstance(_error(response(404, {}), "x"), NotFoundError)
    forbidden = _error(response(403, {"name": "NOT_AUTHORIZED", "message": "Authorization failed."}), "x")
    assert type(forbidden) is PermanentError and "Transaction Search enabled" in str(forbidden)
    invalid = _error(response(400, {"name": "INVALID_REQUEST", "message": "Request is not well-formed.",
                                    "details": [{"field": "start_date", "issue": "INVALID_PARAMETER_SYNTAX"}]}), "x")
    assert "(start_date: INVALID_PARAMETER_SYNTAX)" in str(invalid) and invalid.code == "INVALID_REQUEST"


def test_a_denied_withdrawal_does_not_close_the_window() -> None:
    t = datetime(2026, 12, 2, tzinfo=UTC)
    records = [Movement("5S", "T0006", D("10.00"), D(0), "USD", initiated=t),
               Movement("9W1", "T0400", D("-10.00"), D(0), "USD", initiated=t + timedelta(hours=1), status="D"),
               Movement("1REV", "T1101", D("10.00"), D(0), "USD", initiated=t + timedelta(hours=2)),
               Movement("9W2", "T0400", D("-10.00"), D(0), "USD", initiated=t + timedelta(hours=3))]
    found = build_payouts(records, start_known=True)
    [(payout, lines)] = found.payouts
    assert payout.payout_id == "9W2" and [line.kind for line in lines] == ["charge", "other", "payout_failure"]
    assert found.problems == [] and found.unsettled == []
