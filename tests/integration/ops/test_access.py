"""Sign-in by password and by a trusted proxy, sessions, CSRF and roles, over real HTTP and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from state import exceptions as exceptions_store
from state import ops_actions
from tests.integration.ops.conftest import sign_in
from tests.integration.ops.harness import OpsServer, csrf_token, seed_exception

pytestmark = pytest.mark.postgres


async def test_pages_need_a_sign_in_but_healthz_does_not(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    for path in ("/", "/exceptions", "/exceptions/1", "/audit", "/payouts", "/activity"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=")


async def test_password_sign_in_refuses_a_wrong_password_then_signs_in(ops: OpsServer,
                                                                       client: httpx.AsyncClient) -> None:
    refused = await sign_in(client, "ann", "not-her-password")
    assert refused.status_code == 401
    assert "Wrong user name or password." in refused.text
    assert "not-her-password" not in refused.text

    accepted = await sign_in(client, "ann")
    assert accepted.status_code == 303 and accepted.headers["location"] == "/"
    cookie = accepted.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = await client.get("/")
    assert home.status_code == 200
    assert "ann" in home.text and "operator" in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'self'")

    actions = await ops_actions.recent(ops.pool)
    assert [(a.action, a.actor, a.role) for a in actions] == [("sign_in", "ann", "operator"),
                                                              ("sign_in_failed", "ann", None)]
    assert "not-her-password" not in str([a.detail for a in actions])


async def test_an_unknown_user_is_refused_like_a_wrong_password(client: httpx.AsyncClient) -> None:
    response = await sign_in(client, "mallory", "guess")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text


async def test_repeated_failures_are_refused_even_with_the_right_password(ops_factory) -> None:
    ops = await ops_factory(signin_max_failures=2)
    async with httpx.AsyncClient(base_url=ops.url) as client:
        assert (await sign_in(client, "vic", "wrong-1")).status_code == 401
        assert (await sign_in(client, "vic", "wrong-2")).status_code == 401
        blocked = await sign_in(client, "vic")
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.text
        assert (await sign_in(client, "ann")).status_code == 303  # another user from the same address still can


async def test_a_post_without_or_with_a_wrong_csrf_token_is_forbidden(ops: OpsServer,
                                                                      client: httpx.AsyncClient) -> None:
    exception_id = await seed_exception(ops.pool, "processing_failed", "engineering", "1001")
    await sign_in(client, "ann")
    assert (await client.post(f"/exceptions/{exception_id}/retry")).status_code == 403
    assert (await client.post(f"/exceptions/{exception_id}/retry", data={"csrf_token": "forged"})).status_code == 403
    no_token_signin = await client.post("/signin", data={"user": "ann", "password": "ann-operator-pass"})
    assert no_token_signin.status_code == 403
    found = await exceptions_store.get(ops.pool, exception_id)
    assert found is not None and found.status == "open"


async def test_a_viewer_sees_no_actions_and_a_forged_post_is_forbidden(ops: OpsServer,
                                                                       client: httpx.AsyncClient) -> None:
    exception_id = await seed_exception(ops.pool, "processing_failed", "engineering", "1002")
    await sign_in(client, "vic")
    page = await client.get(f"/exceptions/{exception_id}")
    assert page.status_code == 200
    assert "/retry" not in page.text and "/resolve" not in page.text
    assert "ask an operator" in page.text
    token = csrf_token(page.text)  # the sign-out form's: a valid token for this session
    for action, data in (("retry", {}), ("resolve", {"note": "done by hand"})):
        response = await client.post(f"/exceptions/{exception_id}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 403
    found = await exceptions_store.get(ops.pool, exception_id)
    assert found is not None and found.status == "open"
    assert [a.action for a in await ops_actions.recent(ops.pool, object_type="exception")] == []


async def test_sign_out_ends_the_session_even_if_its_cookie_is_replayed(ops: OpsServer,
                                                                        client: httpx.AsyncClient) -> None:
    await sign_in(client, "ann")
    page = await client.get("/")
    old_cookie = client.cookies.get("o2c_ops_session")
    out = await client.post("/signout", data={"csrf_token": csrf_token(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    async with httpx.AsyncClient(base_url=ops.url, cookies={"o2c_ops_session": old_cookie or ""}) as replay:
        assert (await replay.get("/")).status_code == 303
    assert (await ops_actions.recent(ops.pool, limit=1))[0].action == "sign_out"


async def test_a_tampered_cookie_is_not_a_session(ops: OpsServer, client: httpx.AsyncClient) -> None:
    await sign_in(client, "vic")
    cookie = client.cookies.get("o2c_ops_session") or ""
    payload, signature = cookie.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    async with httpx.AsyncClient(base_url=ops.url, cookies={"o2c_ops_session": forged}) as other:
        assert (await other.get("/")).status_code == 303


PROXY_HEADERS = {"X-Forwarded-User": "olga", "X-Forwarded-Email": "olga@example.com",
                 "X-Forwarded-Groups": "staff,o2c-operators"}


async def test_proxy_headers_sign_in_from_a_trusted_address_only(ops_factory) -> None:
    trusted = await ops_factory(auth="proxy", trusted_proxies=["127.0.0.0/8"], operator_groups=["o2c-operators"],
                                viewer_groups=["o2c-viewers"])
    async with httpx.AsyncClient(base_url=trusted.url, headers=PROXY_HEADERS) as client:
        home = await client.get("/")
        assert home.status_code == 200
        assert "olga@example.com" in home.text and "operator" in home.text
        assert (await client.get("/exceptions")).status_code == 200  # the same session: one sign-in recorded
    async with httpx.AsyncClient(base_url=trusted.url,
                                 headers={**PROXY_HEADERS, "X-Forwarded-Groups": "staff"}) as no_group:
        refused = await no_group.get("/")
        assert refused.status_code == 403 and "no group" in refused.text
    actions = await ops_actions.recent(trusted.pool)
    assert [(a.action, a.actor, a.role) for a in actions] == [("sign_in", "olga@example.com", "operator")]

    elsewhere = await ops_factory(auth="proxy", trusted_proxies=["192.0.2.0/24"], operator_groups=["o2c-operators"])
    async with httpx.AsyncClient(base_url=elsewhere.url, headers=PROXY_HEADERS) as client:
        refused = await client.get("/")
        assert refused.status_code == 403
        assert "did not come through it" in refused.text
