"""PayPal Transaction Search over real HTTP against the local PayPal sandbox (paypal.transaction_search)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from pydantic import SecretStr

from connectors.http import Backoff, PermanentError, RetryableError
from connectors.payments.paypal.config import PayPalSettings
from connectors.payments.paypal.sandbox import SandboxServer, start_sandbox
from connectors.payments.paypal.stl import parse_settlement
from connectors.payments.paypal.stl_writer import SettlementTransaction as T
from connectors.payments.paypal.stl_writer import stl_file_name, write_settlement
from connectors.payments.paypal.transaction_search import PayPalTransactionSearch, split_range

SPEC = Path("/work/shared/specs/paypal/reporting_transactions_v1.json")
if not SPEC.exists():  # the specs also ship next to the repo in some checkouts
    SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "paypal" / "reporting_transactions_v1.json"

DAY = datetime(2026, 11, 20, tzinfo=UTC)
Sandbox = SandboxServer
Search = PayPalTransactionSearch


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def a_day() -> list[T]:
    return [
        T("5SALE000000000001", "T0006", D("100.00"), D("3.49"), invoice_id="BC-101", initiated=at(9)),
        T("5SALE000000000002", "T0006", D("50.00"), D("1.99"), custom_field="order 102", initiated=at(10)),
        T("7REFUND0000000001", "T1107", D("-20.00"), D("-0.58"), reference_id="5SALE000000000001", initiated=at(12)),
        T("8CHARGEBACK000001", "T1201", D("-50.00"), reference_id="5SALE000000000002", initiated=at(13)),
        T("8CBFEE00000000001", "T0106", D("-20.00"), reference_id="5SALE000000000002", initiated=at(13.1)),
        T("8CBREVERSAL00001", "T1202", D("50.00"), reference_id="5SALE000000000002", initiated=at(15)),
        T("9WITHDRAWAL00001", "T0400", D("-105.10"), initiated=at(23), bank_reference="ACH123"),
    ]


@pytest.fixture
async def paypal_sandbox() -> AsyncIterator[SandboxServer]:
    server = await start_sandbox()
    try:
        yield server
    finally:
        await server.stop()


def settings_for(server: SandboxServer, **overrides: Any) -> PayPalSettings:
    values: dict[str, Any] = {"api_base": server.url, "client_id": "sandbox-client",
                              "client_secret": SecretStr("sandbox-secret"), "lookback_days": 0}
    return PayPalSettings(**(values | overrides))


@pytest.fixture
async def paypal_search(paypal_sandbox: SandboxServer) -> AsyncIterator[PayPalTransactionSearch]:
    async with PayPalTransactionSearch(settings_for(paypal_sandbox), backoff=Backoff(base=0.001, cap=0.01)) as client:
        yield client


async def test_paging_across_three_pages(paypal_sandbox: SandboxServer) -> None:
    paypal_sandbox.state.seed(T(f"5SALE{i:012d}", "T0006", D("10.00"), D("0.59"), initiated=at(i / 10))
                              for i in range(25))
    async with PayPalTransactionSearch(settings_for(paypal_sandbox, page_size=10)) as client:
        found = [d async for d in client.search(DAY, DAY + timedelta(days=1))]
    assert [d["transaction_info"]["transaction_id"] for d in found] == [f"5SALE{i:012d}" for i in range(25)]
    assert [(q["page"], q["page_size"], q["fields"], q["balance_affecting_records_only"])
            for q in paypal_sandbox.state.searches] == [("1", "10", "all", "Y"), ("2", "10", "all", "Y"),
                                                 ("3", "10", "all", "Y")]
    assert paypal_sandbox.state.searches[0]["start_date"] == "2026-11-20T00:00:00Z"
    assert paypal_sandbox.state.token_requests == 1          # one token for all three pages


async def test_a_429_and_a_500_are_retried(paypal_sandbox: Sandbox, paypal_search: Search) -> None:
    paypal_sandbox.state.seed(a_day())
    paypal_sandbox.state.inject(429, retry_after=0)
    paypal_sandbox.state.inject(500)
    found = [d async for d in paypal_search.search(DAY, DAY + timedelta(days=1))]
    assert len(found) == 7 and len(paypal_sandbox.state.searches) == 3


async def test_retries_give_up_with_a_retryable_error(paypal_sandbox: SandboxServer) -> None:
    paypal_sandbox.state.inject(503, 503, 503)
    async with PayPalTransactionSearch(settings_for(paypal_sandbox, max_attempts=3),
                                       backoff=Backoff(base=0.001, cap=0.01, max_attempts=3)) as client:
        with pytest.raises(RetryableError, match="Service Unavailable") as caught:
            [d async for d in client.search(DAY, DAY + timedelta(days=1))]
    assert caught.value.status == 503 and caught.value.code == "SERVICE_UNAVAILABLE"


async def test_an_expired_token_is_refreshed(paypal_sandbox: Sandbox, paypal_search: Search) -> None:
    paypal_sandbox.state.seed(a_day())
    assert len([d async for d in paypal_search.search(DAY, DAY + timedelta(days=1))]) == 7
    assert paypal_sandbox.state.expire_tokens() == 1              # PayPal revoked / expired it early
    assert len([d async for d in paypal_search.search(DAY, DAY + timedelta(days=1))]) == 7
    assert paypal_sandbox.state.token_requests == 2


async def test_the_token_is_cached_until_shortly_before_expiry(paypal_sandbox: SandboxServer) -> None:
    now = [1000.0]
    async with PayPalTransactionSearch(settings_for(paypal_sandbox), clock=lambda: now[0]) as client:
        first = await client.access_token()
        assert await client.access_token() == first
        now[0] += paypal_sandbox.state.token_ttl - 61
        assert await client.access_token() == first
        now[0] += 2                                         # inside the 60 s margin: a new token
        assert await client.access_token() != first
    assert paypal_sandbox.state.token_requests == 2


async def test_a_40_day_range_is_two_requests(paypal_sandbox: Sandbox, paypal_search: Search) -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    paypal_sandbox.state.seed([T("5EARLY", "T0006", D("1.00"), initiated=start + timedelta(days=2)),
                        T("5EDGE", "T0006", D("2.00"), initiated=start + timedelta(days=31)),
                        T("5LATE", "T0006", D("3.00"), initiated=start + timedelta(days=39))])
    found = [d["transaction_info"]["transaction_id"]
             async for d in paypal_search.search(start, start + timedelta(days=40))]
    assert found == ["5EARLY", "5EDGE", "5LATE"]           # the record on the edge only once
    assert [(q["start_date"], q["end_date"]) for q in paypal_sandbox.state.searches] == [
        ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"), ("2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z")]
    assert split_range(start, start) == []


async def test_withdrawals_match_the_settlement_report_of_the_same_day(
        paypal_sandbox: Sandbox, paypal_search: Search) -> None:
    paypal_sandbox.state.seed(a_day())
    payouts = [p async for p in paypal_search.withdrawals(DAY, DAY + timedelta(days=1))]
    stl = parse_settlement(write_settlement(a_day(), report_date=date(2026, 11, 20), account_id="M"),
                           file_name=stl_file_name(date(2026, 11, 20)))
    assert paypal_search.problems == () and stl.problems == ()
    assert payouts == list(stl.payouts)
    [(payout, lines)] = payouts
    assert (payout.payout_id, payout.amount, payout.reconciliation, payout.bank_reference) == (
        "9WITHDRAWAL00001", D("105.10"), "itemised", "ACH123")
    assert [line.kind for line in lines] == ["charge", "charge", "refund", "dispute", "fee", "dispute_reversal"]
    assert lines[2].charge_id == "5SALE000000000001" and lines[2].fee == D("-0.58")


async def test_the_lookback_finds_the_previous_withdrawal(paypal_sandbox: SandboxServer) -> None:
    before = [T("5OLD", "T0006", D("5.00"), initiated=DAY - timedelta(days=2)),
              T("9OLDWITHDRAWAL", "T0400", D("-5.00"), initiated=DAY - timedelta(days=1, hours=12))]
    mismatched = [*a_day()[:-1], T("9WITHDRAWAL00001", "T0400", D("-110.00"), initiated=at(23))]
    paypal_sandbox.state.seed([*before, *mismatched])
    async with PayPalTransactionSearch(settings_for(paypal_sandbox, lookback_days=3)) as client:
        payouts = [p async for p in client.withdrawals(DAY, DAY + timedelta(days=1))]
        problems = client.problems
    [(payout, _)] = payouts                                 # the older withdrawal is not in the range
    assert payout.reconciliation == "itemised"              # its window starts at a known withdrawal
    assert problems == ("PayPal withdrawal 9WITHDRAWAL00001 (Transaction Search): 110.00 USD reached the bank "
                        "but the 6 records since the previous one add up to 105.10 (difference 4.90 USD)",)


async def test_bad_credentials_are_permanent_and_never_echo_the_secret(paypal_sandbox: SandboxServer) -> None:
    async with PayPalTransactionSearch(settings_for(paypal_sandbox, client_secret=SecretStr("wrong-secret-123"))) as c:
        with pytest.raises(PermanentError) as caught:
            await c.access_token()
        assert "wrong-secret-123" not in repr(c)
    error = caught.value
    assert error.status == 401 and error.code == "invalid_client"
    assert "wrong-secret-123" not in str(error) and "O2C_PAYPAL_CLIENT_SECRET" in str(error)


async def test_an_invalid_request_names_the_issue(paypal_sandbox: Sandbox, paypal_search: Search) -> None:
    with pytest.raises(PermanentError, match="Date range is greater than 31 days") as caught:
        await paypal_search._get("/v1/reporting/transactions", {"start_date": "2026-01-01T00:00:00Z",
                                                         "end_date": "2026-03-01T00:00:00Z"})
    assert caught.value.status == 400 and caught.value.code == "INVALID_REQUEST"


def test_missing_credentials_are_refused() -> None:
    with pytest.raises(PermanentError, match="O2C_PAYPAL_CLIENT_ID"):
        PayPalTransactionSearch(PayPalSettings(client_id=""))


# --- the sandbox speaks the official spec ----------------------------------------------------------

@cache
def _spec() -> dict[str, Any]:
    return dict(json.loads(SPEC.read_text()))


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}", "components": _spec()["components"]}


@pytest.mark.skipif(not SPEC.exists(), reason="official PayPal spec not available")
async def test_responses_validate_against_the_official_spec(paypal_sandbox: SandboxServer) -> None:
    paypal_sandbox.state.seed([*a_day(), T("5PAYER", "T0006", D("1.00"), consumer_id="buyer@example.com",
                                           initiated=at(1))])
    paypal_sandbox.state.inject(429)
    paypal_sandbox.state.inject(500)
    async with httpx.AsyncClient(base_url=paypal_sandbox.url) as http:
        token = (await http.post("/v1/oauth2/token", data={"grant_type": "client_credentials"},
                                 auth=("sandbox-client", "sandbox-secret"))).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        params = {"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-21T00:00:00Z", "fields": "all",
                  "page_size": "3", "page": "1"}
        limited = await http.get("/v1/reporting/transactions", params=params, headers=auth)
        failed = await http.get("/v1/reporting/transactions", params=params, headers=auth)
        page = await http.get("/v1/reporting/transactions", params=params, headers=auth)
        bad = await http.get("/v1/reporting/transactions", params={**params, "page_size": "501"}, headers=auth)
    assert (limited.status_code, failed.status_code, page.status_code, bad.status_code) == (429, 500, 200, 400)
    body = page.json()
    assert (body["total_items"], body["total_pages"], len(body["transaction_details"])) == (8, 3, 3)
    jsonschema.Draft7Validator(schema("search_response")).validate(body)
    jsonschema.Draft7Validator(schema("error_500")).validate(failed.json())
    jsonschema.Draft7Validator(schema("error_400")).validate(bad.json())
    assert bad.json()["details"][0]["field"] == "page_size"
