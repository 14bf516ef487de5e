import asyncio
import base64

import httpx
import pytest

from connectors.http import RateLimitedError
from connectors.netsuite import ConcurrencyGovernor, NetSuiteClient, NetSuiteSettings
from connectors.netsuite.auth import ClientCredentialsAuth, TokenBasedAuth
from connectors.netsuite.errors import AuthenticationError
from tests.integration.netsuite.conftest import fast_backoff, make_client


async def test_wrong_tba_signature_is_401(sandbox):
    async with make_client(sandbox, consumer_secret="not-the-secret") as bad:
        with pytest.raises(AuthenticationError) as caught:
            await bad.get("customer", "101")
    assert caught.value.status == 401 and caught.value.code == "INVALID_LOGIN"


async def test_replayed_nonce_is_rejected(sandbox):
    import time

    stamp = str(int(time.time()))
    auth = TokenBasedAuth(
        account_id="1234567_SB1",
        consumer_key="sandbox-consumer-key",
        consumer_secret="sandbox-consumer-secret",
        token_id="sandbox-token-id",
        token_secret="sandbox-token-secret",
        nonce=lambda: "fixednonce1",
        timestamp=lambda: stamp,
    )
    async with httpx.AsyncClient(base_url=sandbox.url, auth=auth) as http:
        ok = await http.get("/services/rest/system/v1/serverTime")
        replay = await http.get("/services/rest/system/v1/serverTime")
    assert ok.status_code == 200
    assert replay.status_code == 401
    assert replay.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


class UnsignedTestSigner:
    """The sandbox does not verify JWT signatures; this stands in for a PS256 key in tests."""

    algorithm = "PS256"

    def sign(self, signing_input: bytes) -> bytes:
        return base64.b64encode(b"test-signature")


async def test_oauth2_client_credentials_token_is_cached(sandbox):
    settings = NetSuiteSettings(base_url=sandbox.url, auth_mode="oauth2")
    auth = ClientCredentialsAuth(
        token_url=settings.token_url,
        client_id=settings.client_id,
        certificate_id=settings.certificate_id,
        signer=UnsignedTestSigner(),
    )
    async with NetSuiteClient(settings, auth=auth, governor=ConcurrencyGovernor(5)) as client:
        await client.server_time()
        await client.get("customer", "101")
    assert auth.tokens_issued == 1
    wrong = ClientCredentialsAuth(
        token_url=settings.token_url,
        client_id="someone-else",
        certificate_id=settings.certificate_id,
        signer=UnsignedTestSigner(),
    )
    async with NetSuiteClient(settings, auth=wrong, governor=ConcurrencyGovernor(5)) as client:
        with pytest.raises(AuthenticationError):
            await client.server_time()


async def _writers(client: NetSuiteClient, prefix: str, count: int = 30) -> list[object]:
    async def write(n: int) -> object:
        try:
            return await client.upsert("customer", f"{prefix}-{n}", {"firstName": f"W{n}"})
        except RateLimitedError as exc:
            return exc

    return await asyncio.gather(*(write(n) for n in range(count)))


async def test_thirty_writers_against_a_limit_of_five(sandbox, admin):
    await admin.post("/__sandbox/config", json={"concurrency_limit": 5, "latency_ms": 40})
    settings = NetSuiteSettings(base_url=sandbox.url)
    # Without a governor (no slot limit, no retries): some writes are refused with 429.
    async with NetSuiteClient(
        settings, governor=ConcurrencyGovernor(100, min_limit=100), backoff=fast_backoff(attempts=1)
    ) as ungoverned:
        results = await _writers(ungoverned, "BC-CUST-raw")
    refused = [r for r in results if isinstance(r, RateLimitedError)]
    assert refused
    assert (await admin.get("/__sandbox/stats")).json()["throttled"] >= len(refused)

    # With the governor sized to the pool: every write lands exactly once.
    async with NetSuiteClient(settings, governor=ConcurrencyGovernor(5), backoff=fast_backoff()) as governed:
        results = await _writers(governed, "BC-CUST-gov")
    assert not [r for r in results if isinstance(r, Exception)]
    customers = (await admin.get("/__sandbox/records/customer")).json()
    written = [c for c in customers if (c.get("externalId") or "").startswith("BC-CUST-gov-")]
    assert len(written) == 30 and len({c["externalId"] for c in written}) == 30
