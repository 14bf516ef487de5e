"""The ops page in a real headless chromium: sign-in, home, filters, retry, resolve, roles, CSRF, proxy mode."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from state import exceptions as exceptions_store
from state import ops_actions
from tests.browser.conftest import Seeded, Shooter
from tests.integration.ops.harness import PASSWORDS, OpsServer, start_ops

pytestmark = pytest.mark.postgres


async def signed_in(browser: Browser, server: OpsServer, user: str, **context_options: object) -> Page:
    context: BrowserContext = await browser.new_context(base_url=server.url, **context_options)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("User name").fill(user)
    await page.get_by_label("Password").fill(PASSWORDS[user])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="How the flows are doing")).to_be_visible()
    return page


async def test_a_wrong_password_is_refused_then_the_home_page_shows_every_flow(
        browser: Browser, ops_server: tuple[OpsServer, Seeded], shoot: Shooter) -> None:
    server, _ = ops_server
    context = await browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto("/exceptions")
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fexceptions"))
    await page.get_by_label("User name").fill("ann")
    await page.get_by_label("Password").fill("not her password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    await page.get_by_label("Password").fill(PASSWORDS["ann"])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{server.url}/exceptions")  # back where they were going

    await page.get_by_role("link", name="Home").click()
    cards = page.locator("#flow-cards > li")
    await expect(cards).to_have_count(7)
    orders = page.locator('[data-flow="orders"]')
    await expect(orders).to_contain_text("Warning")
    await expect(orders).to_contain_text("the oldest waiting order has waited 14 min")
    await expect(orders).to_contain_text("36/min · 36/min")  # two scrapes a minute apart
    await expect(page.get_by_role("link", name=re.compile(r"^Finance\s+3$"))).to_be_visible()
    await shoot(page, "home")
    await context.close()
    failed = [a for a in await ops_actions.recent(server.pool, limit=50) if a.action == "sign_in_failed"]
    assert failed and failed[0].actor == "ann"


async def test_operator_filters_opens_retries_and_resolves(
        browser: Browser, ops_server: tuple[OpsServer, Seeded], shoot: Shooter) -> None:
    server, seeded = ops_server
    page = await signed_in(browser, server, "ann", viewport={"width": 1280, "height": 900})
    await page.get_by_role("link", name="Exceptions").click()
    await page.get_by_label("Team").select_option("engineering")
    await page.get_by_label("Kind").select_option("processing_failed")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("1 exception match.")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    await expect(rows).to_have_count(1)
    await rows.get_by_role("link", name="processing_failed").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("processing_failed")
    await expect(page.get_by_role("link", name=re.compile("^10477"))).to_have_attribute(
        "href", "https://store-abc123.mybigcommerce.com/manage/orders/10477")
    await page.get_by_role("button", name="Retry").click()
    await expect(page.get_by_role("status")).to_contain_text("Retry requested for exception")
    found = await exceptions_store.get(server.pool, seeded.retry_me)
    assert found is not None and found.status == "retrying"
    history = await ops_actions.recent(server.pool, object_type="exception", object_id=str(seeded.retry_me))
    assert [(a.action, a.actor, a.role) for a in history] == [("retry", "ann", "operator")]
    await expect(page.locator(".history")).to_contain_text("ann (operator) retry")

    await page.goto(f"/exceptions/{seeded.resolve_me}")
    await expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    await expect(page.get_by_text("fix the cause, then resolve")).to_be_visible()
    await page.get_by_label(re.compile("^Note")).fill("Captured by hand in the control panel.")
    await shoot(page, "exception")
    await page.get_by_role("button", name="Resolve with this note").click()
    await expect(page.get_by_role("status")).to_contain_text("resolved")
    found = await exceptions_store.get(server.pool, seeded.resolve_me)
    assert found is not None and found.status == "resolved"
    assert found.resolution_note == "Captured by hand in the control panel." and found.resolved_by == "ann"

    forged = await page.request.post(f"/exceptions/{seeded.viewer_sees}/resolve", form={"note": "no token"})
    assert forged.status == 403  # signed in as an operator, but no CSRF token
    still = await exceptions_store.get(server.pool, seeded.viewer_sees)
    assert still is not None and still.status == "open"
    await page.context.close()


async def test_a_viewer_has_no_buttons_and_a_forged_post_is_forbidden(
        browser: Browser, ops_server: tuple[OpsServer, Seeded]) -> None:
    server, seeded = ops_server
    page = await signed_in(browser, server, "vic")
    await page.goto(f"/exceptions/{seeded.viewer_sees}")
    await expect(page.get_by_text("ask an operator to retry or resolve")).to_be_visible()
    await expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    await expect(page.get_by_role("button", name=re.compile("^Resolve"))).to_have_count(0)
    await expect(page.locator("pre.payload")).to_contain_text("<script>alert('x')</script>")  # shown as text
    token = await page.locator('form[action="/signout"] input[name="csrf_token"]').get_attribute("value")
    forged = await page.request.post(f"/exceptions/{seeded.viewer_sees}/retry", form={"csrf_token": token or ""})
    assert forged.status == 403
    found = await exceptions_store.get(server.pool, seeded.viewer_sees)
    assert found is not None and found.status == "open"
    await page.context.close()


async def test_keyboard_landmarks_labels_and_a_phone_screen(
        browser: Browser, ops_server: tuple[OpsServer, Seeded], shoot: Shooter) -> None:
    server, _ = ops_server
    page = await signed_in(browser, server, "vic", viewport={"width": 390, "height": 844}, is_mobile=True)
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    await page.keyboard.press("Enter")
    await expect(page.locator("main#main")).to_be_focused()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    await expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    await shoot(page, "phone")
    for path in ("/exceptions", "/audit", "/payouts", "/activity", "/"):
        await page.goto(path)
        await expect(page.get_by_role("main")).to_be_visible()
        unlabelled = await page.evaluate("""[...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.name)""")
        assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    await page.goto("/exceptions")
    await shoot(page, "phone-exceptions")
    await page.context.close()


async def test_proxy_mode_trusts_headers_only_from_allowed_addresses(
        browser: Browser, ops_db: str, ops_server: tuple[OpsServer, Seeded]) -> None:
    headers = {"X-Forwarded-User": "olga", "X-Forwarded-Email": "olga@example.com",
               "X-Forwarded-Groups": "o2c-operators"}
    trusted = await start_ops(ops_db, auth="proxy", trusted_proxies=["127.0.0.1/32"],
                              operator_groups=["o2c-operators"])
    untrusted = await start_ops(ops_db, auth="proxy", trusted_proxies=["192.0.2.0/24"],
                                operator_groups=["o2c-operators"])
    try:
        context = await browser.new_context(extra_http_headers=headers)
        page = await context.new_page()
        await page.goto(trusted.url + "/")
        await expect(page.get_by_role("heading", name="How the flows are doing")).to_be_visible()
        await expect(page.locator("form.who")).to_contain_text("olga@example.com")
        await expect(page.locator("form.who")).to_contain_text("operator")
        await page.goto(untrusted.url + "/")
        await expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
        await expect(page.get_by_text("did not come through it")).to_be_visible()
        await context.close()
        signins = [a for a in await ops_actions.recent(trusted.pool, limit=50) if a.actor == "olga@example.com"]
        assert [a.action for a in signins] == ["sign_in"]
    finally:
        await trusted.stop()
        await untrusted.stop()
