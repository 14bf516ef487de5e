"""The sandbox's objects carry Stripe's keys: those of the official ``fixtures3.json`` examples.

No key Stripe does not have; a missing key only where listed in ``MAY_LACK`` (with why).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.payments.stripe.sandbox import StripeSandbox

from .conftest import API_KEY, post

FIXTURES = Path("/work/shared/specs/stripe/fixtures3.json")
if not FIXTURES.exists():
    FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "specs" / "stripe" / "fixtures3.json"

pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="Stripe's fixtures3.json not available")

#: Keys the sandbox leaves out, per object (none today: every fixture key is present).
MAY_LACK: dict[str, set[str]] = {"charge": set(), "refund": set(), "dispute": set(), "payout": set(),
                                 "balance_transaction": set(), "event": set()}


@cache
def fixture(kind: str) -> dict[str, Any]:
    with open(FIXTURES) as fh:
        resources: dict[str, dict[str, Any]] = json.load(fh)["resources"]
    return resources[kind]


def check(kind: str, obj: dict[str, Any]) -> None:
    expected = set(fixture(kind))
    assert obj["object"] == kind
    assert set(obj) - expected == set(), f"{kind}: keys Stripe does not have"
    assert expected - set(obj) <= MAY_LACK[kind], f"{kind}: keys missing"


async def test_objects_have_stripes_keys(stripe_sandbox: StripeSandbox, stripe_admin: httpx.AsyncClient) -> None:
    charge = await post(stripe_admin, "/charges", {"amount": "30.00"})
    refund = await post(stripe_admin, "/refunds", {"charge": charge["id"], "amount": "5.00"})
    dispute = await post(stripe_admin, "/disputes", {"charge": charge["id"], "amount": "10.00"})
    payout = await post(stripe_admin, "/payouts", {"currency": "usd"})
    async with httpx.AsyncClient(base_url=f"{stripe_sandbox.url}/v1", auth=(API_KEY, "")) as http:
        check("charge", (await http.get(f"/charges/{charge['id']}")).json())
        check("refund", (await http.get(f"/refunds/{refund['id']}")).json())
        got = (await http.get(f"/disputes/{dispute['id']}")).json()
        check("dispute", got)
        check("balance_transaction", got["balance_transactions"][0])
        check("payout", (await http.get(f"/payouts/{payout['id']}")).json())
        listed = (await http.get("/balance_transactions", params={"payout": payout["id"], "expand[]": "data.source"}))
        page = listed.json()
        assert set(page) == {"object", "data", "has_more", "url"}
        for bt in page["data"]:
            check("balance_transaction", bt)
            if isinstance(bt["source"], dict):
                check(bt["source"]["object"], bt["source"])
        events = (await http.get("/events")).json()
        for event in events["data"]:
            check("event", event)
            assert set(event["request"]) == set(fixture("event")["request"])
            check("payout", event["data"]["object"])
        charge_body = (await http.get(f"/charges/{charge['id']}")).json()
        assert set(charge_body["refunds"]) == set(fixture("charge")["refunds"])
        check("refund", charge_body["refunds"]["data"][0])
