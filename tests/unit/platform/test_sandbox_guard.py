"""Outside sandbox mode the worker refuses the sandboxes' URLs and credentials, naming each setting."""

from __future__ import annotations

import pytest

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.config import NetSuiteSettings
from connectors.payments.paypal.config import SANDBOX_API, PayPalSettings
from connectors.payments.stripe.config import StripeSettings
from streams.platform import sandbox_guard
from streams.platform.settings import ConfigurationError, Settings

PRODUCTION = {
    "O2C_BC_API_BASE": "https://api.bigcommerce.com", "O2C_BC_STORE_HASH": "abc123", "O2C_BC_ACCESS_TOKEN": "tok-1",
    "O2C_NS_ACCOUNT_ID": "1234567", "O2C_NS_BASE_URL": "", "O2C_NS_CONSUMER_KEY": "ck", "O2C_NS_CONSUMER_SECRET": "cs",
    "O2C_NS_TOKEN_ID": "ti", "O2C_NS_TOKEN_SECRET": "ts",
    "O2C_STRIPE_ENABLED": "true", "O2C_STRIPE_API_KEY": "rk_live_abc", "O2C_STRIPE_WEBHOOK_SECRET": "whsec_live",
    "O2C_PAYPAL_CLIENT_ID": "client", "O2C_PAYPAL_CLIENT_SECRET": "secret",
}
ALL = ("bigcommerce", "netsuite", "stripe", "paypal")


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1:8701", "not https"),
    ("https://localhost/api", "a loopback address"),
    ("https://127.0.0.2", "a loopback address"),
    ("https://[::1]:443", "a loopback address"),
    ("https://0.0.0.0", "a loopback address"),
    ("https://sandbox.internal:8702", "port 8702, a local sandbox's"),
    (SANDBOX_API, "the vendor's sandbox"),
    ("https://api.bigcommerce.com", None),
    ("https://1234567.suitetalk.api.netsuite.com", None),
])
def test_urls(url: str, why: str | None) -> None:
    problem = sandbox_guard.url_problem(url)
    if why is None:
        assert problem is None
    else:
        assert problem is not None and why in problem


def test_the_connectors_defaults_are_refused_naming_each_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PRODUCTION:
        monkeypatch.delenv(name, raising=False)
    found = sandbox_guard.problems(["bigcommerce", "netsuite"])
    assert "O2C_BC_API_BASE is http://127.0.0.1:8701 (not https (every real API is))" in found
    assert {"O2C_BC_ACCESS_TOKEN is the sandbox's default value", "O2C_BC_STORE_HASH is the sandbox's default value",
            "O2C_NS_CONSUMER_KEY is the sandbox's default value", "O2C_NS_TOKEN_SECRET is the sandbox's default value",
            "O2C_NS_ACCOUNT_ID is the sandbox's default value"} <= set(found)
    assert any(p.startswith("O2C_NS_BASE_URL is http://127.0.0.1:8702") for p in found)
    with pytest.raises(ConfigurationError) as refused:
        sandbox_guard.check(["bigcommerce"], sandbox_mode=False)
    assert "O2C_BC_API_BASE" in str(refused.value) and "O2C_SANDBOX_MODE=true" in str(refused.value)


def test_sandbox_mode_lets_them_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("O2C_SANDBOX_MODE", "true")
    assert Settings().sandbox_mode is True
    sandbox_guard.check(["bigcommerce", "netsuite"], sandbox_mode=True)  # no error


def test_production_settings_pass_and_only_systems_in_use_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    assert sandbox_guard.problems(ALL) == []
    sandbox_guard.check(ALL, sandbox_mode=False)
    monkeypatch.setenv("O2C_BC_API_BASE", "http://127.0.0.1:8701")
    assert sandbox_guard.problems(["netsuite", "stripe"]) == []  # a worker that does not call BigCommerce


def test_test_mode_keys_and_vendor_sandboxes_are_refused() -> None:
    stripe = StripeSettings(enabled=True, api_key="sk_test_123", webhook_secret="whsec_o2cdemo",
                            api_base="https://api.stripe.com")
    assert sandbox_guard.stripe_problems(stripe) == [
        "O2C_STRIPE_API_KEY is a Stripe test-mode key (sk_test_/rk_test_)",
        "O2C_STRIPE_WEBHOOK_SECRET is the sandbox's default value"]
    paypal = PayPalSettings(api_base=SANDBOX_API, client_id="sandbox-client", client_secret="real")
    assert sandbox_guard.paypal_problems(paypal) == [
        f"O2C_PAYPAL_API_BASE is {SANDBOX_API} (the vendor's sandbox)",
        "O2C_PAYPAL_CLIENT_ID is the sandbox's default value"]
    oauth2 = NetSuiteSettings(account_id="7654321", base_url="", auth_mode="oauth2", private_key_pem="k")
    assert sandbox_guard.netsuite_problems(oauth2) == [
        "O2C_NS_CLIENT_ID is the sandbox's default value", "O2C_NS_CERTIFICATE_ID is the sandbox's default value"]
    assert sandbox_guard.bigcommerce_problems(BigCommerceSettings(
        api_base="https://api.bigcommerce.com", store_hash="abc", access_token="t")) == []
