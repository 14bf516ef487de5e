"""The worker refuses to start against a sandbox unless ``O2C_SANDBOX_MODE=true``.

The connectors' defaults are the local sandboxes' (``http://127.0.0.1:8701`` and ``sandbox-token`` for
BigCommerce, ``:8702`` and the ``sandbox-*`` keys for NetSuite): convenient for ``make run`` and the tests,
and exactly what a production worker must never run with by mistake. Before it starts, the worker checks
every system it is about to call (the flows and sources enabled): an API base that is not https, is a
loopback address or a sandbox's port or host, or a credential that is a sandbox's well-known default or a
test-mode key, stops it with one sentence per setting.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.config import NetSuiteSettings
from connectors.payments.paypal.config import SANDBOX_API as PAYPAL_SANDBOX_API
from connectors.payments.paypal.config import PayPalSettings
from connectors.payments.stripe.config import StripeSettings
from streams.platform.settings import ConfigurationError

#: The local sandboxes' default ports (``o2c sandbox …``, ``o2c run --demo``).
SANDBOX_PORTS = frozenset({8701, 8702, 8703})
#: Host names of the vendors' own test environments.
SANDBOX_HOSTS = (urlsplit(PAYPAL_SANDBOX_API).hostname or "",)
#: The sandboxes' (and the demo's) well-known credentials, which the connectors' settings default to.
SANDBOX_VALUES = frozenset({
    "sandbox-token", "o2cdemo",
    "sandbox-consumer-key", "sandbox-consumer-secret", "sandbox-token-id", "sandbox-token-secret",
    "sandbox-client-id", "sandbox-certificate-id", "1234567_SB1",
    "sk_test_o2cdemo", "whsec_o2cdemo", "sk_test_sandbox", "whsec_sandbox",
    "sandbox-client", "sandbox-secret",
})
#: Stripe's test-mode keys: never a production account's.
STRIPE_TEST_PREFIXES = ("sk_test_", "rk_test_")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a production API base (None when it may be one)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "not a URL"
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        return "not https (every real API is)"
    if host == "localhost" or host.endswith(".localhost") or _is_local_ip(host):
        return "a loopback address (a local sandbox)"
    if port in SANDBOX_PORTS:
        return f"port {port}, a local sandbox's"
    if host in SANDBOX_HOSTS:
        return "the vendor's sandbox"
    return None


def _is_local_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _urls(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{name} is {value} ({why})" for name, value in pairs if (why := url_problem(value)) is not None]


def _defaults(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{name} is the sandbox's default value" for name, value in pairs if value in SANDBOX_VALUES]


def bigcommerce_problems(bc: BigCommerceSettings) -> list[str]:
    return (_urls([("O2C_BC_API_BASE", bc.api_base)])
            + _defaults([("O2C_BC_ACCESS_TOKEN", bc.access_token.get_secret_value()),
                         ("O2C_BC_STORE_HASH", bc.store_hash)]))


def netsuite_problems(ns: NetSuiteSettings) -> list[str]:
    credentials = ([("O2C_NS_CONSUMER_KEY", ns.consumer_key.get_secret_value()),
                    ("O2C_NS_CONSUMER_SECRET", ns.consumer_secret.get_secret_value()),
                    ("O2C_NS_TOKEN_ID", ns.token_id.get_secret_value()),
                    ("O2C_NS_TOKEN_SECRET", ns.token_secret.get_secret_value())]
                   if ns.auth_mode == "tba" else
                   [("O2C_NS_CLIENT_ID", ns.client_id), ("O2C_NS_CERTIFICATE_ID", ns.certificate_id)])
    return (_urls([("O2C_NS_BASE_URL" if ns.base_url.strip() else "O2C_NS_ACCOUNT_ID", ns.service_url)])
            + _defaults([("O2C_NS_ACCOUNT_ID", ns.account_id), *credentials]))


def stripe_problems(stripe: StripeSettings) -> list[str]:
    key = stripe.api_key.get_secret_value()
    found = _urls([("O2C_STRIPE_API_BASE", stripe.api_base)])
    if key.startswith(STRIPE_TEST_PREFIXES):
        found.append("O2C_STRIPE_API_KEY is a Stripe test-mode key (sk_test_/rk_test_)")
    secret = stripe.webhook_secret.get_secret_value() if stripe.webhook_secret else ""
    return found + _defaults([("O2C_STRIPE_WEBHOOK_SECRET", secret)])


def paypal_problems(paypal: PayPalSettings) -> list[str]:
    return (_urls([("O2C_PAYPAL_API_BASE", paypal.api_base)])
            + _defaults([("O2C_PAYPAL_CLIENT_ID", paypal.client_id),
                         ("O2C_PAYPAL_CLIENT_SECRET", paypal.client_secret.get_secret_value())]))


def problems(systems: Iterable[str]) -> list[str]:
    """Every sandbox setting of the ``systems`` (``bigcommerce``, ``netsuite``, ``stripe``, ``paypal``) in use."""
    checks = {"bigcommerce": lambda: bigcommerce_problems(BigCommerceSettings()),
              "netsuite": lambda: netsuite_problems(NetSuiteSettings()),
              "stripe": lambda: stripe_problems(StripeSettings()),
              "paypal": lambda: paypal_problems(PayPalSettings())}
    return [problem for system in sorted(set(systems)) for problem in checks[system]()]


def check(systems: Iterable[str], *, sandbox_mode: bool) -> None:
    """Raise :class:`ConfigurationError` if a system in use is configured as a sandbox, unless ``sandbox_mode``."""
    if sandbox_mode:
        return
    found = problems(systems)
    if found:
        raise ConfigurationError(
            "refusing to start against sandbox settings: " + "; ".join(found) + ". Configure the real systems, "
            "or set O2C_SANDBOX_MODE=true to run against the sandboxes on purpose.")
